package org.qsearch.reranker;

/**
 * The scores of one reranked (image, text) pair.
 *
 * @param itc            BLIP-2 ITC similarity (max over the queries of the dot product)
 * @param itmLogit       mean over the queries of the ITM class-1 logit
 * @param itmProbability softmax of the mean ITM logits, class 1 (match)
 * @param fused          the score the reranked list is ordered by ({@link Fusion})
 */
public record ItmScore(double itc, double itmLogit, double itmProbability, double fused) {
    /**
     * Scores from the itm graph's logits [no match, match] (mean over the queries); itmWeight
     * scales the logit in {@link Fusion#LAVIS}.
     */
    public static ItmScore of(double itc, float[] itmLogits, Fusion fusion, double itmWeight) {
        if (itmLogits.length != 2) {
            throw new IllegalArgumentException("ITM logits have 2 classes, got " + itmLogits.length);
        }
        double logit = itmLogits[1];
        // softmax over two classes, written so that large logits cannot overflow
        double probability = 1 / (1 + Math.exp((double) itmLogits[0] - itmLogits[1]));
        return new ItmScore(itc, logit, probability, fusion.fuse(itc, logit, probability, itmWeight));
    }
}
