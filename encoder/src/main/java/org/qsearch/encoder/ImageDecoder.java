package org.qsearch.encoder;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Bytes to upright pixels: JPEG (incl. CMYK, progressive), PNG, GIF, BMP, WebP
 * through ImageIO and TwelveMonkeys. The pixel count in the header is checked
 * against the cap before any pixel is decoded; reader warnings about damaged
 * data (a truncated JPEG decodes "successfully" with grey rows) are errors.
 */
public final class ImageDecoder {
    /** Reader warnings that mean missing or damaged data (not e.g. "no ICC profile"). */
    private static final Pattern DAMAGE = Pattern.compile("premature|corrupt|truncat|end of (file|stream)|eof",
            Pattern.CASE_INSENSITIVE);
    private final long maxPixels;

    public ImageDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
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
                BufferedImage img = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new ImageDecodeException("corrupt or truncated " + reader.getFormatName() + " image: "
                            + String.join("; ", warnings));
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
}
