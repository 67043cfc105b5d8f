package org.qsearch.encoder;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadUpdateListener;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Bytes to upright pixels: JPEG (incl. CMYK, progressive), PNG, GIF, BMP, WebP
 * through ImageIO and TwelveMonkeys. The pixel count in the header is checked
 * against the cap before any pixel is decoded; reader warnings about damaged
 * data (a truncated JPEG decodes "successfully" with grey rows) are errors, and
 * so is an image whose reader delivers fewer rows than its header claims (a GIF
 * of a few bytes that claims 7000x7000 decodes "successfully" to blank pixels).
 * An image far larger than the model needs is decoded with source subsampling
 * (every n-th pixel of every n-th row), so that it costs the model's pixels, not
 * its header's; images up to {@link #OVERSAMPLE} times the model's side (on the
 * geometric mean of their sides) decode whole, as PIL reads them.
 */
public final class ImageDecoder {
    /** Reader warnings that mean missing or damaged data (not e.g. "no ICC profile"). */
    private static final Pattern DAMAGE = Pattern.compile("premature|corrupt|truncat|end of (file|stream)|eof",
            Pattern.CASE_INSENSITIVE);
    /** Formats whose readers report every row they decode (TwelveMonkeys' WebP reports none). */
    private static final Set<String> REPORTS_ROWS = Set.of("gif", "png", "jpeg", "bmp");
    /** How many times the model's side an image keeps when it is subsampled. */
    static final int OVERSAMPLE = 16;

    private final long maxPixels;
    private final int modelSide;

    /** @param modelSide the side of the square the model's preprocessing resizes to */
    public ImageDecoder(long maxPixels, int modelSide) {
        this.maxPixels = maxPixels;
        this.modelSide = modelSide;
    }

    /** The subsampling step: 1, or n >= 2 when the image is at least n times {@link #OVERSAMPLE} the model's side. */
    int subsampling(long w, long h) {
        long step = (long) Math.sqrt((double) w * h) / ((long) OVERSAMPLE * modelSide);
        return (int) Math.max(1, Math.min(step, Math.min(w, h) / modelSide));
    }

    public RgbaPixels decode(byte[] bytes) throws ImageDecodeException {
        if (bytes == null || bytes.length == 0) {
            throw new ImageDecodeException("empty input: zero bytes is not an image");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageDecodeException("not an image in a supported format (JPEG, PNG, GIF, BMP, WebP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w <= 0 || h <= 0) {
                    throw new ImageDecodeException("image header gives no size");
                }
                if (w * h > maxPixels) {
                    throw new ImageTooLargeException("image is " + w + "x" + h + " = " + w * h
                            + " pixels, over the limit of " + maxPixels);
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> {
                    if (DAMAGE.matcher(warning).find()) {
                        warnings.add(warning);
                    }
                });
                RowsDelivered rows = new RowsDelivered();
                reader.addIIOReadUpdateListener(rows);
                ImageReadParam param = reader.getDefaultReadParam();
                int step = subsampling(w, h);
                if (step > 1) {
                    param.setSourceSubsampling(step, step, 0, 0);
                }
                BufferedImage img = reader.read(0, param);
                if (!warnings.isEmpty()) {
                    throw new ImageDecodeException("corrupt or truncated " + reader.getFormatName() + " image: "
                            + String.join("; ", warnings));
                }
                if (REPORTS_ROWS.contains(reader.getFormatName().toLowerCase(Locale.ROOT)) && rows.bottom < img.getHeight()) {
                    throw new ImageDecodeException("corrupt or truncated " + reader.getFormatName() + " image: its data ends after "
                            + rows.bottom + " of " + img.getHeight() + " rows");
                }
                RgbaPixels pixels = RgbaPixels.of(img);
                return "jpeg".equalsIgnoreCase(reader.getFormatName())
                        ? ExifOrientation.apply(pixels, ExifOrientation.read(bytes)) : pixels;
            } finally {
                reader.dispose();
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException("corrupt or truncated image: " + e.getMessage(), e);
        }
    }

    /** The lowest decoded row a reader has reported (in the decoded image's rows), over all passes. */
    private static final class RowsDelivered implements IIOReadUpdateListener {
        int bottom;

        @Override
        public void imageUpdate(ImageReader source, BufferedImage image, int minX, int minY, int width, int height,
                                int periodX, int periodY, int[] bands) {
            bottom = Math.max(bottom, minY + (height - 1) * periodY + 1);
        }

        @Override
        public void passStarted(ImageReader source, BufferedImage image, int pass, int minPass, int maxPass, int minX,
                                int minY, int periodX, int periodY, int[] bands) {}

        @Override
        public void passComplete(ImageReader source, BufferedImage image) {}

        @Override
        public void thumbnailPassStarted(ImageReader source, BufferedImage thumbnail, int pass, int minPass, int maxPass,
                                         int minX, int minY, int periodX, int periodY, int[] bands) {}

        @Override
        public void thumbnailUpdate(ImageReader source, BufferedImage thumbnail, int minX, int minY, int width, int height,
                                    int periodX, int periodY, int[] bands) {}

        @Override
        public void thumbnailPassComplete(ImageReader source, BufferedImage thumbnail) {}
    }
}
