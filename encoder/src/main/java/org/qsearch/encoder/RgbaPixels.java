package org.qsearch.encoder;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;

/**
 * A decoded image as non-premultiplied 8-bit ARGB, row-major. Grey images keep
 * their stored values (R = G = B = v, as PIL's L -> RGB does) rather than going
 * through Java's linear-grey colour conversion, which would brighten them;
 * 16-bit samples keep their high byte, as PIL reads them.
 */
public record RgbaPixels(int width, int height, int[] argb) {
    public static RgbaPixels of(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = new int[w * h];
        ColorModel cm = img.getColorModel();
        if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster r = img.getRaster();
            int bits = img.getColorModel().getComponentSize(0);
            boolean alpha = img.getColorModel().hasAlpha();
            int[] px = new int[r.getNumBands()];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    r.getPixel(x, y, px);
                    int v = to8(px[0], bits);
                    int a = alpha ? to8(px[1], img.getColorModel().getComponentSize(1)) : 255;
                    argb[y * w + x] = a << 24 | v << 16 | v << 8 | v;
                }
            }
        } else if (cm instanceof ComponentColorModel && cm.getComponentSize(0) > 8 && cm.getColorSpace().isCS_sRGB()) {
            // 16-bit RGB(A): keep the high byte as PIL does; getRGB would round v / 257 instead
            Raster r = img.getRaster();
            int bits = cm.getComponentSize(0);
            int[] px = new int[r.getNumBands()];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    r.getPixel(x, y, px);
                    int a = cm.hasAlpha() ? to8(px[3], bits) : 255;
                    argb[y * w + x] = a << 24 | to8(px[0], bits) << 16 | to8(px[1], bits) << 8 | to8(px[2], bits);
                }
            }
        } else {
            img.getRGB(0, 0, w, h, argb, 0, w);
        }
        return new RgbaPixels(w, h, argb);
    }

    /** A sample of any depth as 8 bits: low depths stretched (4-bit v -> 17 v), 16-bit to its high byte. */
    private static int to8(int sample, int bits) {
        return bits <= 8 ? sample * 255 / ((1 << bits) - 1) : sample >>> (bits - 8);
    }
}
