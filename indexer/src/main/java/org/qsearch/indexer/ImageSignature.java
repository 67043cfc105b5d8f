package org.qsearch.indexer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Image formats told by their leading bytes (an extension can lie, the signature does not) and,
 * for a folder's files, by their extension. What a file is served as, how an upload is named and
 * which files of a folder are indexed all come from here.
 */
public final class ImageSignature {
    /** Enough leading bytes for every signature below. */
    public static final int HEAD_BYTES = 12;
    static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "bmp", "webp");
    /** What a folder's files are indexed as: the formats the encoder decodes, TIFF left out. */
    private static final Set<String> FOLDER_TYPES = Set.of("image/png", "image/jpeg", "image/gif", "image/bmp",
            "image/webp");

    private ImageSignature() {}

    /** The media type of an image from its first bytes, or application/octet-stream when none matches. */
    public static String mediaType(byte[] head) {
        if (starts(head, 0x89, 'P', 'N', 'G')) {
            return "image/png";
        }
        if (starts(head, 0xFF, 0xD8, 0xFF)) {
            return "image/jpeg";
        }
        if (starts(head, 'G', 'I', 'F', '8')) {
            return "image/gif";
        }
        if (starts(head, 'R', 'I', 'F', 'F') && head.length >= 12 && head[8] == 'W' && head[9] == 'E' && head[10] == 'B'
                && head[11] == 'P') {
            return "image/webp";
        }
        if (starts(head, 'B', 'M')) {
            return "image/bmp";
        }
        if (starts(head, 'I', 'I', 42, 0) || starts(head, 'M', 'M', 0, 42)) {
            return "image/tiff";
        }
        return "application/octet-stream";
    }

    /** The file extension an image of this media type is kept under, or null for what is not an image. */
    public static String extension(String mediaType) {
        return switch (mediaType) {
            case "image/png" -> "png";
            case "image/jpeg" -> "jpg";
            case "image/gif" -> "gif";
            case "image/webp" -> "webp";
            case "image/bmp" -> "bmp";
            case "image/tiff" -> "tiff";
            default -> null;
        };
    }

    public static boolean hasImageExtension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Whether the file starts like a PNG, JPEG, GIF, BMP or WebP. */
    public static boolean startsLikeImage(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(HEAD_BYTES);
        }
        return FOLDER_TYPES.contains(mediaType(head));
    }

    private static boolean starts(byte[] head, int... signature) {
        if (head.length < signature.length) {
            return false;
        }
        for (int i = 0; i < signature.length; i++) {
            if ((head[i] & 0xFF) != signature[i]) {
                return false;
            }
        }
        return true;
    }
}
