package org.qsearch.indexer.bulk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.encoder.ModelBundle;
import org.qsearch.encoder.RgbaPixels;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.ContentHash;
import org.qsearch.index.ImageHit;
import org.qsearch.index.ImageRecord;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.TextRecord;

/**
 * The bulk-indexing pipeline: an input's items go through
 * <ol>
 *   <li>the calling thread, which reads the input;</li>
 *   <li>a pool of threads that read each file, hash it, skip it when the committed index already
 *       holds it unchanged, decode and preprocess it;</li>
 *   <li>one encoder thread that batches images and texts through the model (and the caption LLM);</li>
 *   <li>one writer thread, the only one that touches the {@link CollectionIndexWriter}: it writes and
 *       commits every {@link BulkOptions#commitEvery()} items or {@link BulkOptions#commitInterval()}.</li>
 * </ol>
 * Every hand-off is a bounded queue, so memory does not grow with the collection (except for the
 * set of ids seen in this run, a few dozen bytes per item, which finds duplicates and drives
 * pruning).
 *
 * <p>Ids are stable across runs and unchanged items are skipped before they are decoded, so a run
 * killed at any point is resumed by running it again: it redoes only what the last commit did
 * not hold. Bad items never stop a run; they go to the errors file.
 */
public final class BulkIndexer {
    private static final long POLL_MILLIS = 100;

    private final Blip2Encoder encoder;
    private final CollectionIndexWriter writer;
    private final BulkOptions options;

    public BulkIndexer(Blip2Encoder encoder, CollectionIndexWriter writer, BulkOptions options) {
        ModelBundle.Dims dims = encoder.bundle().dims();
        IndexSettings index = writer.settings();
        if (index.numQueries() != dims.numQueries() || index.embedDim() != dims.embedDim()
                || index.tokens() != dims.tokens() || index.visionWidth() != dims.visionWidth()) {
            throw new IllegalArgumentException("the index was built for another model: it holds " + index.numQueries()
                    + " x " + index.embedDim() + " vectors and " + index.tokens() + " x " + index.visionWidth()
                    + " tokens, the bundle " + encoder.bundle().name() + " makes " + dims.numQueries() + " x "
                    + dims.embedDim() + " and " + dims.tokens() + " x " + dims.visionWidth());
        }
        if (options.captions() != null && !encoder.hasCaptions()) {
            throw new IllegalArgumentException("the bundle " + encoder.bundle().name()
                    + " has no caption graphs: index without captions");
        }
        this.encoder = encoder;
        this.writer = writer;
        this.options = options;
    }

    /** Indexes everything {@code input} names; returns once the last item is committed. */
    public BulkSummary run(InputReader input) throws IOException, InterruptedException {
        return new Run(input).execute();
    }

    /** What the prepare threads hand to the encoder. */
    private sealed interface Prepared {}

    private record PreparedImage(SourceItem.Image item, String id, String contentHash, int width, int height,
                                 float[] pixels, ImageHit previous) implements Prepared {}

    private record PreparedText(SourceItem.Text item, String id) implements Prepared {}

    /** What the encoder hands to the writer. */
    private sealed interface Write {}

    private record WriteImage(SourceItem item, ImageRecord image, List<TextRecord> captionTexts, ImageHit previous)
            implements Write {}

    private record WriteText(SourceItem item, TextRecord text) implements Write {}

    /** The last message through each queue. */
    private record End() implements Prepared, Write {}

    /** Thrown in a stage when another stage failed: it stops without reporting anything itself. */
    private static final class Aborted extends RuntimeException {
        Aborted() {
            super(null, null, false, false);
        }
    }

    /** The state of one run. */
    private final class Run implements InputReader.Sink {
        private final InputReader input;
        private final RunCounters counters = new RunCounters();
        private final Set<String> seen = ConcurrentHashMap.newKeySet();
        private final BlockingQueue<Prepared> prepared = new ArrayBlockingQueue<>(2 * options.batchSize());
        private final BlockingQueue<Write> writes = new ArrayBlockingQueue<>(2 * options.batchSize());
        /** Items read but not yet prepared: bounds the prepare pool's backlog. */
        private final Semaphore inFlight = new Semaphore(2 * options.threads());
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final CollectionIndex committed = writer.index();
        private ErrorLog errors;
        private ExecutorService preparers;

