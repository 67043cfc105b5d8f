package org.qsearch.reranker;

import java.util.Collections;
import java.util.List;
import org.qsearch.encoder.Blip2Encoder;

/**
 * Runs the itm graph over many (image, text) pairs in batches, so k pairs cost ceil(k / batch)
 * graph runs and memory stays at one batch of trunk tokens. Thread-safe.
 */
public final class ItmScorer {
    private final Blip2Encoder encoder;
    private final int batchSize;

    public ItmScorer(Blip2Encoder encoder, int batchSize) {
        if (!encoder.hasItm()) {
            throw new IllegalArgumentException("bundle " + encoder.bundle().name() + " has no itm graph: reranking is off");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("ITM batch size must be at least 1: " + batchSize);
        }
        this.encoder = encoder;
        this.batchSize = batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    /** The bundle's weight of the ITM logit in the LAVIS fusion. */
    public double itmWeight() {
        return encoder.bundle().rerankDefaults().itmWeight();
    }

    /** Logits [n][2] of one image against each text, {@link #batchSize()} texts per graph run. */
    public float[][] logits(float[] imageTokens, List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int from = 0; from < texts.size(); from += batchSize) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + batchSize));
            float[][] logits = encoder.itmLogits(imageTokens, batch);
            System.arraycopy(logits, 0, out, from, logits.length);
        }
        return out;
    }

    /** Logits [n][2] of each image (trunk tokens) against one text; the caller batches the tokens. */
    public float[][] logits(List<float[]> imageTokens, String text) {
        if (imageTokens.size() > batchSize) {
            throw new IllegalArgumentException(imageTokens.size() + " images exceed the batch of " + batchSize);
        }
        return encoder.itmLogits(imageTokens, Collections.nCopies(imageTokens.size(), text));
    }
}
