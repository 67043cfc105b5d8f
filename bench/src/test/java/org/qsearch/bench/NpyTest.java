package org.qsearch.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .npy layout NumPy reads: magic, version 1.0, a 64-byte aligned header, little-endian floats in C order. */
class NpyTest {
    @TempDir
    Path dir;

    @Test
    void writesWhatNumpyReads() throws Exception {
        Path file = dir.resolve("a.npy");
        Npy.write(file, new float[][] {{1, 2, 3}, {4.5f, -6, 7}}, 2, 3);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((byte) 0x93, bytes.get(0));
        assertEquals("NUMPY", new String(bytes.array(), 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, bytes.get(6));
        int headerLength = bytes.getShort(8);
        assertEquals(0, (10 + headerLength) % 64, "data starts 64-byte aligned");
        String header = new String(bytes.array(), 10, headerLength, StandardCharsets.US_ASCII);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header.strip());
        assertEquals('\n', header.charAt(header.length() - 1));
        bytes.position(10 + headerLength);
        float[] data = new float[6];
        bytes.asFloatBuffer().get(data);
        assertArrayEquals(new float[] {1, 2, 3, 4.5f, -6, 7}, data);
        assertEquals(10 + headerLength + 6 * Float.BYTES, Files.size(file));
    }

    @Test
    void oneDimensionalShapesGetTheirComma() throws Exception {
        Path file = dir.resolve("b.npy");
        Npy.write(file, new float[][] {{1, 2}}, 2);
        assertTrue(Files.readString(file, StandardCharsets.ISO_8859_1).contains("'shape': (2,)"));
    }

    @Test
    void rejectsAShapeThatDoesNotFit() {
        assertThrows(IllegalArgumentException.class, () -> Npy.write(dir.resolve("c.npy"), new float[][] {{1, 2, 3}}, 2, 2));
    }
}