        Run(InputReader input) {
            this.input = input;
        }

        BulkSummary execute() throws IOException, InterruptedException {
            long start = System.nanoTime();
            OptionalLong total = options.progress() ? input.size() : OptionalLong.empty();
            AtomicInteger threadNumber = new AtomicInteger();
            ProgressLine progress = options.progress() ? new ProgressLine(System.err, total, counters) : null;
            try (ErrorLog log = new ErrorLog(options.errorsFile())) {
                errors = log;
                preparers = Executors.newFixedThreadPool(options.threads(), r -> Thread.ofPlatform().daemon()
                        .name("qsearch-prepare-" + threadNumber.incrementAndGet()).unstarted(r));
                Thread encoderThread = stage("qsearch-encode", this::encodeLoop);
                Thread writerThread = stage("qsearch-write", this::writeLoop);
                try {
                    input.read(this);
                    preparers.shutdown();
                    while (!preparers.awaitTermination(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                        checkNotFailed();
                    }
                    handOff(prepared, new End());
                } catch (Aborted e) {
                    // the failing stage recorded why
                } catch (IOException | RuntimeException | InterruptedException e) {
                    fail(e);
                } finally {
                    preparers.shutdownNow();
                    encoderThread.join();
                    writerThread.join();
                }
            } finally {
                if (progress != null) {
                    progress.close();
                }
            }
            Throwable t = failure.get();
            if (t instanceof IOException e) {
                throw e;
            } else if (t instanceof InterruptedException e) {
                throw e;
            } else if (t instanceof RuntimeException e) {
                throw e;
            } else if (t != null) {
                throw new IllegalStateException("bulk indexing failed: " + t, t);
            }
            return counters.summary((System.nanoTime() - start) / 1e9);
        }

        // --- reading (calling thread) ---

        @Override
        public void item(SourceItem item) throws InterruptedException {
            while (!inFlight.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                checkNotFailed();
            }
            preparers.execute(() -> {
                try {
                    prepare(item);
                } catch (Aborted | InterruptedException e) {
                    // the run is stopping
                } catch (RuntimeException e) {
                    reject(item, "cannot index: " + e);
                } finally {
                    inFlight.release();
                }
            });
        }

        @Override
        public void malformed(ItemError error) {
            errors.record(error);
            counters.failed.incrementAndGet();
            counters.done.incrementAndGet();
        }

        // --- preparing (pool threads) ---

        private void prepare(SourceItem item) throws InterruptedException {
            switch (item) {
                case SourceItem.Image image -> prepareImage(image);
                case SourceItem.Text text -> prepareText(text);
            }
        }

        private void prepareImage(SourceItem.Image item) throws InterruptedException {
            String id = item.id() != null ? item.id() : StableIds.image(item.uri());
            if (!seen.add(id)) {
                skip();
                return;
            }
            byte[] bytes;
            Optional<ImageHit> previous;
            try {
                bytes = Files.readAllBytes(item.file());
                previous = committed.findImage(id);
            } catch (NoSuchFileException e) {
                seen.remove(id); // its source is gone: --prune may delete what an earlier run indexed
                reject(item, "file not found: " + item.file());
                return;
            } catch (IOException e) {
                reject(item, "cannot read: " + e);
                return;
            }
            String hash = ContentHash.of(bytes);
            if (previous.isPresent() && previous.get().contentHash().equals(hash)) {
                skip();
                return;
            }
            RgbaPixels pixels;
            try {
                pixels = encoder.decode(bytes);
            } catch (ImageDecodeException e) {
                reject(item, e.getMessage());
                return;
            }
            handOff(prepared, new PreparedImage(item, id, hash, pixels.width(), pixels.height(),
                    encoder.preprocess(pixels), previous.orElse(null)));
        }

        private void prepareText(SourceItem.Text item) throws InterruptedException {
            String id = item.id() != null ? item.id() : StableIds.text(item.text());
            if (!seen.add(id)) {
                skip();
                return;
            }
            try {
                if (committed.findText(id).filter(t -> t.text().equals(item.text())).isPresent()) {
                    skip();
                    return;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            handOff(prepared, new PreparedText(item, id));
        }

        // --- encoding (one thread) ---

        private void encodeLoop() throws InterruptedException {
            List<PreparedImage> images = new ArrayList<>();
            List<PreparedText> texts = new ArrayList<>();
            while (true) {
                Prepared next = prepared.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                checkNotFailed();
                switch (next) {
                    case null -> {
                        // nothing more for now: do not hold a partial batch back
                        encodeImages(images);
                        encodeTexts(texts);
                    }
                    case End end -> {
                        encodeImages(images);
                        encodeTexts(texts);
                        handOff(writes, end);
                        return;
                    }
                    case PreparedImage image -> images.add(image);
                    case PreparedText text -> texts.add(text);
                }
                if (images.size() >= options.batchSize()) {
                    encodeImages(images);
                }
                if (texts.size() >= options.batchSize()) {
                    encodeTexts(texts);
                }
            }
        }

        /** Encodes and hands on {@code batch}, then empties it. A batch the model rejects fails as a whole. */
        private void encodeImages(List<PreparedImage> batch) throws InterruptedException {
            if (batch.isEmpty()) {
                return;
            }
            List<WriteImage> encoded;
            try {
                encoded = encode(batch);
            } catch (RuntimeException e) {
                batch.forEach(p -> reject(p.item(), "encoding failed: " + e.getMessage()));
                batch.clear();
                return;
            }
            batch.clear();
            for (WriteImage write : encoded) {
                handOff(writes, write);
            }
        }

        private List<WriteImage> encode(List<PreparedImage> batch) {
            List<ImageFeatures> features = encoder.encodePixels(batch.stream().map(PreparedImage::pixels).toList());
            List<String> generated = options.captions() == null ? null : encoder.captions()
                    .caption(features.stream().map(ImageFeatures::imageTokens).toList(), options.captions())
                    .stream().map(c -> c.text().strip()).toList();
            // the texts made of captions, all encoded in one call
            List<String> captionTexts = new ArrayList<>();
            List<List<String>> captionIds = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                List<String> ids = new ArrayList<>();
                if (options.indexCaptionsAsTexts()) {
                    List<String> captions = batch.get(i).item().captions();
                    for (int c = 0; c < captions.size(); c++) {
                        ids.add(StableIds.caption(batch.get(i).id(), c));
                        captionTexts.add(captions.get(c));
                    }
                    if (generated != null && !generated.get(i).isEmpty()) {
                        ids.add(StableIds.caption(batch.get(i).id(), -1));
                        captionTexts.add(generated.get(i));
                    }
                }
                captionIds.add(ids);
            }
            float[][] vectors = encoder.encodeTexts(captionTexts);
            List<WriteImage> out = new ArrayList<>(batch.size());
            int v = 0;
            for (int i = 0; i < batch.size(); i++) {
                PreparedImage p = batch.get(i);
                SourceItem.Image item = p.item();
                ImageRecord image = new ImageRecord(p.id(), item.uri(), p.contentHash(), p.width(), p.height(),
                        item.captions(), generated == null ? null : generated.get(i), item.metadataJson(),
                        Instant.now(), features.get(i));
                List<TextRecord> texts = new ArrayList<>();
                for (String textId : captionIds.get(i)) {
                    texts.add(new TextRecord(textId, captionTexts.get(v), vectors[v], p.id(), item.metadataJson()));
                    v++;
                }
                out.add(new WriteImage(item, image, texts, p.previous()));
            }
            return out;
        }

        private void encodeTexts(List<PreparedText> batch) throws InterruptedException {
            if (batch.isEmpty()) {
                return;
            }
            float[][] vectors;
            try {
                vectors = encoder.encodeTexts(batch.stream().map(p -> p.item().text()).toList());
            } catch (RuntimeException e) {
                batch.forEach(p -> reject(p.item(), "encoding failed: " + e.getMessage()));
                batch.clear();
                return;
            }
            for (int i = 0; i < batch.size(); i++) {
                SourceItem.Text item = batch.get(i).item();
                handOff(writes, new WriteText(item,
                        new TextRecord(batch.get(i).id(), item.text(), vectors[i], null, item.metadataJson())));
            }
            batch.clear();
        }

        // --- writing (one thread: the only one that touches the writer) ---

        private void writeLoop() throws IOException, InterruptedException {
            long sinceCommit = 0;
            long lastCommit = System.nanoTime();
            while (true) {
                Write next = writes.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                checkNotFailed();
                if (next instanceof End) {
                    break;
                }
                if (next != null) {
                    write(next);
                    sinceCommit++;
                }
                if (sinceCommit >= options.commitEvery() || sinceCommit > 0
                        && System.nanoTime() - lastCommit >= options.commitInterval().toNanos()) {
                    commit();
                    sinceCommit = 0;
                    lastCommit = System.nanoTime();
                }
            }
            if (options.prune()) {
                prune();
            }
            commit();
        }

        private void write(Write next) throws IOException {
            try {
                switch (next) {
                    case WriteImage w -> {
                        if (w.previous() != null) {
                            deleteCaptionTexts(w.previous());
                        }
                        // the texts first: a backend that sends writes before the commit (a cluster) may show
                        // a killed run's image, and a resumed run skips an image it finds, so it must not be
                        // visible without its texts
                        for (TextRecord text : w.captionTexts()) {
                            writer.putText(text);
                        }
                        writer.putImage(w.image());
                        (w.previous() == null ? counters.indexed : counters.updated).incrementAndGet();
                        counters.texts.addAndGet(w.captionTexts().size());
                    }
                    case WriteText w -> {
                        writer.putText(w.text());
                        counters.texts.incrementAndGet();
                    }
                    case End end -> throw new AssertionError();
                }
                counters.done.incrementAndGet();
            } catch (IllegalArgumentException e) {
                // a record the index refuses (bad metadata, wrong shape): that item only
                reject(next instanceof WriteImage w ? w.item() : ((WriteText) next).item(), e.getMessage());
            }
        }

        /** The texts an earlier version of an image made of its captions: they describe what is being replaced. */
        private void deleteCaptionTexts(ImageHit image) throws IOException {
            for (String text : StableIds.captionTexts(image.id(), image.captions().size())) {
                writer.deleteText(text);
            }
        }

        /** Deletes the images this run's input did not name (it ran to its end: this is the writer's last step). */
        private void prune() throws IOException {
            writer.refresh();
            List<ImageHit> gone = new ArrayList<>();
            writer.index().forEachImage(hit -> {
                if (!seen.contains(hit.id())) {
                    gone.add(hit);
                }
            });
            for (ImageHit hit : gone) {
                writer.deleteImage(hit.id());
                deleteCaptionTexts(hit);
                counters.pruned.incrementAndGet();
            }
        }

        private void commit() throws IOException {
            writer.commit(Map.of(CollectionIndexWriter.COLLECTION_ROOT_KEY, input.root().toString(), "bulk.committed_at",
                    Instant.now().toString()));
        }

        // --- plumbing ---

        private void skip() {
            counters.skipped.incrementAndGet();
            counters.done.incrementAndGet();
        }

        private void reject(SourceItem item, String reason) {
            errors.record(ItemError.of(item, reason));
            counters.failed.incrementAndGet();
            counters.done.incrementAndGet();
        }

        /** Blocks while {@code queue} is full, unless another stage has failed. */
        private <T> void handOff(BlockingQueue<T> queue, T value) throws InterruptedException {
            while (!queue.offer(value, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                checkNotFailed();
            }
        }

        private void checkNotFailed() {
            if (failure.get() != null) {
                throw new Aborted();
            }
        }

        private void fail(Throwable t) {
            failure.compareAndSet(null, t);
        }

        private interface StageBody {
            void run() throws Exception;
        }

        private Thread stage(String name, StageBody body) {
            return Thread.ofPlatform().name(name).start(() -> {
                try {
                    body.run();
                } catch (Aborted e) {
                    // another stage failed first
                } catch (Throwable t) {
                    fail(t);
                }
            });
        }
    }
}
