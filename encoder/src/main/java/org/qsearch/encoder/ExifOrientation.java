package org.qsearch.encoder;

/** The EXIF Orientation tag (0x0112) of a JPEG, and applying it like PIL's ImageOps.exif_transpose. */
final class ExifOrientation {
    private ExifOrientation() {}

    /** Orientation 1-8 from the first APP1 Exif segment of a JPEG; 1 when absent or unreadable. */
    static int read(byte[] jpeg) {
        if (jpeg.length < 4 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8) {
            return 1;
        }
        int p = 2;
        while (p + 4 <= jpeg.length && (jpeg[p] & 0xFF) == 0xFF) {
            int marker = jpeg[p + 1] & 0xFF;
            int len = u16(jpeg, p + 2, false);
            if (marker == 0xDA || len < 2) {
                return 1; // start of scan: no Exif before the image data
            }
            if (marker == 0xE1 && len >= 8 && p + 4 + 6 <= jpeg.length
                    && new String(jpeg, p + 4, 6, java.nio.charset.StandardCharsets.ISO_8859_1).equals("Exif\0\0")) {
                return fromTiff(jpeg, p + 10, Math.min(jpeg.length, p + 2 + len));
            }
            p += 2 + len;
        }
        return 1;
    }

    private static int fromTiff(byte[] b, int tiff, int end) {
        if (tiff + 8 > end) {
            return 1;
        }
        boolean little = b[tiff] == 'I';
        int ifd = tiff + (int) u32(b, tiff + 4, little);
        if (ifd < tiff || ifd + 2 > end) {
            return 1;
        }
        int entries = u16(b, ifd, little);
        for (int i = 0; i < entries; i++) {
            int e = ifd + 2 + 12 * i;
            if (e + 12 > end) {
                return 1;
            }
            if (u16(b, e, little) == 0x0112) {
                int v = u16(b, e + 8, little);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int p, boolean little) {
        int a = b[p] & 0xFF;
        int c = b[p + 1] & 0xFF;
        return little ? a | c << 8 : a << 8 | c;
    }

    private static long u32(byte[] b, int p, boolean little) {
        long hi = u16(b, little ? p + 2 : p, little);
        long lo = u16(b, little ? p : p + 2, little);
        return hi << 16 | lo;
    }

    /** The upright pixels for an orientation value, as PIL's exif_transpose turns them. */
    static RgbaPixels apply(RgbaPixels in, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return in;
        }
        int w = in.width();
        int h = in.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        int[] src = in.argb();
        int[] out = new int[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                out[y * ow + x] = src[sy * w + sx];
            }
        }
        return new RgbaPixels(ow, oh, out);
    }
}
