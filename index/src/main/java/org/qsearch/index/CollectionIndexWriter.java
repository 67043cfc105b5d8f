package org.qsearch.index;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a collection's index: adds, replaces and deletes images and texts, and commits. The seam
 * a second backend implements beside {@link CollectionIndex}; {@link LuceneIndexWriter} is the
 * first. Changes become visible to {@link #index()} after {@link #refresh()} and durable after
 * {@link #commit}; closing commits, {@link #rollback()} discards what was not committed.
 */
public interface CollectionIndexWriter extends Closeable {
    /**
     * The commit user-data key of the folder the indexed URIs are relative to, which bulk runs
     * record and {@link CollectionIndex#collectionRoot()} reads. Its value predates the name: an
     * index built before still tells its root.
     */
    String COLLECTION_ROOT_KEY = "bulk.input";

    /** Opens an existing index with the settings it was created with. */
    static CollectionIndexWriter open(Path dir) throws IOException {
        return LuceneIndexWriter.open(dir);
    }

    /**
     * Creates an index with {@code settings}, or opens the existing one.
     *
     * @throws IndexSettingsConflictException if the index exists with other settings
     */
    static CollectionIndexWriter open(Path dir, IndexSettings settings) throws IOException {
        return LuceneIndexWriter.open(dir, settings);
    }

    IndexSettings settings();

    /** The index as this writer has it, current as of the last {@link #refresh()}. Closed with the writer. */
    CollectionIndex index();

    /** Adds an image, replacing any image with the same id. */
    void putImage(ImageRecord image) throws IOException;

    /** Adds a text, replacing any text with the same id. */
    void putText(TextRecord text) throws IOException;

    void deleteImage(String id) throws IOException;

    void deleteText(String id) throws IOException;

    /** Makes the changes made so far visible to {@link #index()}. */
    void refresh() throws IOException;

    default void commit() throws IOException {
        commit(Map.of());
    }

    /**
     * Makes all changes durable, recording {@code userData} (for instance a bulk run's progress)
     * in the commit; keys from earlier commits are kept unless overwritten.
     */
    void commit(Map<String, String> userData) throws IOException;

    /** The user data of the last commit (what a resumed bulk run reads back). */
    Map<String, String> committedUserData();

    /** Merges the index down to at most {@code maxSegments} segments (faster to search), then commits. */
    void forceMerge(int maxSegments) throws IOException;

    /** Discards every change since the last commit and closes the writer. */
    void rollback() throws IOException;
}
