package org.qsearch.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Writes float32 arrays as NumPy .npy files (format 1.0), so that Python peers read exactly what qsearch indexed. */
public final class Npy {
    private Npy() {}

    /** {@code rows} concatenated, C order, with the given shape (whose product must be the total length). */
    public static void write(Path file, float[][] rows, int... shape) throws IOException {
        long total = Arrays.stream(rows).mapToLong(r -> r.length).sum();
        if (total != Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b)) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + total + " floats");
        }
        String dims = Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", "))
                + (shape.length == 1 ? "," : "");
        StringBuilder header = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }");
        // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            out.write(header.length() & 0xff);
            out.write(header.length() >> 8);
            out.write(header.toString().getBytes(StandardCharsets.US_ASCII));
            ByteBuffer buffer = ByteBuffer.allocate(Float.BYTES * 1024).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] row : rows) {
                for (float v : row) {
                    if (!buffer.hasRemaining()) {
                        out.write(buffer.array(), 0, buffer.position());
                        buffer.clear();
                    }
                    buffer.putFloat(v);
                }
            }
            out.write(buffer.array(), 0, buffer.position());
        }
    }
}
