package org.qsearch.index;

/**
 * How long one search spent gathering candidates (HNSW, or listing every document for an exact
 * search); the rest of its time is exact rescoring and stored fields. One per search; not shared
 * between threads.
 */
public final class SearchTrace {
    private long candidatesNanos;

    public long candidatesNanos() {
        return candidatesNanos;
    }

    public void addCandidates(long nanos) {
        candidatesNanos += nanos;
    }
}
