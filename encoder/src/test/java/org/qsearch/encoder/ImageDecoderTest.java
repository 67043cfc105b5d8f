package org.qsearch.encoder;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {
    final ImageDecoder decoder = new ImageDecoder(10_000_000);

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
}
