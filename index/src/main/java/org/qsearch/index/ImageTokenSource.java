package org.qsearch.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.encoder.ImageFeatures;

/**
 * The trunk tokens of indexed images, which the ITM and caption graphs start from: read from the
 * feature store when the index stores them, otherwise recomputed from the source images (the
 * index's {@link FeatureMode}).
 */
public final class ImageTokenSource {
    private final CollectionIndex index;
    private final Blip2Encoder encoder;
    private final SourceImages sources;

    public ImageTokenSource(CollectionIndex index, Blip2Encoder encoder, SourceImages sources) {
        this.index = index;
        this.encoder = encoder;
        this.sources = sources;
    }

    public FeatureMode mode() {
        return index.settings().featureMode();
    }

    public float[] tokens(ImageHit hit) {
        return tokens(List.of(hit)).getFirst();
    }

    /** Tokens of each hit, in order; recomputed ones go through the vision graph as one batch. */
    public List<float[]> tokens(List<ImageHit> hits) {
        try {
            if (mode() == FeatureMode.STORED) {
                List<float[]> out = new ArrayList<>(hits.size());
                for (ImageHit hit : hits) {
                    out.add(index.imageTokens(hit));
                }
                return out;
            }
            List<float[]> pixels = new ArrayList<>(hits.size());
            for (ImageHit hit : hits) {
                pixels.add(encoder.preprocess(sources.read(hit)));
            }
            return encoder.encodePixels(pixels).stream().map(ImageFeatures::imageTokens).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot get the image tokens for reranking: " + e.getMessage(), e);
        } catch (ImageDecodeException e) {
            throw new IllegalStateException("an indexed source image no longer decodes: " + e.getMessage(), e);
        }
    }
}
