package org.qsearch.search;

import org.qsearch.index.FeatureMode;
import org.qsearch.index.VectorFormat;

/**
 * What a served collection is, for health checks and start-up lines: the model and what it can
 * do, the index's size and how it keeps its vectors and image tokens.
 *
 * @param executionProvider where the model's graphs run (CPU, CUDA)
 * @param rerank            the bundle has an itm graph
 * @param captions          the bundle has caption graphs
 */
public record CollectionStatus(String model, String executionProvider, boolean rerank, boolean captions, int images,
                               int texts, VectorFormat vectorFormat, FeatureMode features) {}
