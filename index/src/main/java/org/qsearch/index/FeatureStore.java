package org.qsearch.index;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.lucene.util.IOUtils;

/**
 * The image trunk tokens (T x Dv) the reranker needs, kept as fp16 beside the Lucene index.
 *
 * <p>Records are appended to segment files {@code features-NNNNNNNN.bin} of bounded size, so
 * millions of images need neither millions of files nor one huge file. A record is a 16-byte
 * little-endian header (magic, T, Dv, CRC32C of T, Dv and the payload) and then T x Dv fp16
 * values. Parent documents address records by (file, offset, length).
 *
 * <p>Crash safety: the writer calls {@link #sync()} before every Lucene commit and records the
 * returned position in the commit, so a committed index only points at bytes already on disk.
 * On reopen everything after the committed position (a half-written record, records of
 * uncommitted documents) is cut off and later overwritten.
 */
public final class FeatureStore implements Closeable {
    private static final int MAGIC = 0x31464651; // "QFF1" little-endian
    private static final int HEADER_BYTES = 16;
    private static final Pattern FILE_NAME = Pattern.compile("features-(\\d{8})\\.bin");

    /** The end of the durable data: the next record goes to {@code file} at byte {@code end}. */
    record Position(int file, long end) {
        static final Position START = new Position(0, 0);
    }

    private final Path dir;
    private final long maxFileBytes;
    private final Map<Integer, FileChannel> readers = new ConcurrentHashMap<>();
    private FileChannel appender;
    private int appendFile;
    private long appendEnd;
    private boolean directoryChanged;

    private FeatureStore(Path dir, long maxFileBytes) {
        this.dir = dir;
        this.maxFileBytes = maxFileBytes;
    }

    /** Bytes one record takes: header plus fp16 tokens. */
    public static long recordBytes(int tokens, int width) {
        return HEADER_BYTES + 2L * tokens * width;
    }

    /** Opens for appending after {@code committed}, discarding whatever lies beyond it. */
    static FeatureStore openForWriting(Path dir, Position committed, long maxFileBytes) throws IOException {
        Files.createDirectories(dir);
        FeatureStore store = new FeatureStore(dir, maxFileBytes);
        store.restore(committed);
        return store;
    }

    static FeatureStore openForReading(Path dir) {
        return new FeatureStore(dir, 0);
    }

    synchronized FeatureAddress append(float[] tokens, int numTokens, int width) throws IOException {
        if (tokens.length != numTokens * width) {
            throw new IllegalArgumentException("image tokens have " + tokens.length + " values, expected "
                    + numTokens + " x " + width);
        }
        int length = Math.toIntExact(recordBytes(numTokens, width));
        if (appendEnd > 0 && appendEnd + length > maxFileBytes) {
            roll();
        }
        ByteBuffer record = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        record.putInt(MAGIC).putInt(numTokens).putInt(width).putInt(0);
        for (float v : tokens) {
            record.putShort(Float.floatToFloat16(v));
        }
        record.putInt(12, checksum(record));
        record.flip();
        long offset = appendEnd;
        while (record.hasRemaining()) {
            appendEnd += appender.write(record, appendEnd);
        }
        return new FeatureAddress(appendFile, offset, length);
    }

    /** Makes every appended record durable and returns where durable data ends. */
    synchronized Position sync() throws IOException {
        appender.force(true);
        if (directoryChanged) {
            IOUtils.fsync(dir, true);
            directoryChanged = false;
        }
        return new Position(appendFile, appendEnd);
    }

    /** Drops everything appended after {@code position} (used when a writer discards uncommitted changes). */
    synchronized void restore(Position position) throws IOException {
        if (appender != null) {
            appender.close();
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Matcher m = FILE_NAME.matcher(file.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) > position.file()) {
                    closeReader(Integer.parseInt(m.group(1)));
                    Files.delete(file);
                    directoryChanged = true;
                }
            }
        }
        Path current = fileOf(position.file());
        if (!Files.exists(current) && position.end() > 0) {
            throw new FeatureStoreCorruptException("feature file " + current + " is missing but the index references "
                    + position.end() + " bytes of it");
        }
        appender = FileChannel.open(current, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (appender.size() < position.end()) {
            long size = appender.size();
            appender.close();
            throw new FeatureStoreCorruptException("feature file " + current + " has " + size
                    + " bytes but the index references " + position.end());
        }
        appender.truncate(position.end());
        appendFile = position.file();
        appendEnd = position.end();
    }

    /** The trunk tokens (T x Dv, row-major) of one image, checked against the record's CRC32C. */
    public float[] read(FeatureAddress address) throws IOException {
        ByteBuffer record = ByteBuffer.allocate(address.length()).order(ByteOrder.LITTLE_ENDIAN);
        FileChannel channel = reader(address.file());
        long position = address.offset();
        while (record.hasRemaining()) {
            int n = channel.read(record, position);
            if (n < 0) {
                throw new FeatureStoreCorruptException("feature record " + describe(address) + " is truncated");
            }
            position += n;
        }
        if (record.getInt(0) != MAGIC) {
            throw new FeatureStoreCorruptException("no feature record at " + describe(address));
        }
        int numTokens = record.getInt(4);
        int width = record.getInt(8);
        if (recordBytes(numTokens, width) != address.length()) {
            throw new FeatureStoreCorruptException("feature record " + describe(address) + " has length "
                    + recordBytes(numTokens, width) + ", the index says " + address.length());
        }
        int stored = record.getInt(12);
        int computed = checksum(record);
        if (stored != computed) {
            throw new FeatureStoreCorruptException(String.format(
                    "feature record %s fails its CRC32C check (stored %08x, computed %08x)", describe(address), stored, computed));
        }
        float[] tokens = new float[numTokens * width];
        record.position(HEADER_BYTES);
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = Float.float16ToFloat(record.getShort());
        }
        return tokens;
    }

    @Override
    public synchronized void close() throws IOException {
        if (appender != null) {
            appender.close();
        }
        for (FileChannel channel : readers.values()) {
            channel.close();
        }
        readers.clear();
    }

    /** The checksum covers T, Dv and the payload (not the magic, not the checksum field itself). */
    private static int checksum(ByteBuffer record) {
        CRC32C crc = new CRC32C();
        crc.update(record.slice(4, 8));
        crc.update(record.slice(HEADER_BYTES, record.capacity() - HEADER_BYTES));
        return (int) crc.getValue();
    }

    private void roll() throws IOException {
        appender.force(true);
        appender.close();
        appendFile++;
        appendEnd = 0;
        appender = FileChannel.open(fileOf(appendFile), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        directoryChanged = true;
    }

    private FileChannel reader(int file) throws IOException {
        FileChannel channel = readers.get(file);
        if (channel != null) {
            return channel;
        }
        synchronized (readers) {
            channel = readers.get(file);
            if (channel == null) {
                Path path = fileOf(file);
                if (!Files.exists(path)) {
                    throw new FeatureStoreCorruptException("feature file " + path + " is missing");
                }
                channel = FileChannel.open(path, StandardOpenOption.READ);
                readers.put(file, channel);
            }
            return channel;
        }
    }

    private void closeReader(int file) throws IOException {
        FileChannel channel = readers.remove(file);
        if (channel != null) {
            channel.close();
        }
    }

    private Path fileOf(int file) {
        return dir.resolve(String.format("features-%08d.bin", file));
    }

    private String describe(FeatureAddress address) {
        return fileOf(address.file()).getFileName() + "@" + address.offset();
    }
}
