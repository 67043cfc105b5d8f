package org.qsearch.index;

import java.nio.file.Path;

/**
 * Thrown when an index was written in another index layout than this version reads (see
 * {@link IndexSchema}): it cannot be opened, only rebuilt. The message names both layouts.
 */
public final class IndexLayoutException extends IndexSettingsConflictException {
    private final Path index;

    IndexLayoutException(Path index, int recorded, int supported) {
        super("index " + index + " was written in index layout " + recorded + (recorded < supported ? " by an older" : " by a newer")
                + " qsearch; this version reads layout " + supported + " only: rebuild it (delete " + index
                + " and index the collection again)");
        this.index = index;
    }

    /** The index folder. */
    public Path index() {
        return index;
    }
}
