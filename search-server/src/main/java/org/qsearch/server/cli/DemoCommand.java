package org.qsearch.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.lucene.util.IOUtils;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.indexer.ImageIndexSearcher;
import org.qsearch.indexer.ImageIndexWriter;
import org.qsearch.indexer.IndexLayoutException;
import org.qsearch.indexer.IndexSettings;
import org.qsearch.indexer.bulk.BulkIndexer;
import org.qsearch.indexer.bulk.BulkOptions;
import org.qsearch.indexer.bulk.BulkSummary;
import org.qsearch.indexer.bulk.InputFormat;
import org.qsearch.indexer.bulk.InputReader;
import org.qsearch.server.demo.DemoCollection;
import org.qsearch.server.http.ServedCollection;
import org.qsearch.server.http.ServerSettings;
import org.qsearch.server.pipeline.GenerationOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
        ServedCollection collection = ServedCollection.open(model.dir(), model.options(), demo.index(), demo.dir(), false);
        Serving.untilStopped(collection, settings, SUGGESTED_QUERY, !noOpen);
        return 0;
    }

    /**
     * Fetches and indexes the collection unless a complete index is there; true when it indexed.
     * A cached index written in another index layout (by another qsearch version) is deleted and
     * rebuilt: it is the demo's own cache.
     */
    boolean ensureIndexed(DemoCollection demo) throws IOException, InterruptedException {
        int images = demo.prepare();
        discardIfAnotherLayout(demo.index());
        if (indexed(demo.index(), images)) {
            return false;
        }
        index(demo, images);
        return true;
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
        try (ImageIndexSearcher searcher = ImageIndexSearcher.open(index)) {
            return Integer.toString(images).equals(searcher.commitUserData().get(COMPLETE_KEY));
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private void index(DemoCollection demo, int images) throws IOException, InterruptedException {
        System.err.println("qsearch demo: indexing " + images + " images with captions into " + demo.index()
                + " (once; stopping is safe, the next run resumes)");
        InputReader manifest = InputFormat.JSONL.open(demo.manifest());
        try (Blip2Encoder encoder = model.open();
             ImageIndexWriter writer = IndexSettings.recorded(demo.index()).isPresent()
                     ? ImageIndexWriter.open(demo.index()) // resuming: the recorded settings
                     : ImageIndexWriter.open(demo.index(), GraphChoice.AUTO.forNewIndex(
                             IndexSettings.forDims(encoder.bundle().dims()), manifest, encoder))) {
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
