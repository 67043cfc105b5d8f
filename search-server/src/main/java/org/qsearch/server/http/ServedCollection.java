package org.qsearch.server.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.indexer.ImageIndexSearcher;
import org.qsearch.indexer.ImageIndexWriter;
import org.qsearch.server.pipeline.PipelineSettings;
import org.qsearch.server.pipeline.SearchPipeline;

/**
 * What a server serves: the model, the index (opened for writing when the server takes writes,
 * read-only otherwise, so that a read-only server leaves the index free for `qsearch index`),
 * the collection root the index's URIs are relative to, and the query pipeline over them.
 */
public final class ServedCollection implements AutoCloseable {
    /** Where the bulk indexer records the root of its input in each commit. */
    private static final String BULK_ROOT_KEY = "bulk.input";

    private final Blip2Encoder encoder;
    private final ImageIndexWriter writer;
    private final ImageIndexSearcher searcher;
    private final Path index;
    private final Path root;
    private final SearchPipeline pipeline;

    private ServedCollection(Blip2Encoder encoder, ImageIndexWriter writer, ImageIndexSearcher searcher, Path index,
                             Path root) {
        this.encoder = encoder;
        this.writer = writer;
        this.searcher = searcher;
        this.index = index;
        this.root = root;
        this.pipeline = new SearchPipeline(encoder, searcher, root, PipelineSettings.defaults());
    }

    /**
     * @param root the collection root, or null for the one the index's last bulk run recorded
     */
    public static ServedCollection open(Path model, EncoderOptions options, Path index, Path root, boolean writable)
            throws IOException {
        if (!Files.isDirectory(index)) {
            throw new IllegalArgumentException("no index at " + index + ": build one with `qsearch index`");
        }
        Blip2Encoder encoder = Blip2Encoder.open(model, options);
        ImageIndexWriter writer = null;
        ImageIndexSearcher searcher = null;
        try {
            if (writable) {
                writer = ImageIndexWriter.open(index);
                searcher = writer.searcher();
            } else {
                searcher = ImageIndexSearcher.open(index);
            }
            Path collectionRoot = root != null ? root : recordedRoot(searcher, index);
            return new ServedCollection(encoder, writer, searcher, index, collectionRoot.toAbsolutePath().normalize());
        } catch (IOException | RuntimeException e) {
            if (writer != null) {
                writer.rollback();
            } else if (searcher != null) {
                searcher.close();
            }
            encoder.close();
            throw e;
        }
    }

    private static Path recordedRoot(ImageIndexSearcher searcher, Path index) throws IOException {
        String recorded = searcher.commitUserData().get(BULK_ROOT_KEY);
        if (recorded == null) {
            throw new IllegalArgumentException("the index at " + index
                    + " does not record where its images are: give the collection root with --root");
        }
        return Path.of(recorded);
    }

    public Blip2Encoder encoder() {
        return encoder;
    }

    public ImageIndexSearcher searcher() {
        return searcher;
    }

    public SearchPipeline pipeline() {
        return pipeline;
    }

    public Path root() {
        return root;
    }

    /** The index folder. */
    Path index() {
        return index;
    }

    boolean writable() {
        return writer != null;
    }

    /** The index writer, or null when served read-only. */
    ImageIndexWriter writer() {
        return writer;
    }

    /** The pipeline owns (and closes) the encoder and the searcher; the writer, when there is one, closes last. */
    @Override
    public void close() throws IOException {
        try {
            pipeline.close();
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
    }
}
