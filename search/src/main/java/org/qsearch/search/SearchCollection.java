package org.qsearch.search;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.index.ImageIndexSearcher;
import org.qsearch.index.ImageIndexWriter;

/**
 * A collection opened for search, and the one place that opens one: the model bundle, the index
 * (through a writer when the collection takes writes, read-only otherwise, so that a read-only
 * server or command leaves the index free for `qsearch index`), the collection root the index's
 * URIs are relative to, and the query pipeline over them. Closing closes them all.
 */
public final class SearchCollection implements AutoCloseable {
    /** Where the bulk indexer records the root of its input in each commit. */
    private static final String BULK_ROOT_KEY = "bulk.input";

    private final Blip2Encoder encoder;
    private final ImageIndexWriter writer;
    private final ImageIndexSearcher searcher;
    private final Path index;
    private final Path root;
    private final SearchPipeline pipeline;

    private SearchCollection(Blip2Encoder encoder, ImageIndexWriter writer, ImageIndexSearcher searcher, Path index,
                             Path root, PipelineSettings settings) {
        this.encoder = encoder;
        this.writer = writer;
        this.searcher = searcher;
        this.index = index;
        this.root = root;
        this.pipeline = new SearchPipeline(encoder, searcher, root, settings);
    }

    /**
     * @param root the collection root, or null for the one the index's last bulk run recorded (none
     *             when it recorded none: then no source image can be read)
     */
    public static SearchCollection open(Path model, EncoderOptions options, Path index, Path root, boolean writable,
                                        PipelineSettings settings) throws IOException {
        if (!Files.isDirectory(index)) {
            throw new IllegalArgumentException("no index at " + index + ": build one with `qsearch index`");
        }
        ImageIndexWriter writer = null;
        ImageIndexSearcher searcher = null;
        Blip2Encoder encoder = null;
        try {
            // the index first: a folder that holds none fails before the model loads
            if (writable) {
                writer = ImageIndexWriter.open(index);
                searcher = writer.searcher();
            } else {
                searcher = ImageIndexSearcher.open(index);
            }
            String recorded = searcher.commitUserData().get(BULK_ROOT_KEY);
            Path collectionRoot = root != null ? root : recorded != null ? Path.of(recorded) : null;
            encoder = Blip2Encoder.open(model, options);
            return new SearchCollection(encoder, writer, searcher, index,
                    collectionRoot == null ? null : collectionRoot.toAbsolutePath().normalize(), settings);
        } catch (IOException | RuntimeException e) {
            if (writer != null) {
                writer.rollback();
            } else if (searcher != null) {
                searcher.close();
            }
            if (encoder != null) {
                encoder.close();
            }
            throw e;
        }
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

    /** The folder the index's image URIs are relative to, or null when none is known. */
    public Path root() {
        return root;
    }

    /** The index folder. */
    public Path index() {
        return index;
    }

    public boolean writable() {
        return writer != null;
    }

    /** The index writer, or null when opened read-only. */
    public ImageIndexWriter writer() {
        return writer;
    }

    /** The searcher (a view of the writer's when writable), the writer, then the model. */
    @Override
    public void close() throws IOException {
        try {
            if (writer != null) {
                writer.close();
            } else {
                searcher.close();
            }
        } finally {
            encoder.close();
        }
    }
}
