package org.qsearch.reranker;

import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * What the reranker reads of candidate images, whatever type they are (index hits, test
 * stand-ins): the ITC score that fusion adds to, and the trunk tokens the itm graph starts from.
 */
public interface ImageCandidates<T> {
    double itc(T image);

    /** The trunk tokens (T x Dv, row-major) of each image, in order; asked for one ITM batch at a time. */
    List<float[]> tokens(List<T> images);

    static <T> ImageCandidates<T> of(ToDoubleFunction<T> itc, Function<List<T>, List<float[]>> tokens) {
        return new ImageCandidates<>() {
            @Override
            public double itc(T image) {
                return itc.applyAsDouble(image);
            }

            @Override
            public List<float[]> tokens(List<T> images) {
                return tokens.apply(images);
            }
        };
    }
}
