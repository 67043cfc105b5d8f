package org.qsearch.index;

import java.nio.file.Path;

/**
 * The layout of an index directory. The Lucene files get their own folder so that it can be
 * handed as-is to another Lucene-based engine.
 */
record IndexPaths(Path root) {
    Path lucene() {
        return root.resolve("lucene");
    }

    Path features() {
        return root.resolve("features");
    }

    Path settings() {
        return root.resolve("qsearch-index.json");
    }
}
