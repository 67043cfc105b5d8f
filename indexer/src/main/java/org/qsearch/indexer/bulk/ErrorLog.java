package org.qsearch.indexer.bulk;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The errors file: one JSON object per skipped item, {@code {"source", "line"?, "reason"}},
 * appended and flushed as it happens so that it survives a kill. Called from any pipeline thread.
 */
final class ErrorLog implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Writer out;
    private final AtomicLong count = new AtomicLong();

    /** @param file where to append, or null to only count */
    ErrorLog(Path file) throws IOException {
        if (file != null && file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        this.out = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    void record(ItemError error) {
        count.incrementAndGet();
        if (out == null) {
            return;
        }
        ObjectNode line = JSON.createObjectNode().put("source", error.source());
        if (error.line() != null) {
            line.put("line", error.line());
        }
        line.put("reason", error.reason());
        synchronized (this) {
            try {
                out.write(line.toString());
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                throw new IllegalStateException("cannot write the errors file: " + e.getMessage(), e);
            }
        }
    }

    long count() {
        return count.get();
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
