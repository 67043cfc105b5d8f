package org.qsearch.opensearch;

import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * The waits between the attempts of one request, doubling up to a ceiling, for a bounded number of
 * attempts: every retry in this module (requests, multi-searches, refused bulk items) goes by it.
 */
final class Backoff {
    static final int ATTEMPTS = 8;

    private final long maxMillis;
    private long nextMillis;
    private int attempt = 1;

    Backoff(long firstMillis, long maxMillis) {
        this.nextMillis = firstMillis;
        this.maxMillis = maxMillis;
    }

    /** Whether the attempt just made was the last one allowed. */
    boolean exhausted() {
        return attempt >= ATTEMPTS;
    }

    /** Waits before the next attempt; an interrupt ends the retries. */
    void pause() throws IOException {
        try {
            Thread.sleep(nextMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry an OpenSearch request");
        }
        nextMillis = Math.min(2 * nextMillis, maxMillis);
        attempt++;
    }
}
