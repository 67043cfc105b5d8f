package org.qsearch.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.apache.lucene.util.IOUtils;

/**
 * Reads and atomically writes the settings an index was created with (a small JSON file), with
 * the index layout ({@link IndexSchema#LAYOUT}) beside them under {@value #LAYOUT_KEY}. A file
 * without it was written before the layout was recorded: layout 1.
 */
final class IndexSettingsFile {
    static final String LAYOUT_KEY = "layout";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private IndexSettingsFile() {}

    /** @throws IndexLayoutException if the index is in another layout than this version reads */
    static Optional<IndexSettings> read(Path file) throws IOException {
        JsonNode tree;
        try {
            tree = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (!(tree instanceof ObjectNode object)) {
            throw new IOException(file + " does not hold index settings (not a JSON object)");
        }
        JsonNode layout = object.remove(LAYOUT_KEY);
        int recorded = layout == null ? 1 : layout.asInt(-1);
        if (recorded != IndexSchema.LAYOUT) {
            throw new IndexLayoutException(file.toAbsolutePath().getParent(), recorded, IndexSchema.LAYOUT);
        }
        return Optional.of(JSON.treeToValue(object, IndexSettings.class));
    }

    /** Write to a temporary file, fsync it, rename it over the target, fsync the folder: a crash leaves the old file or the new one. */
    static void write(Path file, IndexSettings settings) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        ObjectNode tree = JSON.createObjectNode().put(LAYOUT_KEY, IndexSchema.LAYOUT);
        tree.setAll((ObjectNode) JSON.valueToTree(settings));
        Files.write(tmp, JSON.writeValueAsBytes(tree));
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
