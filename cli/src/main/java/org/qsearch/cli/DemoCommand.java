package org.qsearch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.lucene.util.IOUtils;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.IndexLayoutException;
import org.qsearch.index.IndexSettings;
import org.qsearch.indexer.IndexCreation;
import org.qsearch.indexer.bulk.BulkIndexer;
import org.qsearch.indexer.bulk.BulkOptions;
import org.qsearch.indexer.bulk.BulkSummary;
import org.qsearch.indexer.bulk.InputFormat;
import org.qsearch.indexer.bulk.InputReader;
import org.qsearch.search.GenerationOptions;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.SearchCollection;
import org.qsearch.server.ServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.qsearch.index.LocalIndexLocation;

/**
 * The demo: fetch the Apple emoji (the tiny model's held-out set), index them with captions
 * (once; a stopped run resumes), and serve the search page read-only.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Fetch the demo collection (Apple's emoji and their names, via npm pack), index it with captions "
                + "once (resumable), and serve the search page.",
                "Data goes to $QSEARCH_CACHE or ~/.cache/qsearch; a second run starts in seconds."})
final class DemoCommand implements Callable<Integer> {
    /** Written into the index's last commit once every image is in: later runs skip indexing. */
    static final String COMPLETE_KEY = "demo.complete";
    static final String SUGGESTED_QUERY = "/?q=red+heart";

    @Mixin
    ModelOption model;

    @Mixin
    ListenOptions listen;

    @Option(names = "--cache", paramLabel = "DIR", description = "data cache (default: $QSEARCH_CACHE or ~/.cache/qsearch)")
    Path cache;

    @Option(names = "--no-open", description = "only print the URL; do not try to open a browser")
    boolean noOpen;

    @Override
    public Integer call() throws Exception {
        DemoCollection demo = new DemoCollection(cache != null ? cache : DemoCollection.defaultCache());
        ensureIndexed(demo);
        ServerSettings settings = ServerSettings.defaults().withAddress(listen.host, listen.port);
        SearchCollection collection = SearchCollection.open(model.dir(), model.options(), new LocalIndexLocation(index(demo)), demo.dir(), false,
                PipelineSettings.defaults());
        Serving.untilStopped(collection, settings, SUGGESTED_QUERY, !noOpen);
        return 0;
    }

    /**
     * Fetches and indexes the collection unless a complete index for this model bundle is there;
     * true when it indexed. The demo's cache is its own: indexes built with another bundle, or in
     * another index layout (by another qsearch version), are deleted and rebuilt.
     */
    boolean ensureIndexed(DemoCollection demo) throws IOException, InterruptedException {
        int images = demo.prepare();
        Path index = index(demo);
        if (demo.deleteIndexesExcept(DemoCollection.modelFingerprint(model.dir()))) {
            System.err.println("qsearch demo: deleted the cached index of another model bundle");
        }
        discardIfAnotherLayout(index);
        if (indexed(index, images)) {
            return false;
        }
        index(demo, index, images);
        return true;
    }

    /** The demo's index for the bundle it runs on. */
    Path index(DemoCollection demo) throws IOException {
        return demo.index(DemoCollection.modelFingerprint(model.dir()));
    }

    private static void discardIfAnotherLayout(Path index) throws IOException {
        try {
            IndexSettings.recorded(index);
        } catch (IndexLayoutException e) {
            System.err.println("qsearch demo: " + e.getMessage() + "; it is the demo's own cache: deleting it and indexing again");
            IOUtils.rm(index);
        }
    }

    private static boolean indexed(Path index, int images) throws IOException {
        if (!Files.isDirectory(index)) {
            return false;
        }
        try (CollectionIndex searcher = CollectionIndex.open(index)) {
            return Integer.toString(images).equals(searcher.commitUserData().get(COMPLETE_KEY));
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private void index(DemoCollection demo, Path index, int images) throws IOException, InterruptedException {
        System.err.println("qsearch demo: indexing " + images + " images with captions into " + index
                + " (once; stopping is safe, the next run resumes)");
        InputReader manifest = InputFormat.JSONL.open(demo.manifest());
        try (Blip2Encoder encoder = model.open();
             CollectionIndexWriter writer = IndexCreation.DEFAULTS.open(new LocalIndexLocation(index), encoder, manifest)) {
            BulkOptions options = BulkOptions.defaults()
                    .withErrorsFile(demo.dir().resolve("errors.jsonl"))
                    // greedy snippets: beam search would make the first run several times slower
                    .withCaptions(encoder.hasCaptions() ? GenerationOptions.SNIPPET.settings() : null)
                    .withCaptionsAsTexts(true);
            BulkSummary summary = new BulkIndexer(encoder, writer, options).run(manifest);
            System.err.println("qsearch demo: " + summary);
            writer.commit(Map.of(COMPLETE_KEY, Integer.toString(images)));
        }
    }
}
