package org.qsearch.encoder;

/** Input that is not a usable image: empty, truncated, corrupt, an unknown format, or too large. */
public class ImageDecodeException extends Exception {
    public ImageDecodeException(String message) {
        super(message);
    }

    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
