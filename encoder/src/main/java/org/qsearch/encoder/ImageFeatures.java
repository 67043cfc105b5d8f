package org.qsearch.encoder;

/**
 * What the engine keeps of one image: the trunk tokens (T x Dv, before any
 * head's norm: the ITM and caption heads start from them) and the normalized
 * ITC query embeddings (numQueries x E), both row-major.
 */
public record ImageFeatures(float[] imageTokens, float[] queryEmbeds, int numQueries, int embedDim) {
    public float[] query(int i) {
        return java.util.Arrays.copyOfRange(queryEmbeds, i * embedDim, (i + 1) * embedDim);
    }

    /** BLIP-2 ITC similarity with a normalized text embedding: max over the queries of the dot product. */
    public float itc(float[] text) {
        float best = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < numQueries; q++) {
            float dot = 0;
            for (int e = 0; e < embedDim; e++) {
                dot += queryEmbeds[q * embedDim + e] * text[e];
            }
            best = Math.max(best, dot);
        }
        return best;
    }
}
