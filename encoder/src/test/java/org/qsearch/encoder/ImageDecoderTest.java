package org.qsearch.encoder;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import java.util.Arrays;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {
    final ImageDecoder decoder = new ImageDecoder(10_000_000, 48);

    @Test
    void zeroBytesIsRefused() {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> decoder.decode(new byte[0]));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void textIsNotAnImage() {
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> decoder.decode("just some words, not pixels".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("not an image"), e.getMessage());
    }

    @Test
    void unknownFormatIsRefused() {
        byte[] pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".getBytes(StandardCharsets.US_ASCII);
        assertThrows(ImageDecodeException.class, () -> decoder.decode(pdf));
    }

    @Test
    void truncatedJpegIsRefused() throws Exception {
        byte[] jpeg = PreprocessParityTest.resource("img_03_jpeg.jpg");
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> decoder.decode(cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void truncatedPngIsRefused() throws Exception {
        byte[] png = PreprocessParityTest.resource("img_00_png-rgba.png");
        byte[] cut = Arrays.copyOf(png, png.length / 2);
        assertThrows(ImageDecodeException.class, () -> decoder.decode(cut));
    }

    @Test
    void hugeHeaderIsRefusedBeforeDecoding() throws Exception {
        byte[] bomb = TestImages.pngHeaderOnly(100_000, 100_000);
        ImageTooLargeException e = assertThrows(ImageTooLargeException.class, () -> decoder.decode(bomb));
        assertTrue(e.getMessage().contains("100000x100000"), e.getMessage());
    }

    @Test
    void cmykJpegDecodes() throws Exception {
        RgbaPixels px = decoder.decode(PreprocessParityTest.resource("decode_cmyk.jpg"));
        assertEquals(100, px.width());
        assertEquals(80, px.height());
    }

    @Test
    void exifOrientationTurnsTheImage() throws Exception {
        // img_06 is a 201x333 crop stored with orientation 6 (rotate 90 clockwise to view)
        RgbaPixels px = decoder.decode(PreprocessParityTest.resource("img_06_jpeg-exif6.jpg"));
        assertEquals(333, px.width());
        assertEquals(201, px.height());
    }

    @Test
    void gifWithoutItsPixelDataIsRefused() {
        // 29 bytes whose header claims 7000x7000: the reader "succeeds" with blank pixels
        byte[] gif = TestImages.gifHeaderOnly(7000, 7000);
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> new ImageDecoder(EncoderOptions.DEFAULT_MAX_PIXELS, 48).decode(gif));
        assertTrue(e.getMessage().contains("rows"), e.getMessage());
    }

    @Test
    void imagesFarLargerThanTheModelNeedsAreSubsampledOthersDecodeWhole() throws Exception {
        BufferedImage image = new BufferedImage(3200, 1600, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, (x % 2 == 0 ? 0xFF0000 : 0) | y % 256);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        // sqrt(3200 * 1600) = 2262 is twice 16 x 48: every other pixel of every other row
        RgbaPixels small = new ImageDecoder(EncoderOptions.DEFAULT_MAX_PIXELS, 48).decode(png.toByteArray());
        assertEquals(1600, small.width());
        assertEquals(800, small.height());
        assertEquals(0xFFFF0002, small.argb()[small.width() + 1], "row 2, column 2 of the original");
        RgbaPixels whole = new ImageDecoder(EncoderOptions.DEFAULT_MAX_PIXELS, 224).decode(png.toByteArray());
        assertEquals(3200, whole.width());
        assertEquals(1600, whole.height());
    }
}
