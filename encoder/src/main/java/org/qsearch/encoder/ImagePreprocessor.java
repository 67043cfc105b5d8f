package org.qsearch.encoder;

/**
 * The bundle's preprocessing (docs/bundle.md; LAVIS's blip_processors), bit-for-bit with PIL where PIL is
 * integer: alpha rule (convert("RGB") or alpha_composite over white), bicubic
 * squash resize with PIL's antialiasing (filter support widened by the
 * downscale factor, 22-bit fixed-point weights, horizontal pass then vertical,
 * each rounded and clipped to 8 bits), then x / 255, (x - mean) / std.
 */
public final class ImagePreprocessor {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double BICUBIC_A = -0.5;
    private static final double BICUBIC_SUPPORT = 2.0;

    private final int size;
    private final float[] mean;
    private final float[] std;
    private final AlphaRule alpha;

    public ImagePreprocessor(ModelBundle.ImageSpec spec) {
        this.size = spec.size();
        this.mean = spec.mean().clone();
        this.std = spec.std().clone();
        this.alpha = spec.alpha();
    }

    public int size() {
        return size;
    }

    /** Pixels -> float32 [3, S, S] (channel-major), ready for the vision graph. */
    public float[] apply(RgbaPixels pixels) {
        byte[] rgb = resize(toRgb(pixels), pixels.width(), pixels.height(), size, size);
        int plane = size * size;
        float[] out = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                float v = (rgb[3 * i + c] & 0xFF) / 255.0f;
                out[c * plane + i] = (v - mean[c]) / std[c];
            }
        }
        return out;
    }

    /** Interleaved 8-bit RGB after the alpha rule. */
    byte[] toRgb(RgbaPixels p) {
        int[] argb = p.argb();
        byte[] rgb = new byte[argb.length * 3];
        for (int i = 0; i < argb.length; i++) {
            int px = argb[i];
            int a = px >>> 24;
            for (int c = 0; c < 3; c++) {
                int v = px >>> (16 - 8 * c) & 0xFF;
                rgb[3 * i + c] = (byte) (alpha == AlphaRule.WHITE ? overWhite(v, a) : v);
            }
        }
        return rgb;
    }

    /** PIL's alpha_composite of (v, a) over opaque white (AlphaComposite.c, 7-bit precision). */
    static int overWhite(int v, int a) {
        int coef1 = a * 128;
        int coef2 = 255 * 128 - coef1;
        int t = v * coef1 + 255 * coef2 + (0x80 << 7);
        return ((t >> 8) + t >> 8) >> 7;
    }

    /** PIL's ImagingResample with the bicubic filter, for 3-channel 8-bit images. */
    static byte[] resize(byte[] rgb, int w, int h, int outW, int outH) {
        if (w == outW && h == outH) {
            return rgb.clone();
        }
        byte[] horizontal = w == outW ? rgb : pass(rgb, w, h, outW, true);
        return h == outH ? horizontal : pass(horizontal, outW, h, outH, false);
    }

    private static byte[] pass(byte[] in, int w, int h, int outSize, boolean horizontal) {
        int inSize = horizontal ? w : h;
        Coefficients k = coefficients(inSize, outSize);
        int ow = horizontal ? outSize : w;
        int oh = horizontal ? h : outSize;
        byte[] out = new byte[ow * oh * 3];
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int o = horizontal ? x : y;
                int min = k.bounds[2 * o];
                int n = k.bounds[2 * o + 1];
                int base = o * k.kmax;
                for (int c = 0; c < 3; c++) {
                    int ss = half;
                    for (int i = 0; i < n; i++) {
                        int src = horizontal ? (y * w + min + i) : ((min + i) * w + x);
                        ss += (in[3 * src + c] & 0xFF) * k.weights[base + i];
                    }
                    out[3 * (y * ow + x) + c] = (byte) clip8(ss);
                }
            }
        }
        return out;
    }

    private static int clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private record Coefficients(int kmax, int[] bounds, int[] weights) {}

    private static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = BICUBIC_SUPPORT * filterScale;
        int kmax = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[2 * outSize];
        int[] weights = new int[outSize * kmax];
        double[] k = new double[kmax];
        double ss = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double total = 0;
            for (int x = 0; x < xmax; x++) {
                double w = bicubic((x + xmin - center + 0.5) * ss);
                k[x] = w;
                total += w;
            }
            for (int x = 0; x < xmax; x++) {
                double w = total != 0 ? k[x] / total : k[x];
                weights[xx * kmax + x] = (int) (w < 0 ? w * (1 << PRECISION_BITS) - 0.5 : w * (1 << PRECISION_BITS) + 0.5);
            }
            bounds[2 * xx] = xmin;
            bounds[2 * xx + 1] = xmax;
        }
        return new Coefficients(kmax, bounds, weights);
    }

    private static double bicubic(double x) {
        x = Math.abs(x);
        if (x < 1.0) {
            return ((BICUBIC_A + 2.0) * x - (BICUBIC_A + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * BICUBIC_A;
        }
        return 0.0;
    }
}
