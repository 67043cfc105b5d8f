package org.qsearch.search;

/** An id that is not indexed, or an indexed image whose source file is gone (HTTP 404). */
public final class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
