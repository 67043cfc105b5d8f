package org.qsearch.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.SearchCollection;
import picocli.CommandLine.Option;

/** --index DIR and --root DIR: the collection of an index, for the commands that read one. */
final class IndexOption {
    @Option(names = "--index", paramLabel = "DIR", description = "index directory")
    Path index;

    @Option(names = "--root", paramLabel = "DIR",
            description = "folder the indexed image URIs are relative to (default: the one its last `qsearch index` run recorded)")
    Path root;

    boolean given() {
        return index != null;
    }

    /** The index read-only with the model of {@code model}, and the query pipeline over them. */
    SearchCollection open(ModelOption model, PipelineSettings settings) throws IOException {
        if (index == null) {
            throw new IllegalArgumentException("give --index DIR");
        }
        return SearchCollection.open(model.dir(), model.options(), index, root, false, settings);
    }
}
