package org.qsearch.server.http;

/** The content type of an image file, from its first bytes: an extension can lie, the signature does not. */
final class MediaTypes {
    private MediaTypes() {}

    static String sniff(byte[] head) {
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
