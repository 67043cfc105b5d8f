package org.qsearch.indexer;

/**
 * Where one search spent its time: gathering candidates (HNSW, or listing every document for an
 * exact search) and rescoring them exactly. One per search; not shared between threads.
 */
public final class SearchTrace {
    private long candidatesNanos;
    private long rescoreNanos;

    public long candidatesNanos() {
        return candidatesNanos;
    }

    public long rescoreNanos() {
        return rescoreNanos;
    }

    void addCandidates(long nanos) {
        candidatesNanos += nanos;
    }

    void addRescore(long nanos) {
        rescoreNanos += nanos;
    }
}
