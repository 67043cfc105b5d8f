package org.qsearch.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The index's contract in every configuration it can be in: each vector format x feature mode x
 * one merged segment or several with deletes, against brute force over the same random corpus.
 * The corpus comes from a random seed, printed at the start; {@code -Dqsearch.test.seed=N} runs
 * again with seed N (Lucene's LuceneTestCase does the same), so a failure seen once can be
 * reproduced.
 */
class IndexMatrixTest {
    private static final String SEED_PROPERTY = "qsearch.test.seed";
    private static final int IMAGES = 60;
    private static final int TEXTS = 40;
    /** Images per segment when unmerged: every refresh flushes one. */
    private static final int SEGMENT = 20;
    private static final float TOLERANCE = 1e-5f;
    private static long seed;

    @BeforeAll
    static void chooseSeed() {
        String given = System.getProperty(SEED_PROPERTY, "");
        seed = given.isBlank() ? new Random().nextLong() : Long.parseLong(given.strip());
        System.out.println("IndexMatrixTest: seed " + seed + " (run again with -D" + SEED_PROPERTY + "=" + seed + ")");
    }

    static Stream<Arguments> configurations() {
        List<Arguments> all = new ArrayList<>();
        for (VectorFormat format : VectorFormat.values()) {
            for (FeatureMode mode : FeatureMode.values()) {
                all.add(Arguments.of(format, mode, true));
                all.add(Arguments.of(format, mode, false));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1} merged={2}")
    @MethodSource("configurations")
    void searchesLookupsAndDeletesAgreeWithBruteForce(VectorFormat format, FeatureMode mode, boolean merged,
                                                      @TempDir Path dir) throws IOException {
        String where = format + " " + mode + (merged ? " merged" : " unmerged") + ", seed " + seed;
        SyntheticCorpus corpus = new SyntheticCorpus(seed, 8);
        Random random = new Random(seed);
        Map<String, ImageRecord> images = new HashMap<>();
        Map<String, TextRecord> texts = new HashMap<>();
        IndexSettings settings = SyntheticCorpus.settings(mode).withVectorFormat(format);
        try (CollectionIndexWriter writer = CollectionIndexWriter.open(dir, settings)) {
            for (int i = 0; i < IMAGES; i++) {
                String colour = random.nextBoolean() ? "red" : "blue";
                ImageRecord image = SyntheticCorpus.record("img-" + i, corpus.image(mode == FeatureMode.STORED),
                        "{\"colour\": \"" + colour + "\"}");
                images.put(image.id(), image);
                writer.putImage(image);
                if (!merged && i % SEGMENT == SEGMENT - 1) {
                    writer.refresh();
                }
            }
            for (int i = 0; i < TEXTS; i++) {
                TextRecord text = new TextRecord("txt-" + i, "text " + i, corpus.text(), null, null);
                texts.put(text.id(), text);
                writer.putText(text);
            }
            // deletes leave dead documents in the segments they hit unless a merge drops them
            for (String id : List.of("img-3", "img-" + (SEGMENT + 5), "img-" + (IMAGES - 1))) {
                writer.deleteImage(id);
                images.remove(id);
            }
            writer.deleteText("txt-0");
            texts.remove("txt-0");
            if (merged) {
                writer.forceMerge(1);
            }
        }
        assertEquals(merged ? 1 : IMAGES / SEGMENT + 1, segments(dir), where + ": the configuration under test");

        try (CollectionIndex index = CollectionIndex.open(dir)) {
            assertEquals(images.size(), index.imageCount(), where);
            assertEquals(texts.size(), index.textCount(), where);
            for (int q = 0; q < 5; q++) {
                float[] text = corpus.text();
                List<String> truth = ranking(images, r -> r.features().itc(text), 10);
                // every candidate gathered: the graph's format must not change the ranking or the scores
                for (SearchRequest request : List.of(SearchRequest.top(10).exactly(),
                        SearchRequest.top(10).withCandidates(IMAGES))) {
                    List<ImageHit> hits = index.searchImages(text, request);
                    assertEquals(truth, hits.stream().map(ImageHit::id).toList(), where + " " + request);
                    for (ImageHit hit : hits) {
                        assertEquals(images.get(hit.id()).features().itc(text), hit.score(), TOLERANCE, where);
                    }
                }
                SearchFilter red = SearchFilter.metadata("colour", "red");
                List<String> redTruth = ranking(filtered(images, "red"), r -> r.features().itc(text), 5);
                assertEquals(redTruth, index.searchImages(text, SearchRequest.top(5).withFilter(red).withCandidates(IMAGES))
                        .stream().map(ImageHit::id).toList(), where + ": filtered");
            }
            ImageRecord query = images.values().iterator().next();
            List<String> textTruth = texts.values().stream()
                    .sorted(Comparator.comparingDouble((TextRecord t) -> -query.features().itc(t.embedding()))
                            .thenComparing(TextRecord::id))
                    .limit(5).map(TextRecord::id).toList();
            assertEquals(textTruth, index.searchTexts(query.features(), SearchRequest.top(5).exactly()).stream()
                    .map(TextHit::id).toList(), where + ": image to texts");

            for (String gone : List.of("img-3", "img-" + (SEGMENT + 5), "img-" + (IMAGES - 1))) {
                assertTrue(index.findImage(gone).isEmpty(), where + ": " + gone + " was deleted");
                assertTrue(index.queryVectors(gone).isEmpty(), where);
            }
            assertTrue(index.findText("txt-0").isEmpty(), where);
            ImageHit found = index.findImage(query.id()).orElseThrow();
            assertArrayEquals(CollectionIndex.queryVectors(query.features()), index.queryVectors(query.id()).orElseThrow(),
                    where + ": the stored vectors are the indexed ones");
            if (mode == FeatureMode.STORED) {
                float[] tokens = index.imageTokens(found);
                float[] original = query.features().imageTokens();
                for (int i = 0; i < original.length; i++) {
                    // fp16: relative error below 2^-11
                    assertEquals(original[i], tokens[i], Math.abs(original[i]) / 1024 + 1e-4f, where + ": token " + i);
                }
            } else {
                assertThrows(IllegalStateException.class, () -> index.imageTokens(found), where);
            }
            List<String> visited = new ArrayList<>();
            index.forEachImage(hit -> visited.add(hit.id()));
            assertEquals(images.size(), visited.size(), where + ": each live image once");
            assertEquals(images.keySet(), Set.copyOf(visited), where + ": iteration sees the live images only");
        }
    }

    private interface Score {
        double of(ImageRecord image);
    }

    private static List<String> ranking(Map<String, ImageRecord> images, Score score, int k) {
        return images.values().stream()
                .sorted(Comparator.comparingDouble((ImageRecord r) -> -score.of(r)).thenComparing(ImageRecord::id))
                .limit(k).map(ImageRecord::id).toList();
    }

    private static Map<String, ImageRecord> filtered(Map<String, ImageRecord> images, String colour) {
        Map<String, ImageRecord> out = new HashMap<>();
        images.forEach((id, r) -> {
            if (r.metadataJson().contains("\"" + colour + "\"")) {
                out.put(id, r);
            }
        });
        return out;
    }

    private static int segments(Path dir) throws IOException {
        try (FSDirectory lucene = FSDirectory.open(new IndexPaths(dir).lucene());
             DirectoryReader reader = DirectoryReader.open(lucene)) {
            return reader.leaves().size();
        }
    }
}
