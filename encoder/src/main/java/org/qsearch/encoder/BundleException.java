package org.qsearch.encoder;

/** A model bundle that cannot be used; the message names the file and what is wrong with it. */
public final class BundleException extends RuntimeException {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
