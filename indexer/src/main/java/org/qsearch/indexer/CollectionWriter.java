package org.qsearch.indexer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.CaptionGenerator;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.CollectionRoot;
import org.qsearch.index.ContentHash;
import org.qsearch.index.ImageHit;
import org.qsearch.indexer.bulk.BulkIndexer;
import org.qsearch.indexer.bulk.BulkOptions;
import org.qsearch.indexer.bulk.BulkSummary;
import org.qsearch.indexer.bulk.InputReader;
import org.qsearch.indexer.bulk.SourceItem;
import org.qsearch.indexer.bulk.StableIds;

/**
 * Adds and deletes documents of a served index. Adding goes through the bulk indexer, so a write
 * dedupes and is idempotent exactly as bulk indexing is (stable ids, unchanged content skipped);
 * each write commits and becomes visible to searches before it returns. Writes run one at a time.
 * An uploaded file lives as long as a committed image refers to it: deleting the last such image
 * removes it, and files a killed write left in uploads/ are removed when a server starts.
 */
public final class CollectionWriter {
    public static final String UPLOADS = "uploads";
    /** How uploads are named (their content's hash), and the partial files of writes in progress. */
    private static final Pattern UPLOAD_NAME = Pattern.compile("[0-9a-f]{32}\\.(png|jpg|gif|webp|bmp|tiff)");
    private static final Pattern PARTIAL_NAME = Pattern.compile("[0-9a-f]{32}\\.(png|jpg|gif|webp|bmp|tiff)[0-9]*\\.part");
    /** Where a write's skipped items go: in the index folder, one file reused by every write. */
    private static final String WRITE_ERRORS = "write-errors.jsonl";

    /** What one write did. */
    public record Result(BulkSummary summary, List<String> ids, List<JsonNode> errors) {}

    private final Blip2Encoder encoder;
    private final CollectionIndexWriter writer;
    private final Path errorsFile;
    private final CollectionRoot root;
    private final ObjectMapper json;

    public CollectionWriter(Blip2Encoder encoder, CollectionIndexWriter writer, Path index, Path root, ObjectMapper json) {
        this.encoder = encoder;
        this.writer = writer;
        this.errorsFile = index.resolve(WRITE_ERRORS);
        this.root = new CollectionRoot(root);
        this.json = json;
    }

    /**
     * Removes what killed writes left in uploads/: partial files, and uploads no committed image
     * refers to (a kill between keeping the file and committing its image). Only files named as
     * this class names them are touched; call it before any write runs.
     *
     * @return how many files it removed
     */
    public synchronized int removeOrphanUploads() throws IOException {
        Path dir = root.path().resolve(UPLOADS);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        int removed = 0;
        for (Path file : files) {
            String name = file.getFileName().toString();
            boolean orphan = PARTIAL_NAME.matcher(name).matches()
                    || UPLOAD_NAME.matcher(name).matches() && !writer.index().anyImageAt(UPLOADS + "/" + name);
            if (orphan && Files.deleteIfExists(file)) {
                removed++;
            }
        }
        return removed;
    }

    /**
     * An image named by its path in the collection.
     *
     * @throws IllegalArgumentException when the path, or a link on it, leaves the collection
     */
    public SourceItem.Image image(String uri, String id, List<String> captions, String metadataJson) {
        return SourceItem.Image.inCollection(root, "api", null, uri, id, captions, metadataJson);
    }

    /**
     * Keeps an uploaded image and indexes it, as one step: a delete of another image naming the
     * same file cannot remove it in between.
     */
    public synchronized Result addUpload(byte[] bytes, String id, List<String> captions, String metadataJson,
                                  CaptionGenerator.Settings generate) throws IOException, ImageDecodeException, InterruptedException {
        return add(List.of(upload(bytes, id, captions, metadataJson)), generate);
    }

    /** Keeps an uploaded image under uploads/, named by its content, so the same upload twice is one image. */
    private SourceItem.Image upload(byte[] bytes, String id, List<String> captions, String metadataJson)
            throws IOException, ImageDecodeException {
        encoder.decode(bytes); // refuse what could not be indexed before keeping it
        String extension = ImageSignature.extension(ImageSignature.mediaType(bytes));
        if (extension == null) {
            throw new ImageDecodeException("not an image format the index keeps");
        }
        Path dir = Files.createDirectories(root.path().resolve(UPLOADS));
        String name = ContentHash.of(bytes).substring(0, 32) + "." + extension;
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            Path partial = Files.createTempFile(dir, name, ".part");
            Files.write(partial, bytes);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
        }
        return image(UPLOADS + "/" + name, id, captions, metadataJson);
    }

    public SourceItem.Text text(String text, String id, String metadataJson) {
        return new SourceItem.Text("api", null, text, id, metadataJson);
    }

    /**
     * Indexes the items and commits; with {@code captions}, generates a caption per new image.
     * Captions (given and generated) are indexed as texts linked to their image.
     */
    public synchronized Result add(List<SourceItem> items, CaptionGenerator.Settings captions) throws IOException, InterruptedException {
        Files.deleteIfExists(errorsFile); // what an interrupted write may have left
        try {
            BulkOptions options = BulkOptions.defaults().withProgress(false).withThreads(1).withErrorsFile(errorsFile)
                    .withCaptions(captions).withCaptionsAsTexts(true);
            BulkSummary summary = new BulkIndexer(encoder, writer, options).run(new Items(root.path(), items));
            writer.refresh();
            List<JsonNode> errors = new ArrayList<>();
            for (String line : Files.readAllLines(errorsFile)) {
                errors.add(json.readTree(line));
            }
            List<String> ids = items.stream().map(item -> item.id() != null ? item.id() : switch (item) {
                case SourceItem.Image image -> StableIds.image(image.uri());
                case SourceItem.Text text -> StableIds.text(text.text());
            }).toList();
            return new Result(summary, ids, errors);
        } finally {
            Files.deleteIfExists(errorsFile);
        }
    }

    /** Deletes an image (with the captions indexed as its texts) or a text; empty when neither has this id. */
    public synchronized Optional<String> delete(String id) throws IOException {
        Optional<ImageHit> image = writer.index().findImage(id);
        String kind;
        if (image.isPresent()) {
            writer.deleteImage(id);
            for (String text : StableIds.captionTexts(id, image.get().captions().size())) {
                writer.deleteText(text);
            }
            kind = "image";
        } else if (writer.index().findText(id).isPresent()) {
            writer.deleteText(id);
            kind = "text";
        } else {
            return Optional.empty();
        }
        writer.commit();
        writer.refresh();
        if (image.isPresent()) {
            removeUploadIfUnused(image.get().uri());
        }
        return Optional.of(kind);
    }

    /** After a committed delete: the uploaded file of that image, unless another image still names it. */
    private void removeUploadIfUnused(String uri) throws IOException {
        String prefix = UPLOADS + "/";
        if (uri.startsWith(prefix) && UPLOAD_NAME.matcher(uri.substring(prefix.length())).matches()
                && !writer.index().anyImageAt(uri)) {
            Files.deleteIfExists(root.resolve(uri));
        }
    }

    /** The items of one write request as a bulk input. */
    private record Items(Path root, List<SourceItem> items) implements InputReader {
        @Override
        public OptionalLong size() {
            return OptionalLong.of(items.size());
        }

        @Override
        public void read(Sink sink) throws InterruptedException {
            for (SourceItem item : items) {
                sink.item(item);
            }
        }
    }
}
