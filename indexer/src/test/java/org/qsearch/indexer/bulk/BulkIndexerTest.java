package org.qsearch.indexer.bulk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.ContentHash;
import org.qsearch.index.ImageHit;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.SearchFilter;
import org.qsearch.index.SearchRequest;
import org.qsearch.index.TextHit;

/** The bulk pipeline on real files and the shipped model; nothing here depends on the model's weights. */
class BulkIndexerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Blip2Encoder encoder;

    @BeforeAll
    static void openModel() {
        encoder = BulkFixtures.encoder();
    }

    @AfterAll
    static void closeModel() {
        encoder.close();
    }

    private static BulkSummary index(Path index, InputReader input, BulkOptions options) throws Exception {
        try (CollectionIndexWriter writer = CollectionIndexWriter.open(index, IndexSettings.forDims(encoder.bundle().dims()))) {
            return new BulkIndexer(encoder, writer, options).run(input);
        }
    }

    private static List<JsonNode> errorLines(Path errors) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(errors)) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    private static Map<String, String> reasonsByFile(List<JsonNode> errors) {
        return errors.stream().collect(Collectors.toMap(e -> Path.of(e.get("source").asText()).getFileName().toString(),
                e -> e.get("reason").asText()));
    }

    @Test
    void aMixedFolderIndexesTheGoodImagesAndReportsEachBadOne(@TempDir Path tmp) throws Exception {
        Path folder = tmp.resolve("photos");
        Path sub = Files.createDirectories(folder.resolve("sub/deeper"));
        List<Path> good = BulkFixtures.goodImages();
        for (int i = 0; i < good.size(); i++) {
            Files.copy(good.get(i), (i % 2 == 0 ? folder : sub).resolve(good.get(i).getFileName()));
        }
        byte[] png = Files.readAllBytes(good.getFirst());
        Files.copy(good.get(1), folder.resolve("really-a-png.txt")); // picked up by its signature
        Files.write(folder.resolve("truncated.png"), java.util.Arrays.copyOf(png, png.length / 2));
        byte[] corrupt = png.clone();
        for (int i = 60; i < corrupt.length - 20; i++) {
            corrupt[i] = (byte) (i * 31);
        }
        Files.write(folder.resolve("corrupt.png"), corrupt);
        Files.write(folder.resolve("empty.png"), new byte[0]);
        Files.writeString(folder.resolve("notes.png"), "these are words, not pixels");
        Files.write(sub.resolve("bomb.png"), org.qsearch.encoder.TestImages.pngHeaderOnly(100_000, 100_000));
        Files.writeString(folder.resolve("README.txt"), "ignored: neither named nor shaped like an image");
        Files.createSymbolicLink(folder.resolve("linked.png"), good.getFirst());
        Path errors = tmp.resolve("errors.jsonl");

        BulkSummary summary = index(tmp.resolve("index"), new FolderReader(folder), BulkFixtures.options(errors));

        assertEquals(good.size() + 1, summary.indexed(), summary.toString());
        assertEquals(6, summary.failed(), summary.toString());
        assertEquals(0, summary.skipped() + summary.updated() + summary.pruned());
        Map<String, String> reasons = reasonsByFile(errorLines(errors));
        assertEquals(java.util.Set.of("truncated.png", "corrupt.png", "empty.png", "notes.png", "bomb.png", "linked.png"),
                reasons.keySet());
        assertTrue(reasons.get("linked.png").contains("symbolic link"), reasons.get("linked.png"));
        reasons.values().forEach(reason -> assertFalse(reason.isBlank()));
        assertTrue(reasons.get("empty.png").contains("empty"), reasons.get("empty.png"));
        assertTrue(reasons.get("notes.png").contains("not an image"), reasons.get("notes.png"));
        assertTrue(reasons.get("bomb.png").contains("100000x100000"), reasons.get("bomb.png"));

        try (CollectionIndex searcher = CollectionIndex.open(tmp.resolve("index"))) {
            assertEquals(good.size() + 1, searcher.imageCount());
            for (Path image : List.of(good.getFirst(), good.get(5), folder.resolve("really-a-png.txt"))) {
                ImageFeatures features = encoder.encodeImage(Files.readAllBytes(image));
                List<ImageHit> hits = searcher.searchSimilarImages(features, SearchRequest.top(20).exactly());
                // itself scores the maximum (1); a near-constant query token of another image may tie within rounding
                String hash = ContentHash.of(Files.readAllBytes(image));
                ImageHit self = hits.stream().filter(h -> h.contentHash().equals(hash)).findFirst().orElseThrow();
                assertEquals(hits.getFirst().score(), self.score(), 1e-5, "an image finds itself first");
            }
            assertTrue(searcher.findImage(StableIds.image("sub/deeper/" + good.get(1).getFileName())).isPresent(),
                    "ids derive from the path relative to the folder");
        }
    }

    @Test
    void aJsonlManifestIndexesImagesTextsAndCaptionsAndReportsMalformedLines(@TempDir Path tmp) throws Exception {
        Files.copy(BulkFixtures.goodImages().getFirst(), tmp.resolve("heart.png"));
        Files.copy(BulkFixtures.goodImages().get(2), tmp.resolve("star.png"));
        Path manifest = Files.writeString(tmp.resolve("manifest.jsonl"), String.join("\n",
                "{\"image\": \"heart.png\", \"captions\": [\"a red heart\", \"love\"], \"metadata\": {\"set\": \"a\"}}",
                "{\"image\": \"star.png\", \"id\": \"star-1\", \"metadata\": {\"set\": \"b\"}}",
                "{\"text\": \"a yellow star\", \"metadata\": {\"set\": \"b\"}}",
                "",
                "{\"image\": \"heart.png\", \"captions\": [\"again\"]}",
                "{not json",
                "[1, 2]",
                "{\"id\": \"nothing\"}",
                "{\"image\": \"missing.png\"}",
                "{\"image\": \"star.png\", \"captions\": \"not a list\"}",
                "{\"image\": \"star.png\", \"text\": \"both\"}",
                "{\"image\": \"../outside.png\"}") + "\n");
        Path errors = tmp.resolve("errors.jsonl");

        BulkSummary summary = index(tmp.resolve("index"), new JsonlManifestReader(manifest),
                BulkFixtures.options(errors).withCaptionsAsTexts(true));

        assertEquals(2, summary.indexed(), summary.toString());
        assertEquals(1, summary.skipped(), "heart.png listed twice: " + summary);
        assertEquals(7, summary.failed(), summary.toString());
        assertEquals(3, summary.texts(), "two captions and one standalone text: " + summary);
        List<JsonNode> lines = errorLines(errors);
        assertTrue(lines.stream().anyMatch(e -> e.get("line").asInt() == 12
                && e.get("reason").asText().contains("not a file inside the collection")), lines.toString());
        assertEquals(List.of(6, 7, 8, 9, 10, 11, 12), lines.stream().map(e -> e.get("line").asInt()).sorted().toList());
        lines.forEach(e -> assertFalse(e.get("reason").asText().isBlank()));

        try (CollectionIndex searcher = CollectionIndex.open(tmp.resolve("index"))) {
            String heart = StableIds.image("heart.png");
            ImageHit stored = searcher.findImage(heart).orElseThrow();
            assertEquals(List.of("a red heart", "love"), stored.captions());
            assertTrue(searcher.findImage("star-1").isPresent(), "the manifest's id is kept");
            ImageFeatures features = encoder.encodeImage(Files.readAllBytes(tmp.resolve("heart.png")));
            List<TextHit> texts = searcher.searchTexts(features,
                    SearchRequest.top(10).exactly().withFilter(SearchFilter.metadata("set", "a")));
            assertEquals(2, texts.size(), "only set a's captions pass the filter");
            texts.forEach(t -> assertEquals(heart, t.imageId()));
            assertEquals(3, searcher.textCount());
        }
    }

    @Test
    void rerunsSkipUnchangedFilesUpdateChangedOnesAndPruneDeletedOnes(@TempDir Path tmp) throws Exception {
        Path folder = tmp.resolve("photos");
        List<Path> files = BulkFixtures.generateImages(folder, 6);
        Path index = tmp.resolve("index");
        BulkOptions options = BulkFixtures.options(tmp.resolve("errors.jsonl"));

        assertEquals(6, index(index, new FolderReader(folder), options).indexed());
        BulkSummary again = index(index, new FolderReader(folder), options);
        assertEquals(0, again.indexed() + again.updated() + again.failed(), again.toString());
        assertEquals(6, again.skipped());

        Files.copy(files.get(3), files.get(0), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.delete(files.get(5));
        BulkSummary changed = index(index, new FolderReader(folder), options.withPrune(true));
        assertEquals(1, changed.updated(), changed.toString());
        assertEquals(4, changed.skipped(), changed.toString());
        assertEquals(1, changed.pruned(), changed.toString());
        assertEquals(0, changed.indexed() + changed.failed(), changed.toString());

        try (CollectionIndex searcher = CollectionIndex.open(index)) {
            assertEquals(5, searcher.imageCount(), "no duplicates, the deleted file is gone");
            ImageHit updated = searcher.findImage(StableIds.image("gen_000.png")).orElseThrow();
            assertEquals(ContentHash.of(Files.readAllBytes(files.get(3))), updated.contentHash());
            assertTrue(searcher.findImage(StableIds.image("gen_005.png")).isEmpty());
        }
    }

    @Test
    void csvAndCocoManifestsAreRead(@TempDir Path tmp) throws Exception {
        Path csv = Files.writeString(tmp.resolve("m.csv"), String.join("\n",
                "image,text,captions,license",
                "a.png,,\"a cat, sitting\"|a pet,cc-by",
                ",\"a \"\"quoted\"\" text\",,",
                "b.png,too,many,fields,here",
                "\"unterminated,,,") + "\n");
        List<SourceItem> items = new ArrayList<>();
        List<ItemError> problems = new ArrayList<>();
        InputReader.Sink sink = new InputReader.Sink() {
            @Override
            public void item(SourceItem item) {
                items.add(item);
            }

            @Override
            public void malformed(ItemError error) {
                problems.add(error);
            }
        };
        new CsvManifestReader(csv).read(sink);
        assertEquals(2, items.size(), items.toString());
        SourceItem.Image a = (SourceItem.Image) items.get(0);
        assertEquals("a.png", a.uri());
        assertEquals(List.of("a cat, sitting", "a pet"), a.captions());
        assertEquals("{\"license\":\"cc-by\"}", a.metadataJson());
        assertEquals("a \"quoted\" text", ((SourceItem.Text) items.get(1)).text());
        assertEquals(List.of(4, 5), problems.stream().map(ItemError::line).toList());

        items.clear();
        problems.clear();
        Path coco = Files.writeString(tmp.resolve("captions.json"), """
                {"images": [{"id": 7, "file_name": "img/x.jpg"}, {"id": 8}],
                 "annotations": [{"image_id": 7, "caption": "one"}, {"image_id": 7, "caption": "two"}, {"caption": "?"}]}
                """);
        new CocoCaptionsReader(coco).read(sink);
        assertEquals(1, items.size());
        SourceItem.Image x = (SourceItem.Image) items.getFirst();
        assertEquals("img/x.jpg", x.uri());
        assertEquals(List.of("one", "two"), x.captions());
        assertEquals("{\"coco_id\":\"7\"}", x.metadataJson());
        assertEquals(2, problems.size(), problems.toString());
        assertEquals(InputFormat.COCO, InputFormat.detect(coco));
        assertEquals(InputFormat.CSV, InputFormat.detect(csv));
        assertEquals(InputFormat.FOLDER, InputFormat.detect(tmp));
    }

    @Test
    void withTheDefaultsARunKilledEarlyWouldKeepItsFirstHundredItems(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("index");
        int given = BulkOptions.DEFAULT_COMMIT_EVERY + 20;
        int[] committedMidRun = {0};
        InputReader texts = new InputReader() {
            @Override
            public Path root() {
                return tmp;
            }

            @Override
            public OptionalLong size() {
                return OptionalLong.of(given);
            }

            @Override
            public void read(Sink sink) throws IOException, InterruptedException {
                for (int i = 0; i < given; i++) {
                    sink.item(new SourceItem.Text("test", i, "text number " + i, null, null));
                }
                // the input holds the run open, as a long input would: what has been committed by now
                // survives a kill (the old defaults committed nothing before 1,000 items or 60 s)
                for (int polls = 0; polls < 300 && committedMidRun[0] < BulkOptions.DEFAULT_COMMIT_EVERY; polls++) {
                    Thread.sleep(100);
                    try (CollectionIndex lastCommit = CollectionIndex.open(dir)) {
                        committedMidRun[0] = lastCommit.textCount();
                    } catch (IOException e) {
                        // no commit yet
                    }
                }
            }
        };
        BulkOptions defaults = BulkOptions.defaults().withErrorsFile(tmp.resolve("errors.jsonl")).withProgress(false);
        assertEquals(given, index(dir, texts, defaults).texts());
        assertTrue(committedMidRun[0] >= BulkOptions.DEFAULT_COMMIT_EVERY, "committed before the input ended: " + committedMidRun[0]);
    }
}
