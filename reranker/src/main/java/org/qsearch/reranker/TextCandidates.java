package org.qsearch.reranker;

import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/** What the reranker reads of candidate texts, whatever type they are: the ITC score and the words. */
public interface TextCandidates<T> {
    double itc(T text);

    String text(T text);

    static <T> TextCandidates<T> of(ToDoubleFunction<T> itc, Function<T, String> text) {
        return new TextCandidates<>() {
            @Override
            public double itc(T candidate) {
                return itc.applyAsDouble(candidate);
            }

            @Override
            public String text(T candidate) {
                return text.apply(candidate);
            }
        };
    }
}
