package org.qsearch.encoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** Hand-made image bytes for tests here and in other modules (shared through encoder's test jar). */
public final class TestImages {
    private TestImages() {}

    /** A PNG whose IHDR claims w x h, followed by one tiny IDAT: a decompression bomb's header. */
    public static byte[] pngHeaderOnly(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A GIF whose screen and image descriptor claim w x h, with one empty LZW block: no pixel data. */
    public static byte[] gifHeaderOnly(int w, int h) {
        ByteBuffer gif = ByteBuffer.allocate(29).order(ByteOrder.LITTLE_ENDIAN);
        gif.put("GIF89a".getBytes(StandardCharsets.US_ASCII)).putShort((short) w).putShort((short) h).put(new byte[3]);
        gif.put((byte) ',').putShort((short) 0).putShort((short) 0).putShort((short) w).putShort((short) h).put((byte) 0);
        gif.put(new byte[] {2, 2, 0x44, 1, 0, ';'});
        return gif.array();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
