package org.qsearch.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureStoreTest {
    private static final int RECORD = (int) FeatureStore.recordBytes(SyntheticCorpus.TOKENS, SyntheticCorpus.WIDTH);

    @TempDir
    Path dir;
    private final SyntheticCorpus corpus = new SyntheticCorpus(5, 4);

    @Test
    void roundTripIsExactToFp16() throws IOException {
        float[] tokens = corpus.image(true).imageTokens();
        tokens[0] = 65504f; // fp16 max
        tokens[1] = 1e-6f; // fp16 subnormal
        tokens[2] = -0.333333f;
        try (FeatureStore store = FeatureStore.openForWriting(dir, FeatureStore.Position.START, 1 << 20)) {
            FeatureAddress address = store.append(tokens, SyntheticCorpus.TOKENS, SyntheticCorpus.WIDTH);
            assertEquals(RECORD, address.length());
            float[] read = store.read(address);
            for (int i = 0; i < tokens.length; i++) {
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(tokens[i])), read[i], 0f);
                assertEquals(tokens[i], read[i], Math.abs(tokens[i]) * 0x1p-11f + 1e-7f, "fp16 rounding error only");
            }
        }
        assertEquals(16 + 2L * 37 * 192, SyntheticCorpus.settings(FeatureMode.STORED).featureBytesPerImage());
        assertEquals(0, SyntheticCorpus.settings(FeatureMode.RECOMPUTE).featureBytesPerImage());
    }

    @Test
    void corruptionIsDetected() throws IOException {
        FeatureAddress first;
        FeatureAddress second;
        try (FeatureStore store = FeatureStore.openForWriting(dir, FeatureStore.Position.START, 1 << 20)) {
            first = store.append(corpus.image(true).imageTokens(), SyntheticCorpus.TOKENS, SyntheticCorpus.WIDTH);
            second = store.append(corpus.image(true).imageTokens(), SyntheticCorpus.TOKENS, SyntheticCorpus.WIDTH);
            store.sync();
        }
        Path file = onlyFile();
        flipByte(file, first.offset() + 1000);
        FeatureStore store = FeatureStore.openForReading(dir);
        FeatureStoreCorruptException e = assertThrows(FeatureStoreCorruptException.class, () -> store.read(first));
        assertTrue(e.getMessage().contains("CRC32C"), e.getMessage());
        assertEquals(SyntheticCorpus.TOKENS * SyntheticCorpus.WIDTH, store.read(second).length, "neighbours unaffected");
        assertThrows(FeatureStoreCorruptException.class,
                () -> store.read(new FeatureAddress(0, first.offset() + 16, first.length())), "a misaligned address");
        assertThrows(FeatureStoreCorruptException.class,
                () -> store.read(new FeatureAddress(0, second.offset() + RECORD, RECORD)), "past the end");
        store.close();
    }

    @Test
    void segmentFilesRollOverAtTheirBound() throws IOException {
        List<float[]> written = new ArrayList<>();
        List<FeatureAddress> addresses = new ArrayList<>();
        try (FeatureStore store = FeatureStore.openForWriting(dir, FeatureStore.Position.START, 3L * RECORD)) {
            for (int i = 0; i < 7; i++) {
                written.add(corpus.image(true).imageTokens());
                addresses.add(store.append(written.getLast(), SyntheticCorpus.TOKENS, SyntheticCorpus.WIDTH));
            }
            assertEquals(new FeatureStore.Position(2, RECORD), store.sync());
            for (int i = 0; i < 7; i++) {
                assertEquals(i / 3, addresses.get(i).file());
                assertArrayEquals(fp16(written.get(i)), store.read(addresses.get(i)));
            }
        }
    }

    /** After a crash the store holds bytes no commit references: a torn record, and records of documents never committed. */
    @Test
    void unreferencedTailIsCutOnReopen() throws IOException {
        FeatureAddress committed;
        float[] committedTokens = corpus.image(true).imageTokens();
        FeatureStore.Position position;
        try (FeatureStore store = FeatureStore.openForWriting(dir, FeatureStore.Position.START, 1 << 20)) {
            committed = store.append(committedTokens, SyntheticCorpus.TOKENS, SyntheticCorpus.WIDTH);
            position = store.sync();
            store.append(corpus.image(true).imageTokens(), SyntheticCorpus.TOKENS, SyntheticCorpus.WIDTH);
        }
        Path file = onlyFile();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(position.end() + RECORD / 2); // the torn second record
        }
        Files.write(dir.resolve("features-00000001.bin"), new byte[100]); // a file opened after the commit
        try (FeatureStore store = FeatureStore.openForWriting(dir, position, 1 << 20)) {
            assertEquals(position.end(), Files.size(file));
            assertFalse(Files.exists(dir.resolve("features-00000001.bin")));
            assertArrayEquals(fp16(committedTokens), store.read(committed));
            float[] next = corpus.image(true).imageTokens();
            FeatureAddress overwritten = store.append(next, SyntheticCorpus.TOKENS, SyntheticCorpus.WIDTH);
            assertEquals(position.end(), overwritten.offset(), "the tail is overwritten");
            assertArrayEquals(fp16(next), store.read(overwritten));
        }
    }

    @Test
    void missingCommittedBytesAreAnError() throws IOException {
        try (FeatureStore store = FeatureStore.openForWriting(dir, FeatureStore.Position.START, 1 << 20)) {
            store.append(corpus.image(true).imageTokens(), SyntheticCorpus.TOKENS, SyntheticCorpus.WIDTH);
            store.sync();
        }
        assertThrows(FeatureStoreCorruptException.class,
                () -> FeatureStore.openForWriting(dir, new FeatureStore.Position(0, 2L * RECORD), 1 << 20));
    }

    private Path onlyFile() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".bin")).findFirst().orElseThrow();
        }
    }

    static void flipByte(Path file, long position) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
            channel.write(one, position);
        }
    }

    static float[] fp16(float[] values) {
        float[] rounded = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = Float.float16ToFloat(Float.floatToFloat16(values[i]));
        }
        return rounded;
    }
}
