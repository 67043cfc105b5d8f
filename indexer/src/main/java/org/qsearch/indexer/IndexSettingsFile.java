package org.qsearch.indexer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.apache.lucene.util.IOUtils;

/** Reads and atomically writes the settings an index was created with (a small JSON file). */
final class IndexSettingsFile {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private IndexSettingsFile() {}

    static Optional<IndexSettings> read(Path file) throws IOException {
        try {
            return Optional.of(JSON.readValue(Files.readAllBytes(file), IndexSettings.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Write to a temporary file, fsync it, rename it over the target, fsync the folder: a crash leaves the old file or the new one. */
    static void write(Path file, IndexSettings settings) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(settings));
        IOUtils.fsync(tmp, false);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        IOUtils.fsync(dir, true);
    }

    /**
     * The recorded settings of an index, recording {@code requested} first if it has none.
     * {@code requested} may be null to mean "whatever was recorded".
     */
    static IndexSettings reconcile(Path file, IndexSettings requested) throws IOException {
        Optional<IndexSettings> recorded = read(file);
        if (recorded.isEmpty()) {
            if (requested == null) {
                throw new NoSuchFileException(file.toString(), null, "not a qsearch index (no settings recorded)");
            }
            write(file, requested);
            return requested;
        }
        if (requested != null && !requested.equals(recorded.get())) {
            throw new IndexSettingsConflictException("index " + file.getParent() + " was created with " + recorded.get()
                    + " but is being opened with " + requested);
        }
        return recorded.get();
    }
}
