package org.qsearch.index;

/** Where the reranker gets an image's trunk tokens from. */
public enum FeatureMode {
    /** fp16 tokens kept in the feature store beside the index. */
    STORED,
    /** Nothing kept: the reranker re-encodes the source image. */
    RECOMPUTE
}
