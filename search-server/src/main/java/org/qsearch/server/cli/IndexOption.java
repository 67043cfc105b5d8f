package org.qsearch.server.cli;

import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.indexer.ImageIndexSearcher;
import org.qsearch.server.pipeline.PipelineSettings;
import org.qsearch.server.pipeline.SearchPipeline;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** --index DIR and --root DIR: the query pipeline over an index, for the commands that read one. */
final class IndexOption {
    @Option(names = "--index", paramLabel = "DIR", description = "index directory")
    Path index;

    @Option(names = "--root", paramLabel = "DIR",
            description = "folder the indexed image URIs are relative to (needed when the index recomputes features)")
    Path root;

    boolean given() {
        return index != null;
    }

    /** The pipeline over the index with the model of {@code model}; it owns both. */
    SearchPipeline open(ModelOption model, PipelineSettings settings) throws IOException {
        if (index == null) {
            throw new IllegalArgumentException("give --index DIR");
        }
        ImageIndexSearcher searcher = ImageIndexSearcher.open(index);
        Blip2Encoder encoder = null;
        try {
            encoder = model.open();
            return new SearchPipeline(encoder, searcher, root, settings);
        } catch (RuntimeException e) {
            searcher.close();
            if (encoder != null) {
                encoder.close();
            }
            throw e;
        }
    }
}
