package org.qsearch.indexer.bulk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Streams the items of one input (a folder or a manifest) without holding them all in memory. */
public interface InputReader {
    /** Receives what a reader finds; {@link #item} may block, which is how the pipeline holds the reader back. */
    interface Sink {
        void item(SourceItem item) throws InterruptedException;

        /** An entry that names nothing indexable (a malformed line, a file that is not an image). */
        void malformed(ItemError error);
    }

    /** The folder that image URIs are relative to. */
    Path root();

    /** How many items the input holds, when a cheap pre-pass can tell (for the progress ETA). */
    OptionalLong size() throws IOException;

    void read(Sink sink) throws IOException, InterruptedException;
}
