package org.qsearch.server;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.encoder.RgbaPixels;

/**
 * Thumbnails as PNG (alpha kept: emoji are transparent), scaled to fit a square and never
 * enlarged, kept in a least-recently-used cache bounded in bytes. Keys include the image's
 * content hash, so a re-indexed image gets fresh thumbnails. The source comes decoded
 * ({@link org.qsearch.search.SearchPipeline#sourcePixels}: the encoder's pixel cap guards against
 * decompression bombs).
 */
final class ThumbnailCache {
    static final int MIN_SIZE = 16;
    static final int MAX_SIZE = 1024;

    /** The original's pixels, asked for on a cache miss. */
    interface Source {
        RgbaPixels pixels() throws IOException, ImageDecodeException;
    }

    private final long maxBytes;
    private final LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;

    ThumbnailCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    byte[] get(String id, String contentHash, int size, Source original) throws IOException, ImageDecodeException {
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw ApiProblem.badRequest("size must be " + MIN_SIZE + ".." + MAX_SIZE + ", got " + size);
        }
        String key = id + '\n' + contentHash + '\n' + size;
        synchronized (this) {
            byte[] cached = entries.get(key);
            if (cached != null) {
                return cached;
            }
        }
        byte[] png = render(original.pixels(), size);
        synchronized (this) {
            if (entries.put(key, png) == null) {
                bytes += png.length;
            }
            for (Iterator<Map.Entry<String, byte[]>> it = entries.entrySet().iterator(); bytes > maxBytes && it.hasNext(); ) {
                bytes -= it.next().getValue().length;
                it.remove();
            }
        }
        return png;
    }

    private static byte[] render(RgbaPixels pixels, int size) {
        BufferedImage image = new BufferedImage(pixels.width(), pixels.height(), BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, pixels.width(), pixels.height(), pixels.argb(), 0, pixels.width());
        double scale = Math.min(1.0, (double) size / Math.max(pixels.width(), pixels.height()));
        int w = Math.max(1, (int) Math.round(pixels.width() * scale));
        int h = Math.max(1, (int) Math.round(pixels.height() * scale));
        // halve first, then one bicubic step: a single step from far larger skips pixels and aliases
        while (image.getWidth() / 2 >= w && image.getHeight() / 2 >= h) {
            image = scaled(image, image.getWidth() / 2, image.getHeight() / 2);
        }
        if (image.getWidth() != w || image.getHeight() != h) {
            image = scaled(image, w, h);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static BufferedImage scaled(BufferedImage from, int w, int h) {
        BufferedImage to = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = to.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.drawImage(from, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return to;
    }
}
