package org.qsearch.index;

import org.apache.lucene.util.VectorUtil;

/**
 * The exact BLIP-2 ITC score of one candidate against query vectors, the rule every backend
 * rescores with.
 *
 * @param score      the best dot product
 * @param queryIndex which vector gave it (see each method), the first one in order on ties
 */
public record ItcMatch(float score, int queryIndex) {
    /**
     * An image against query vectors: the max over the image's vectors and over {@code queries} of
     * the dot product; {@code queryIndex} is the image's own query index of the best vector.
     *
     * @throws IllegalStateException when no dot product is a number
     */
    public static ItcMatch ofImage(float[][] imageVectors, float[][] queries) {
        float best = Float.NEGATIVE_INFINITY;
        int bestQuery = -1;
        for (int q = 0; q < imageVectors.length; q++) {
            for (float[] query : queries) {
                float dot = VectorUtil.dotProduct(query, imageVectors[q]);
                if (dot > best) {
                    best = dot;
                    bestQuery = q;
                }
            }
        }
        if (bestQuery < 0) {
            throw new IllegalStateException("an image has no score (NaN vectors)");
        }
        return new ItcMatch(best, bestQuery);
    }

    /** A text against query vectors: the max over {@code queries}; {@code queryIndex} indexes {@code queries}. */
    public static ItcMatch ofText(float[] textVector, float[][] queries) {
        float best = Float.NEGATIVE_INFINITY;
        int bestQuery = -1;
        for (int q = 0; q < queries.length; q++) {
            float dot = VectorUtil.dotProduct(queries[q], textVector);
            if (dot > best) {
                best = dot;
                bestQuery = q;
            }
        }
        return new ItcMatch(best, bestQuery);
    }
}
