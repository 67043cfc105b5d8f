package org.qsearch.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.qsearch.encoder.ModelBundle;

/**
 * Where a collection's index lives, and how to open it: a local directory
 * ({@link LocalIndexLocation}) or a cluster (the opensearch module). Everything that opens an index
 * (the commands, the server, bulk runs) goes through this, so nothing above it knows which backend
 * it has.
 */
public interface IndexLocation {
    /** Opens the index read-only, as of its last commit. */
    CollectionIndex openIndex() throws IOException;

    /** Opens the existing index for writing, with the settings it was created with. */
    CollectionIndexWriter openWriter() throws IOException;

    /**
     * Creates the index with {@code settings}, or opens the existing one.
     *
     * @throws IndexSettingsConflictException if the index exists with other settings
     */
    CollectionIndexWriter openWriter(IndexSettings settings) throws IOException;

    /** The settings the index was created with, or empty when there is no index here yet. */
    Optional<IndexSettings> recordedSettings() throws IOException;

    /** The settings a new index here gets unless others are asked for. */
    default IndexSettings defaultSettings(ModelBundle.Dims dims) {
        return IndexSettings.forDims(dims);
    }

    /** The local folder for the files beside the index: the bulk errors log, a server's write log. */
    Path localFiles();

    /** How messages name this place ("index /data/idx", "OpenSearch index photos at http://...").*/
    String describe();
}
