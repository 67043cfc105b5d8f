package org.qsearch.cli;

import java.io.IOException;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.SearchCollection;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** --id ID with --index DIR (and --root): work on an indexed image instead of a file. */
final class IndexedImageOption {
    @Option(names = "--id", paramLabel = "ID", description = "an indexed image (with --index) instead of a file")
    String id;

    @Mixin
    IndexOption index;

    boolean given() {
        return id != null;
    }

    /** Fails clearly when --id and --index do not come together. */
    void check(boolean filesGiven) {
        if (id != null && !index.given()) {
            throw new IllegalArgumentException("--id needs --index DIR");
        }
        if (id != null && filesGiven) {
            throw new IllegalArgumentException("give an image file or --id, not both");
        }
        if (id == null && !filesGiven) {
            throw new IllegalArgumentException("give an image file or --index DIR --id ID");
        }
    }

    SearchCollection open(ModelOption model) throws IOException {
        return index.open(model, PipelineSettings.defaults());
    }
}
