package org.qsearch.index;

/** Thrown when an index is opened with settings other than the ones it was created with. */
public class IndexSettingsConflictException extends IllegalStateException {
    public IndexSettingsConflictException(String message) {
        super(message);
    }
}
