package org.qsearch.index;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An image's content hash, lowercase hex SHA-256 of its source bytes ({@link ImageRecord#contentHash()}):
 * what dedupe, the caption cache and upload file names key on, so they must all compute it here.
 */
public final class ContentHash {
    private ContentHash() {}

    public static String of(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
