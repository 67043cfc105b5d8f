package org.qsearch.indexer.bulk;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/** Tells image files by their leading bytes and their extension: the formats the encoder decodes. */
final class ImageSignature {
    static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "bmp", "webp");
    private static final int HEAD_BYTES = 12;

    private ImageSignature() {}

    static boolean hasImageExtension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Whether the file starts like a PNG, JPEG, GIF, BMP or WebP. */
    static boolean startsLikeImage(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(HEAD_BYTES);
        }
        return startsWith(head, 0, (byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G')
                || startsWith(head, 0, (byte) 0xFF, (byte) 0xD8, (byte) 0xFF)
                || startsWith(head, 0, ascii("GIF8"))
                || startsWith(head, 0, ascii("BM"))
                || startsWith(head, 0, ascii("RIFF")) && startsWith(head, 8, ascii("WEBP"));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean startsWith(byte[] head, int offset, byte... prefix) {
        return head.length >= offset + prefix.length
                && Arrays.equals(head, offset, offset + prefix.length, prefix, 0, prefix.length);
    }
}
