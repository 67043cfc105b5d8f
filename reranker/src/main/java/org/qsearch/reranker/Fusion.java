package org.qsearch.reranker;

import java.util.Locale;

/**
 * How a reranked candidate's ITM output and its ITC similarity combine into the score the
 * reranked list is ordered by.
 */
public enum Fusion {
    /**
     * LAVIS: mean over the 32 queries of the ITM class-1 logit, plus the ITC similarity (max over
     * the queries, no temperature), as LAVIS's retrieval orders its reranked candidates (the facts
     * and their sources: docs/design.md, "BLIP-2 facts"). The itm graph already returns the logits
     * averaged over the queries, and class 1 of the mean is the mean of class 1. The logit is
     * scaled by the bundle's ITM weight (bundle.json "rerank", chosen on validation data; 1,
     * LAVIS's plain sum, when absent).
     */
    LAVIS("lavis"),
    /** The ITM match probability alone: softmax of the mean logits, class 1 (HF's itm_score). */
    ITM_PROBABILITY("itm");

    private final String label;

    Fusion(String label) {
        this.label = label;
    }

    /** The name an API or report shows: "lavis" or "itm". */
    public String label() {
        return label;
    }

    /** The fusion named by {@link #label()} (any case). */
    public static Fusion byLabel(String label) {
        String wanted = label == null ? "" : label.strip().toLowerCase(Locale.ROOT);
        for (Fusion f : values()) {
            if (f.label.equals(wanted)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown fusion \"" + label + "\": expected lavis or itm");
    }

    double fuse(double itc, double itmLogit, double itmProbability, double itmWeight) {
        return this == LAVIS ? itc + itmWeight * itmLogit : itmProbability;
    }
}
