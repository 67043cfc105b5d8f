package org.qsearch.search;

import java.io.IOException;
import java.nio.file.Path;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.IndexLocation;

/**
 * A collection opened for search, and the one place that opens one: the model bundle, the index
 * (through a writer when the collection takes writes, read-only otherwise, so that a read-only
 * server or command leaves the index free for `qsearch index`), the collection root the index's
 * URIs are relative to, and the query pipeline over them. Closing closes them all.
 */
public final class SearchCollection implements AutoCloseable {
    private final Blip2Encoder encoder;
    private final CollectionIndexWriter writer;
    private final CollectionIndex index;
    private final IndexLocation location;
    private final Path root;
    private final SearchPipeline pipeline;

    private SearchCollection(Blip2Encoder encoder, CollectionIndexWriter writer, CollectionIndex index, IndexLocation location,
                             Path root, PipelineSettings settings) {
        this.encoder = encoder;
        this.writer = writer;
        this.index = index;
        this.location = location;
        this.root = root;
        this.pipeline = new SearchPipeline(encoder, index, root, settings);
    }

    /**
     * @param root the collection root, or null for the one the index's last bulk run recorded (none
     *             when it recorded none: then no source image can be read)
     */
    public static SearchCollection open(Path model, EncoderOptions options, IndexLocation location, Path root, boolean writable,
                                        PipelineSettings settings) throws IOException {
        CollectionIndexWriter writer = null;
        CollectionIndex index = null;
        Blip2Encoder encoder = null;
        try {
            // the index first: a folder that holds none fails before the model loads
            if (writable) {
                writer = location.openWriter();
                index = writer.index();
            } else {
                index = location.openIndex();
            }
            Path collectionRoot = root != null ? root : index.collectionRoot().orElse(null);
            encoder = Blip2Encoder.open(model, options);
            return new SearchCollection(encoder, writer, index, location,
                    collectionRoot == null ? null : collectionRoot.toAbsolutePath().normalize(), settings);
        } catch (IOException | RuntimeException e) {
            if (writer != null) {
                writer.rollback();
            } else if (index != null) {
                index.close();
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

    public CollectionIndex index() {
        return index;
    }

    public SearchPipeline pipeline() {
        return pipeline;
    }

    /** What the collection is, as of the index's last refresh. */
    public CollectionStatus status() throws IOException {
        return new CollectionStatus(encoder.bundle().name(), encoder.executionProvider(), encoder.hasItm(),
                encoder.hasCaptions(), index.imageCount(), index.textCount(), index.settings().vectorFormat(),
                index.settings().featureMode());
    }

    /** The folder the index's image URIs are relative to, or null when none is known. */
    public Path root() {
        return root;
    }

    /** Where the index is. */
    public IndexLocation location() {
        return location;
    }

    /** The index writer, or null when opened read-only. */
    public CollectionIndexWriter writer() {
        return writer;
    }

    /** The index (a view of the writer's when writable), the writer, then the model. */
    @Override
    public void close() throws IOException {
        try {
            if (writer != null) {
                writer.close();
            } else {
                index.close();
            }
        } finally {
            encoder.close();
        }
    }
}
