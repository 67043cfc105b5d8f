package org.qsearch.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.SearchCollection;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where the index is and --root DIR: the collection of an index, for the commands that read one. */
final class IndexOption {
    @Mixin
    IndexLocationOptions location;

    @Option(names = "--root", paramLabel = "DIR",
            description = "folder the indexed image URIs are relative to (default: the one its last `qsearch index` run recorded)")
    Path root;

    boolean given() {
        return location.given();
    }

    /** The index read-only with the model of {@code model}, and the query pipeline over them. */
    SearchCollection open(ModelOption model, PipelineSettings settings) throws IOException {
        return SearchCollection.open(model.dir(), model.options(), location.location(), root, false, settings);
    }
}
