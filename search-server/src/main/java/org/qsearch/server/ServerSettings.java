package org.qsearch.server;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * How the HTTP server runs.
 *
 * @param token             the bearer token writes (and protected reads) need, or null
 * @param protectReads      reads need the token too
 * @param insecureWrites    allow writes without a token: only when bound to loopback
 * @param maxUploadBytes    the largest image a request may carry
 * @param workers           threads running model work (encoding, reranking, captions)
 * @param queueLimit        model tasks that may wait for a worker; past it requests get 503
 * @param thumbnailCacheBytes what the thumbnail cache may hold
 */
public record ServerSettings(String host, int port, String token, boolean protectReads, boolean insecureWrites,
                             long maxUploadBytes, int workers, int queueLimit, long thumbnailCacheBytes) {
    public ServerSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        if (token != null && token.isBlank()) {
            throw new IllegalArgumentException("the token is empty");
        }
        if (protectReads && token == null) {
            throw new IllegalArgumentException("protecting reads needs a token");
        }
        if (insecureWrites && !isLoopback(host)) {
            throw new IllegalArgumentException("--insecure-writes is allowed only on a loopback host, not " + host);
        }
        if (maxUploadBytes < 1 || workers < 1 || queueLimit < 0 || thumbnailCacheBytes < 0) {
            throw new IllegalArgumentException("upload limit and workers must be positive, queue and cache sizes not negative");
        }
    }

    /** Loopback, port 7070, no token, 20 MB uploads, one worker per two cores, 64 queued, 64 MB of thumbnails. */
    public static ServerSettings defaults() {
        return new ServerSettings("127.0.0.1", 7070, null, false, false, 20L << 20,
                Math.max(1, Runtime.getRuntime().availableProcessors() / 2), 64, 64L << 20);
    }

    public ServerSettings withAddress(String h, int p) {
        return new ServerSettings(h, p, token, protectReads, insecureWrites, maxUploadBytes, workers, queueLimit, thumbnailCacheBytes);
    }

    public ServerSettings withAuth(String t, boolean reads, boolean insecure) {
        return new ServerSettings(host, port, t, reads, insecure, maxUploadBytes, workers, queueLimit, thumbnailCacheBytes);
    }

    public ServerSettings withLimits(long upload, int w, int queue) {
        return new ServerSettings(host, port, token, protectReads, insecureWrites, upload, w, queue, thumbnailCacheBytes);
    }

    public boolean writesEnabled() {
        return token != null || insecureWrites;
    }

    /** Bound to a loopback address: every request must then name a loopback host (DNS rebinding). */
    public boolean loopback() {
        return isLoopback(host);
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
