package org.qsearch.index;

/**
 * How to run one search.
 *
 * @param k          results wanted
 * @param candidates k': how many nearest neighbours each kNN query fetches before exact
 *                   rescoring. HNSW over child vectors misses true top parents unless it
 *                   over-fetches, so this is normally several times k.
 * @param exact      skip HNSW and score every stored vector (for tests and recall measurement)
 */
public record SearchRequest(int k, int candidates, SearchFilter filter, boolean exact) {
    public static final int DEFAULT_CANDIDATES = 100;

    public SearchRequest {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1: " + k);
        }
        if (candidates < k) {
            throw new IllegalArgumentException("candidates (" + candidates + ") must be at least k (" + k + ")");
        }
        if (filter == null) {
            throw new IllegalArgumentException("filter is required (use SearchFilter.NONE)");
        }
    }

    public static SearchRequest top(int k) {
        return new SearchRequest(k, Math.max(k, DEFAULT_CANDIDATES), SearchFilter.NONE, false);
    }

    public SearchRequest withCandidates(int n) {
        return new SearchRequest(k, n, filter, exact);
    }

    public SearchRequest withFilter(SearchFilter f) {
        return new SearchRequest(k, candidates, f, exact);
    }

    public SearchRequest exactly() {
        return new SearchRequest(k, candidates, filter, true);
    }
}
