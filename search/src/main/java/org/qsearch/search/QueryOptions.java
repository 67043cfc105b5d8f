package org.qsearch.search;

import org.qsearch.index.SearchFilter;
import org.qsearch.reranker.Fusion;
import org.qsearch.reranker.Reranker;

/**
 * Per-request options. The pipeline checks k against {@link PipelineSettings#maxK()} and caps the
 * rerank depth at {@link PipelineSettings#maxRerank()}.
 *
 * @param k            results wanted (at least 1)
 * @param rerank       ITM rerank depth: the top this many ITC candidates are reranked; 0 = off
 * @param fusion       how ITM and ITC combine when reranking
 * @param itmThreshold drop reranked candidates whose ITM match probability is below it; null = none
 * @param filter       metadata filter (null = none)
 * @param dedupe       drop duplicate images: the same content hash, and query vectors at least
 *                     {@link PipelineSettings#nearDuplicates()} alike where that is set
 * @param captions     fill each image's snippet caption (stored, else generated and cached)
 * @param debug        report per-step timings
 * @param exact        score every indexed vector instead of searching the HNSW graph (evaluation)
 */
public record QueryOptions(int k, int rerank, Fusion fusion, Double itmThreshold, SearchFilter filter, boolean dedupe,
                           boolean captions, boolean debug, boolean exact) {
    public static final int DEFAULT_K = 20;
    /** LAVIS's k_test in its retrieval configs. */
    public static final int DEFAULT_RERANK = 128;

    public QueryOptions {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1: " + k);
        }
        if (rerank < 0) {
            throw new IllegalArgumentException("rerank depth must be 0 (off) or more: " + rerank);
        }
        if (fusion == null) {
            throw new IllegalArgumentException("fusion is required (lavis or itm)");
        }
        Reranker.requireThreshold(itmThreshold);
        filter = filter == null ? SearchFilter.NONE : filter;
    }

    /** The contract's eight options; searches the HNSW graph. */
    public QueryOptions(int k, int rerank, Fusion fusion, Double itmThreshold, SearchFilter filter, boolean dedupe,
                        boolean captions, boolean debug) {
        this(k, rerank, fusion, itmThreshold, filter, dedupe, captions, debug, false);
    }

    /**
     * k 20, rerank 128 (LAVIS's depth; {@link SearchPipeline#defaultOptions()} has the bundle's) with
     * LAVIS fusion, no threshold, no filter, dedupe and captions on, no timings.
     */
    public static QueryOptions defaults() {
        return new QueryOptions(DEFAULT_K, DEFAULT_RERANK, Fusion.LAVIS, null, SearchFilter.NONE, true, true, false,
                false);
    }

    public QueryOptions withK(int n) {
        return new QueryOptions(n, rerank, fusion, itmThreshold, filter, dedupe, captions, debug, exact);
    }

    public QueryOptions withRerank(int depth) {
        return new QueryOptions(k, depth, fusion, itmThreshold, filter, dedupe, captions, debug, exact);
    }

    public QueryOptions withFusion(Fusion f) {
        return new QueryOptions(k, rerank, f, itmThreshold, filter, dedupe, captions, debug, exact);
    }

    public QueryOptions withItmThreshold(Double threshold) {
        return new QueryOptions(k, rerank, fusion, threshold, filter, dedupe, captions, debug, exact);
    }

    public QueryOptions withFilter(SearchFilter f) {
        return new QueryOptions(k, rerank, fusion, itmThreshold, f, dedupe, captions, debug, exact);
    }

    public QueryOptions withDedupe(boolean on) {
        return new QueryOptions(k, rerank, fusion, itmThreshold, filter, on, captions, debug, exact);
    }

    public QueryOptions withCaptions(boolean on) {
        return new QueryOptions(k, rerank, fusion, itmThreshold, filter, dedupe, on, debug, exact);
    }

    public QueryOptions withDebug(boolean on) {
        return new QueryOptions(k, rerank, fusion, itmThreshold, filter, dedupe, captions, on, exact);
    }

    public QueryOptions withExact(boolean on) {
        return new QueryOptions(k, rerank, fusion, itmThreshold, filter, dedupe, captions, debug, on);
    }
}
