package org.qsearch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.encoder.ImageTooLargeException;
import org.qsearch.encoder.RgbaPixels;
import org.qsearch.encoder.TestImages;
import org.qsearch.index.FeatureMode;
import org.qsearch.index.ImageHit;
import org.qsearch.indexer.TestCollections;
import org.qsearch.reranker.Fusion;
import org.qsearch.index.LocalIndexLocation;

/**
 * The pipeline end to end on a real index of held-out fruit emoji (the tiny model never saw this
 * art style), with two copies of the red apple: the same file under another name, and the same
 * pixels re-encoded to other PNG bytes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SearchPipelineTest {
    private static final List<String> TEN_FRUIT = List.of("red apple", "green apple", "banana", "grapes", "lemon",
            "cherries", "strawberry", "watermelon", "pear", "peach");
    /** By URI: the re-encoded copy comes from a folder, so its id is the indexer's hash of its URI. */
    private static final Set<String> RED_APPLES = Set.of("red-apple.png", "red-apple-copy.png", "red-apple-resaved.png");

    private Path collection;
    private Path index;
    private SearchCollection opened;
    private SearchPipeline pipeline;

    @BeforeAll
    void build(@TempDir Path tmp) throws IOException {
        collection = tmp.resolve("fruit");
        index = tmp.resolve("index");
        Path resaved = Files.createDirectories(tmp.resolve("resaved"));
        BufferedImage apple = ImageIO.read(TestCollections.fruitFolder().resolve("red-apple.png").toFile());
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(apple, "png", png);
        assertFalse(java.util.Arrays.equals(png.toByteArray(),
                Files.readAllBytes(TestCollections.fruitFolder().resolve("red-apple.png"))), "other bytes, same pixels");
        Files.write(resaved.resolve("red-apple-resaved.png"), png.toByteArray());
        var encoder = TestCollections.encoder();
        TestCollections.indexFruit(encoder, collection, tmp.resolve("index"), FeatureMode.STORED,
                Map.of("red-apple-copy", "red-apple"), TestCollections.Names.TEXTS);
        // the re-encoded copy goes in with the bulk indexer too, from its own folder
        try (var writer = org.qsearch.index.CollectionIndexWriter.open(tmp.resolve("index"))) {
            new org.qsearch.indexer.bulk.BulkIndexer(encoder, writer,
                    org.qsearch.indexer.bulk.BulkOptions.defaults().withProgress(false)
                            .withErrorsFile(tmp.resolve("errors.jsonl")))
                    .run(org.qsearch.indexer.bulk.InputFormat.FOLDER.open(resaved));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        encoder.close();
        opened = open(PipelineSettings.defaults());
        pipeline = opened.pipeline();
    }

    /** The fruit index read-only, with a pipeline of its own. */
    private SearchCollection open(PipelineSettings settings) throws IOException {
        return SearchCollection.open(TestCollections.bundle(), TestCollections.encoderOptions(), new LocalIndexLocation(index), collection, false,
                settings);
    }

    @AfterAll
    void close() throws IOException {
        opened.close();
    }

    private static QueryOptions exact(int k) {
        return QueryOptions.defaults().withK(k).withCaptions(false).withExact(true);
    }

    @Test
    void textQueryIsRerankedWithLavisFusionAndFindsTheRedApple() {
        SearchResponse r = pipeline.searchText("red apple", Target.IMAGES, exact(5).withDebug(true));
        assertEquals("lavis", r.fusion());
        assertEquals(14, r.reranked(), "every image of the collection is within the rerank depth");
        assertTrue(RED_APPLES.contains(r.results().getFirst().uri()), r.results().toString());
        for (ResultItem item : r.results()) {
            assertEquals(item.itc() + opened.encoder().bundle().rerankDefaults().itmWeight() * item.itmLogit(),
                    item.score(), 1e-9);
            assertTrue(item.itm() > 0 && item.itm() < 1);
        }
        for (int i = 1; i < r.results().size(); i++) {
            assertTrue(r.results().get(i - 1).score() >= r.results().get(i).score());
        }
        assertEquals(List.of("validate", "encode", "ann", "rescore", "rerank", "dedupe", "total"),
                List.copyOf(r.timingsMs().keySet()));
        assertTrue(pipeline.searchText("red apple", Target.IMAGES, exact(5)).timingsMs().isEmpty());
    }

    @Test
    void withoutRerankTheListIsInItcOrder() {
        SearchResponse r = pipeline.searchText("banana", Target.IMAGES, exact(8).withRerank(0));
        assertEquals("itc", r.fusion());
        assertEquals(0, r.reranked());
        for (ResultItem item : r.results()) {
            assertNull(item.itm());
            assertEquals(item.itc(), item.score(), 0);
        }
        for (int i = 1; i < r.results().size(); i++) {
            assertTrue(r.results().get(i - 1).itc() >= r.results().get(i).itc());
        }
        SearchResponse byProbability = pipeline.searchText("banana", Target.IMAGES,
                exact(8).withFusion(Fusion.ITM_PROBABILITY));
        assertEquals("itm", byProbability.fusion());
        byProbability.results().forEach(item -> assertEquals(item.itm(), item.score(), 0));
    }

    @Test
    void dedupeRemovesTheSameFileAndOnlyWhenAskedItsReencodedCopy() throws IOException {
        SearchResponse all = pipeline.searchText("red apple", Target.IMAGES, exact(14).withDedupe(false));
        assertEquals(14, all.results().size());
        assertEquals(3, all.results().stream().filter(i -> RED_APPLES.contains(i.uri())).count());
        SearchResponse distinct = pipeline.searchText("red apple", Target.IMAGES, exact(14));
        assertEquals(1, distinct.deduplicated(), "by default only the same file indexed twice is a duplicate");
        assertEquals(13, distinct.results().size());
        assertTrue(distinct.exhausted(), "14 images, 13 distinct: the index ran out");
        assertEquals(2, distinct.results().stream().filter(i -> RED_APPLES.contains(i.uri())).count());
        try (SearchCollection near = open(PipelineSettings.defaults().withNearDuplicates(0.98))) {
            SearchResponse r = near.pipeline().searchText("red apple", Target.IMAGES, exact(14));
            assertEquals(2, r.deduplicated(), "the re-encoded copy's query vectors agree with the original's");
            assertEquals(12, r.results().size());
            assertEquals(1, r.results().stream().filter(i -> RED_APPLES.contains(i.uri())).count());
            assertEquals(all.results().getFirst().id(), r.results().getFirst().id(), "the best-ranked copy stays");
        }
    }

    @Test
    void itmThresholdDropsAndReports() {
        SearchResponse all = pipeline.searchText("cherries", Target.IMAGES, exact(14).withDedupe(false));
        List<Double> probabilities = all.results().stream().map(ResultItem::itm).sorted().toList();
        double threshold = (probabilities.get(7) + probabilities.get(probabilities.size() - 1)) / 2;
        long below = probabilities.stream().filter(p -> p < threshold).count();
        assertTrue(below > 0 && below < probabilities.size(), "the threshold splits the list: " + probabilities);
        SearchResponse kept = pipeline.searchText("cherries", Target.IMAGES,
                exact(14).withDedupe(false).withItmThreshold(threshold));
        assertEquals(below, kept.droppedByThreshold());
        assertEquals(14 - below, kept.results().size());
        kept.results().forEach(i -> assertTrue(i.itm() >= threshold));
    }

    @Test
    void imageToTextsIsRerankedWithTheQueryImage() throws Exception {
        // the index holds each fruit's name as a standalone text
        byte[] banana = Files.readAllBytes(collection.resolve("banana.png"));
        SearchResponse r = pipeline.searchImage(banana, Target.TEXTS, exact(5));
        assertEquals("lavis", r.fusion());
        assertEquals(12, r.reranked());
        assertEquals("banana", r.results().getFirst().text());
        assertEquals("text-banana", r.results().getFirst().id());
        SearchResponse like = pipeline.searchLike("banana", Target.TEXTS, exact(5));
        assertEquals(r.results().stream().map(ResultItem::id).toList(), like.results().stream().map(ResultItem::id).toList());
    }

    @Test
    void likeLeavesTheQueryImageOut() {
        SearchResponse r = pipeline.searchLike("pear", Target.IMAGES, exact(5).withDedupe(false));
        assertEquals(5, r.results().size());
        assertTrue(r.results().stream().noneMatch(i -> i.id().equals("pear")));
        assertEquals("itc", r.fusion());
    }

    @Test
    void embeddingQueriesMatchTheirTextAndImageForms() throws Exception {
        float[] text = opened.encoder().encodeTexts(List.of("lemon"))[0];
        SearchResponse byVector = pipeline.searchEmbedding(new float[][] {text}, Target.IMAGES, exact(6));
        SearchResponse byText = pipeline.searchText("lemon", Target.IMAGES, exact(6).withRerank(0));
        assertEquals(byText.results().stream().map(ResultItem::id).toList(),
                byVector.results().stream().map(ResultItem::id).toList());
        assertEquals(0, byVector.reranked());
        float[][] image = opened.index().queryVectors("lemon").orElseThrow();
        SearchResponse texts = pipeline.searchEmbedding(image, Target.TEXTS, exact(3));
        assertEquals(pipeline.searchLike("lemon", Target.TEXTS, exact(3).withRerank(0)).results(), texts.results());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pipeline.searchEmbedding(new float[2][64], Target.IMAGES, exact(3)));
        assertEquals("an embedding query is 1 vector (a text) or 32 (an image), got 2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pipeline.searchEmbedding(new float[1][63], Target.IMAGES, exact(3)));
    }

    @Test
    void badInputGetsClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> pipeline.searchText(" ", Target.IMAGES, exact(3)));
        assertThrows(IllegalArgumentException.class, () -> pipeline.searchText("pear", null, exact(3)));
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
                () -> pipeline.searchText("pear", Target.IMAGES, exact(101)));
        assertEquals("k must be at most 100: 101", k.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QueryOptions.defaults().withK(0));
        assertThrows(IllegalArgumentException.class, () -> QueryOptions.defaults().withItmThreshold(-0.1));
        assertThrows(NotFoundException.class, () -> pipeline.searchLike("no-such-image", Target.IMAGES, exact(3)));
        assertThrows(NotFoundException.class, () -> pipeline.ask("no-such-image", "what?", GenerationOptions.SNIPPET));
        assertThrows(ImageDecodeException.class, () -> pipeline.searchImage("not an image".getBytes(), Target.TEXTS, exact(3)));
        assertThrows(IllegalArgumentException.class,
                () -> pipeline.classify("pear", List.of("pear"), "a photo of a pear", false));
        ImageHit escaping = new ImageHit("x", "../../etc/passwd", 0, 0, "h", 1, 1, List.of(), null, null, null, null);
        assertThrows(SecurityException.class, () -> pipeline.resolveImage(escaping));
        assertEquals(collection.resolve("pear.png"), pipeline.resolveImage(pipeline.image("pear").orElseThrow()));
    }

    @Test
    void sourcePixelsGoThroughTheDecodersPixelCap() throws Exception {
        Path bomb = Files.write(collection.resolve("bomb.png"), TestImages.pngHeaderOnly(30_000, 30_000));
        try {
            ImageHit hit = new ImageHit("bomb", "bomb.png", 0, 0, "h", 1, 1, List.of(), null, null, null, null);
            assertThrows(ImageTooLargeException.class, () -> pipeline.sourcePixels(hit));
            ImageHit gone = new ImageHit("gone", "gone.png", 0, 0, "h", 1, 1, List.of(), null, null, null, null);
            assertThrows(NotFoundException.class, () -> pipeline.sourcePixels(gone));
            ImageHit pear = pipeline.image("pear").orElseThrow();
            RgbaPixels pixels = pipeline.sourcePixels(pear);
            assertEquals(pear.width(), pixels.width(), "the indexed image, decoded as it was indexed");
            assertEquals(pear.height(), pixels.height());
        } finally {
            Files.delete(bomb);
        }
    }

    @Test
    void snippetCaptionsAreGeneratedOncePerImageAndCached() throws IOException {
        // a pipeline of its own: its caption cache starts empty whatever the other tests did
        try (SearchCollection fresh = open(PipelineSettings.defaults())) {
            snippetsOf(fresh.pipeline());
        }
    }

    @Test
    void withoutACacheEveryResultStillGetsItsCaption() throws IOException {
        try (SearchCollection own = open(PipelineSettings.defaults().withCaptionCacheSize(0))) {
            SearchPipeline uncached = own.pipeline();
            QueryOptions o = exact(6).withCaptions(true);
            SearchResponse first = uncached.searchText("watermelon", Target.IMAGES, o);
            first.results().forEach(i -> assertNotNull(i.caption(), i.id()));
            assertEquals(6, uncached.captionsGenerated());
            uncached.searchText("watermelon", Target.IMAGES, o);
            assertEquals(12, uncached.captionsGenerated(), "nothing is kept: the second request generates again");
        }
    }

    private static void snippetsOf(SearchPipeline pipeline) {
        QueryOptions o = exact(6).withCaptions(true).withDebug(true);
        long before = pipeline.captionsGenerated();
        assertEquals(0, before);
        SearchResponse first = pipeline.searchText("watermelon", Target.IMAGES, o);
        long made = pipeline.captionsGenerated() - before;
        assertEquals(6, made, "one generation per image of the page");
        first.results().forEach(i -> assertNotNull(i.caption(), i.id()));
        assertTrue(first.timingsMs().containsKey("captions"));
        SearchResponse second = pipeline.searchText("watermelon", Target.IMAGES, o);
        assertEquals(before + made, pipeline.captionsGenerated(), "the second request generates nothing");
        assertEquals(first.results().stream().map(ResultItem::caption).toList(),
                second.results().stream().map(ResultItem::caption).toList());
        // the same file indexed twice is one content hash: one generation serves both names
        SearchResponse copies = pipeline.searchText("red apple", Target.IMAGES, exact(14).withDedupe(false)
                .withCaptions(true));
        String apple = copies.results().stream().filter(i -> i.id().equals("red-apple")).findFirst().orElseThrow().caption();
        assertEquals(apple, copies.results().stream().filter(i -> i.id().equals("red-apple-copy")).findFirst()
                .orElseThrow().caption());
    }

    @Test
    void captionOfAnIndexedImageIsCachedAndEqualsTheCaptionOfItsBytes() throws Exception {
        GenerationOptions beams = new GenerationOptions(3, 12);
        String byId = pipeline.caption("grapes", beams);
        long made = pipeline.captionsGenerated();
        assertEquals(byId, pipeline.caption("grapes", beams));
        assertEquals(byId, pipeline.caption(Files.readAllBytes(collection.resolve("grapes.png")), beams),
                "same content hash: served from the cache");
        assertEquals(made, pipeline.captionsGenerated());
        assertFalse(byId.isBlank());
    }

    @Test
    void askAnswersAboutAnIndexedImage() throws Exception {
        String answer = pipeline.ask("banana", "what is this?", new GenerationOptions(1, 10));
        assertFalse(answer.isBlank());
        assertEquals(answer, pipeline.ask("banana", "what is this?", new GenerationOptions(1, 10)), "deterministic");
        assertThrows(IllegalArgumentException.class, () -> pipeline.ask("banana", " ", GenerationOptions.SNIPPET));
    }

    /**
     * The tiny model was trained on bare emoji names, so the label alone is its best template;
     * "a photo of a {}" is a photo-model prompt it never saw. Measured with the shipped bundle:
     * ITC alone 7 of 10, with ITM 9 of 10 (the red apple is taken for a watermelon either way).
     */
    @Test
    void classifyTenFruitZeroShot() throws Exception {
        int byItc = 0;
        int byItm = 0;
        for (String label : TEN_FRUIT) {
            byte[] image = Files.readAllBytes(collection.resolve(label.replace(' ', '-') + ".png"));
            List<LabelScore> itc = pipeline.classify(image, TEN_FRUIT, "{}", false);
            List<LabelScore> itm = pipeline.classify(image, TEN_FRUIT, "{}", true);
            assertEquals(10, itc.size());
            assertNull(itc.getFirst().itm());
            assertNotNull(itm.getFirst().itm());
            byItc += itc.getFirst().label().equals(label) ? 1 : 0;
            byItm += itm.getFirst().label().equals(label) ? 1 : 0;
        }
        assertTrue(byItc >= 6, "ITC top-1 on ten fruit: " + byItc + "/10");
        assertTrue(byItm >= 8, "ITC + ITM top-1 on ten fruit: " + byItm + "/10");
        // an indexed image is classified from its stored vectors: the same ITC ranking as its bytes
        assertEquals(pipeline.classify(Files.readAllBytes(collection.resolve("banana.png")), TEN_FRUIT, "{}", false),
                pipeline.classify("banana", TEN_FRUIT, "{}", false));
    }

    @Test
    void manyThreadsGetTheSameAnswersAsOne() throws Exception {
        List<String> queries = List.of("red apple", "banana", "grapes", "lemon", "cherries", "pear", "peach", "tangerine");
        QueryOptions o = exact(5).withCaptions(true);
        List<List<ResultItem>> serial = new ArrayList<>();
        for (String q : queries) {
            serial.add(pipeline.searchText(q, Target.IMAGES, o).results());
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<ResultItem>>> parallel = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (String q : queries) {
                    parallel.add(pool.submit(() -> pipeline.searchText(q, Target.IMAGES, o).results()));
                }
            }
            for (int i = 0; i < parallel.size(); i++) {
                assertSameResults(serial.get(i % queries.size()), parallel.get(i).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Same ids, captions and order; scores equal up to float noise (ONNX Runtime may split a
     * graph run differently over its threads when several run at once, which moves the last bits).
     */
    private static void assertSameResults(List<ResultItem> expected, List<ResultItem> got) {
        assertEquals(expected.stream().map(ResultItem::id).toList(), got.stream().map(ResultItem::id).toList());
        assertEquals(expected.stream().map(ResultItem::caption).toList(), got.stream().map(ResultItem::caption).toList());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).score(), got.get(i).score(), 1e-5);
            assertEquals(expected.get(i).itm(), got.get(i).itm(), 1e-5);
        }
    }
}
