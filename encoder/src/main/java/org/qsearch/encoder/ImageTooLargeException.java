package org.qsearch.encoder;

/** An image whose header claims more pixels than the configured cap (a decompression bomb or just too big). */
public final class ImageTooLargeException extends ImageDecodeException {
    public ImageTooLargeException(String message) {
        super(message);
    }
}
