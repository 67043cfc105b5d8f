package org.qsearch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.FeatureMode;
import org.qsearch.index.ImageHit;
import org.qsearch.index.ImageTokenSource;
import org.qsearch.index.SearchRequest;
import org.qsearch.index.SourceImages;
import org.qsearch.index.TextHit;
import org.qsearch.indexer.TestCollections;
import org.qsearch.reranker.Fusion;
import org.qsearch.reranker.ImageCandidates;
import org.qsearch.reranker.ItmScorer;
import org.qsearch.reranker.Ranked;
import org.qsearch.reranker.Reranker;
import org.qsearch.reranker.Reranking;
import org.qsearch.reranker.TextCandidates;

/**
 * Reranking index hits of held-out fruit emoji with the shipped bundle, their tokens from the
 * feature store or recomputed from the sources (as the pipeline reranks), checked against the
 * encoder run directly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RerankerTest {
    private static final List<String> QUERIES = List.of("red apple", "banana", "grapes", "lemon", "cherries",
            "watermelon", "pear", "tangerine");

    private Blip2Encoder encoder;
    private Path collection;
    private CollectionIndex stored;
    private CollectionIndex recompute;
    /** Trunk tokens straight from the encoder at float32, by image id. */
    private final Map<String, float[]> directTokens = new HashMap<>();

    @BeforeAll
    void build(@TempDir Path tmp) throws Exception {
        encoder = TestCollections.encoder();
        collection = tmp.resolve("fruit");
        TestCollections.indexFruit(encoder, collection, tmp.resolve("stored"), FeatureMode.STORED, Map.of(), TestCollections.Names.CAPTIONS);
        TestCollections.indexFruit(encoder, tmp.resolve("fruit2"), tmp.resolve("recompute"), FeatureMode.RECOMPUTE,
                Map.of(), TestCollections.Names.CAPTIONS);
        stored = CollectionIndex.open(tmp.resolve("stored"));
        recompute = CollectionIndex.open(tmp.resolve("recompute"));
        for (String id : TestCollections.FRUIT.keySet()) {
            byte[] bytes = Files.readAllBytes(collection.resolve(id + ".png"));
            directTokens.put(id, encoder.encodeImage(bytes).imageTokens());
        }
    }

    @AfterAll
    void close() throws IOException {
        stored.close();
        recompute.close();
        encoder.close();
    }

    /** The reranker over one index's hits, as the pipeline builds it. */
    private record HitReranker(Reranker reranker, ImageTokenSource tokens) {
        Reranking<ImageHit> images(String text, List<ImageHit> candidates, Fusion fusion, Double threshold) {
            return reranker.rerankImages(text, candidates, ImageCandidates.of(ImageHit::score, tokens::tokens), fusion,
                    threshold);
        }

        Reranking<TextHit> texts(float[] imageTokens, List<TextHit> candidates, Fusion fusion, Double threshold) {
            return reranker.rerankTexts(imageTokens, candidates, TextCandidates.of(TextHit::score, TextHit::text), fusion,
                    threshold);
        }
    }

    /** The LAVIS fusion's ITM weight, from bundle.json (chosen on validation). */
    private double weight() {
        return encoder.bundle().rerankDefaults().itmWeight();
    }

    private HitReranker reranker(CollectionIndex index, Path root, int batch) {
        return new HitReranker(new Reranker(new ItmScorer(encoder, batch)),
                new ImageTokenSource(index, encoder, new SourceImages(root)));
    }

    private List<ImageHit> candidates(CollectionIndex index, String text) throws IOException {
        return index.searchImages(encoder.encodeTexts(List.of(text))[0], SearchRequest.top(12).exactly());
    }

    @Test
    void rerankOrdersByItmScoresTheEncoderComputesIndependently() throws IOException {
        int reordered = 0;
        for (String text : QUERIES) {
            List<ImageHit> itc = candidates(stored, text);
            Reranking<ImageHit> r = reranker(stored, collection, 5).images(text, itc, Fusion.LAVIS, null);
            assertEquals(itc.size(), r.ranked().size());
            assertEquals(0, r.droppedByThreshold());
            // the expected order: ITC + the bundle's weight x class-1 logit of the itm graph run pair by pair
            // on float32 tokens
            Map<String, Double> expected = new HashMap<>();
            for (ImageHit hit : itc) {
                float[] logits = encoder.itmLogits(List.of(directTokens.get(hit.id())), List.of(text))[0];
                expected.put(hit.id(), hit.score() + weight() * logits[1]);
            }
            for (Ranked<ImageHit> x : r.ranked()) {
                // stored tokens are fp16: the logits move by far less than the gaps that order them
                assertEquals(expected.get(x.hit().id()), x.itm().fused(), 2e-3, text + " " + x.hit().id());
            }
            List<String> expectedOrder = new ArrayList<>(expected.keySet());
            expectedOrder.sort(Comparator.comparingDouble(id -> -expected.get(id)));
            List<String> got = r.ranked().stream().map(x -> x.hit().id()).toList();
            assertOrderAgrees(expectedOrder, expected, got, text);
            if (!got.equals(itc.stream().map(ImageHit::id).toList())) {
                reordered++;
            }
        }
        assertTrue(reordered > 0, "ITM reorders at least one of the ITC lists");
    }

    /** got must be expectedOrder, except that two scores closer than the fp16 noise may swap. */
    private static void assertOrderAgrees(List<String> expectedOrder, Map<String, Double> scores, List<String> got,
                                          String text) {
        for (int i = 0; i < got.size(); i++) {
            if (!got.get(i).equals(expectedOrder.get(i))) {
                assertEquals(scores.get(expectedOrder.get(i)), scores.get(got.get(i)), 4e-3,
                        text + ": rank " + i + " is " + got.get(i) + ", expected " + expectedOrder.get(i));
            }
        }
    }

    @Test
    void storedAndRecomputedFeaturesGiveTheSameScores() throws IOException {
        for (String text : QUERIES) {
            Map<String, Double> fromStore = new HashMap<>();
            reranker(stored, collection, 4).images(text, candidates(stored, text), Fusion.LAVIS, null).ranked()
                    .forEach(x -> fromStore.put(x.hit().id(), x.itm().fused()));
            Reranking<ImageHit> re = reranker(recompute, collection.resolveSibling("fruit2"), 64)
                    .images(text, candidates(recompute, text), Fusion.LAVIS, null);
            assertEquals(fromStore.size(), re.ranked().size());
            for (Ranked<ImageHit> x : re.ranked()) {
                assertEquals(fromStore.get(x.hit().id()), x.itm().fused(), 2e-3, text + " " + x.hit().id());
            }
        }
    }

    @Test
    void batchSizeDoesNotChangeScores() throws IOException {
        List<ImageHit> itc = candidates(stored, "strawberry");
        List<Double> one = reranker(stored, collection, 1).images("strawberry", itc, Fusion.LAVIS, null).ranked()
                .stream().map(x -> x.itm().fused()).toList();
        List<Double> all = reranker(stored, collection, 128).images("strawberry", itc, Fusion.LAVIS, null)
                .ranked().stream().map(x -> x.itm().fused()).toList();
        assertEquals(one.size(), all.size());
        for (int i = 0; i < one.size(); i++) {
            assertEquals(one.get(i), all.get(i), 1e-5);
        }
    }

    @Test
    void thresholdDropsLowProbabilityCandidatesAndCountsThem() throws IOException {
        List<ImageHit> itc = candidates(stored, "banana");
        HitReranker reranker = reranker(stored, collection, 8);
        List<Double> probabilities = reranker.images("banana", itc, Fusion.ITM_PROBABILITY, null).ranked()
                .stream().map(x -> x.itm().itmProbability()).sorted().toList();
        double threshold = (probabilities.get(5) + probabilities.get(6)) / 2;
        assertNotEquals(probabilities.get(5), probabilities.get(6), "the fixture needs distinct probabilities");
        Reranking<ImageHit> r = reranker.images("banana", itc, Fusion.ITM_PROBABILITY, threshold);
        assertEquals(6, r.droppedByThreshold());
        assertEquals(itc.size() - 6, r.ranked().size());
        r.ranked().forEach(x -> assertTrue(x.itm().itmProbability() >= threshold));
        for (int i = 1; i < r.ranked().size(); i++) {
            assertTrue(r.ranked().get(i - 1).itm().fused() >= r.ranked().get(i).itm().fused(), "ITM probability order");
        }
        assertThrows(IllegalArgumentException.class, () -> reranker.images("banana", itc, Fusion.LAVIS, 1.5));
    }

    @Test
    void imageToTextsRerankUsesTheQueryImageTokens() throws Exception {
        byte[] apple = Files.readAllBytes(collection.resolve("red-apple.png"));
        ImageFeatures query = encoder.encodeImage(apple);
        List<TextHit> itc = stored.searchTexts(query, SearchRequest.top(12).exactly());
        assertEquals(12, itc.size());
        Reranking<TextHit> r = reranker(stored, collection, 5).texts(query.imageTokens(), itc, Fusion.LAVIS, null);
        for (Ranked<TextHit> x : r.ranked()) {
            float[] logits = encoder.itmLogits(List.of(query.imageTokens()), List.of(x.hit().text()))[0];
            assertEquals(x.hit().score() + weight() * logits[1], x.itm().fused(), 1e-4, x.hit().text());
        }
    }

    @Test
    void recomputeNeverReadsOutsideTheCollection(@TempDir Path tmp) {
        ImageHit escaping = new ImageHit("x", "../outside.png", 0.5f, 0, "h", 1, 1, List.of(), null, null, null, null);
        SourceImages sources = new SourceImages(tmp);
        assertThrows(SecurityException.class, () -> sources.resolve(escaping));
    }
}
