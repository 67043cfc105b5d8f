package org.qsearch.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** An index in a local directory: the Lucene store, the default backend. */
public record LocalIndexLocation(Path dir) implements IndexLocation {
    @Override
    public CollectionIndex openIndex() throws IOException {
        requireIndex();
        return LuceneIndex.open(dir);
    }

    @Override
    public CollectionIndexWriter openWriter() throws IOException {
        requireIndex();
        return LuceneIndexWriter.open(dir);
    }

    @Override
    public CollectionIndexWriter openWriter(IndexSettings settings) throws IOException {
        return LuceneIndexWriter.open(dir, settings);
    }

    @Override
    public Optional<IndexSettings> recordedSettings() throws IOException {
        return IndexSettings.recorded(dir);
    }

    @Override
    public Path localFiles() {
        return dir;
    }

    @Override
    public String describe() {
        return "index " + dir;
    }

    private void requireIndex() {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no index at " + dir + ": build one with `qsearch index`");
        }
    }
}
