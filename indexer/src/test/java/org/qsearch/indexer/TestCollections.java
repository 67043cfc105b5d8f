package org.qsearch.indexer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.FeatureMode;
import org.qsearch.index.IndexSettings;
import org.qsearch.indexer.bulk.BulkIndexer;
import org.qsearch.indexer.bulk.BulkOptions;
import org.qsearch.indexer.bulk.BulkSummary;
import org.qsearch.indexer.bulk.InputFormat;

/**
 * Real indexes for the tests: held-out (apple-style) emoji the tiny model never trained on,
 * indexed by the bulk indexer with the shipped bundle, each image's name as its caption.
 */
public final class TestCollections {
    /** The fruit fixtures: file stem -> emoji name. */
    public static final Map<String, String> FRUIT = Map.ofEntries(Map.entry("red-apple", "red apple"),
            Map.entry("green-apple", "green apple"), Map.entry("banana", "banana"), Map.entry("grapes", "grapes"),
            Map.entry("lemon", "lemon"), Map.entry("cherries", "cherries"), Map.entry("strawberry", "strawberry"),
            Map.entry("watermelon", "watermelon"), Map.entry("pear", "pear"), Map.entry("peach", "peach"),
            Map.entry("pineapple", "pineapple"), Map.entry("tangerine", "tangerine"));

    /** Where the fruit names go. */
    public enum Names {
        /** each image's caption, also indexed as a text linked to it */
        CAPTIONS,
        /** standalone texts (ids "text-" + file stem); the images have no caption */
        TEXTS
    }

    private TestCollections() {}

    public static Path root() {
        return Path.of(System.getProperty("qsearch.root", "..")).toAbsolutePath().normalize();
    }

    /** The shipped tiny bundle, or the one named by -Dqsearch.test.bundle. */
    public static Path bundle() {
        String override = System.getProperty("qsearch.test.bundle");
        return override != null && !override.isBlank() ? Path.of(override) : root().resolve("models/tiny-blip2");
    }

    /** Two threads per session, CPU: what every test's encoder runs with. */
    public static EncoderOptions encoderOptions() {
        return new EncoderOptions(2, false, 0, EncoderOptions.DEFAULT_MAX_PIXELS);
    }

    public static Blip2Encoder encoder() {
        return Blip2Encoder.open(bundle(), encoderOptions());
    }

    public static Path fruitFolder() {
        return root().resolve("indexer/src/test/resources/fruit");
    }

    /**
     * Copies the fruit images (plus {@code extra} copies: new name -> fixture stem) into
     * {@code collection}, writes a JSONL manifest with the fruit names as {@code names} say, and
     * bulk-indexes it into {@code index}.
     */
    public static BulkSummary indexFruit(Blip2Encoder encoder, Path collection, Path index, FeatureMode mode,
                                         Map<String, String> extra, Names names) throws IOException {
        boolean captions = names == Names.CAPTIONS;
        Files.createDirectories(collection);
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> e : FRUIT.entrySet()) {
            lines.add(line(json, collection, e.getKey(), e.getKey(), captions ? e.getValue() : null));
        }
        for (Map.Entry<String, String> e : extra.entrySet()) {
            lines.add(line(json, collection, e.getKey(), e.getValue(), captions ? FRUIT.get(e.getValue()) : null));
        }
        if (!captions) {
            for (Map.Entry<String, String> e : FRUIT.entrySet()) {
                lines.add(json.writeValueAsString(Map.of("text", e.getValue(), "id", "text-" + e.getKey())));
            }
        }
        Path manifest = collection.resolve("manifest.jsonl");
        Files.write(manifest, lines);
        BulkOptions options = BulkOptions.defaults().withThreads(1).withBatchSize(8).withProgress(false)
                .withCommits(1000, Duration.ofMinutes(5)).withErrorsFile(index.resolve("errors.jsonl"))
                .withCaptionsAsTexts(captions);
        try (CollectionIndexWriter writer = CollectionIndexWriter.open(index,
                IndexSettings.forDims(encoder.bundle().dims()).withFeatureMode(mode))) {
            return new BulkIndexer(encoder, writer, options).run(InputFormat.JSONL.open(manifest));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String line(ObjectMapper json, Path collection, String name, String fixture, String caption)
            throws IOException {
        Files.copy(fruitFolder().resolve(fixture + ".png"), collection.resolve(name + ".png"));
        return json.writeValueAsString(caption == null ? Map.of("image", name + ".png", "id", name)
                : Map.of("image", name + ".png", "id", name, "captions", List.of(caption)));
    }
}
