package org.qsearch.index;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The byte form of an image's query vectors as a store keeps them for exact rescoring: the rows'
 * floats back to back, little-endian. The Lucene store keeps it in a doc value, the OpenSearch one
 * in a binary field.
 */
public final class PackedVectors {
    private PackedVectors() {}

    public static byte[] pack(float[] rowMajor) {
        ByteBuffer bytes = ByteBuffer.allocate(rowMajor.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(rowMajor);
        return bytes.array();
    }

    /**
     * Reads rows of {@code rows[0].length} floats written by {@link #pack}, one per row of
     * {@code rows}: the bytes must hold exactly that many.
     */
    public static void unpack(byte[] bytes, int offset, int length, float[][] rows) {
        FloatBuffer floats = ByteBuffer.wrap(bytes, offset, length).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        int width = rows[0].length;
        if (floats.remaining() != rows.length * width) {
            throw new IllegalStateException("an image's vectors hold " + floats.remaining() + " floats, expected "
                    + rows.length + " x " + width);
        }
        for (int q = 0; q < rows.length; q++) {
            floats.get(q * width, rows[q]);
        }
    }
}
