package org.qsearch.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.ImageFeatures;

/** Vectors kept out of the HNSW graph: who is left out, and that they still count everywhere a score is exact. */
class GraphMembershipTest {
    private static final List<Integer> COLLAPSED = List.of(11, 12, 13, 18);
    private static final int IMAGES = 200;

    @TempDir
    Path dir;

    private static List<ImageFeatures> features(List<ImageRecord> images) {
        return images.stream().map(ImageRecord::features).toList();
    }

    @Test
    void nearMeanVectorsAndNearDuplicateSiblingsStayOut() {
        SyntheticCorpus corpus = new SyntheticCorpus(3, 4, COLLAPSED);
        QueryMeans means = QueryMeans.of(features(SyntheticCorpus.images(corpus, 64, false)));
        float[] queries = corpus.image(false).queryEmbeds().clone();
        int dim = SyntheticCorpus.DIM;
        System.arraycopy(queries, 2 * dim, queries, 5 * dim, dim); // query 5 repeats query 2
        System.arraycopy(queries, 11 * dim, queries, 20 * dim, dim); // query 20 repeats 11, which is out
        ImageFeatures image = new ImageFeatures(new float[0], queries, SyntheticCorpus.QUERIES, dim);
        IndexSettings settings = SyntheticCorpus.settings(FeatureMode.RECOMPUTE).withGraph(means, 0.9, 0.98);

        boolean[] inGraph = GraphMembership.of(image, settings);
        for (int q = 0; q < inGraph.length; q++) {
            assertEquals(!COLLAPSED.contains(q) && q != 5, inGraph[q], "query " + q);
        }
        for (boolean in : GraphMembership.of(image, settings.withGraph(means, 1, 1))) {
            assertTrue(in, "cosines of 1 put every vector in the graph");
        }
    }

    @Test
    void anImageWhollyNearTheMeansKeepsItsFurthestVector() {
        SyntheticCorpus corpus = new SyntheticCorpus(3, 4, COLLAPSED);
        QueryMeans means = QueryMeans.of(features(SyntheticCorpus.images(corpus, 64, false)));
        float[][] rows = means.vectors();
        float[] queries = new float[SyntheticCorpus.QUERIES * SyntheticCorpus.DIM];
        for (int q = 0; q < rows.length; q++) {
            System.arraycopy(rows[q], 0, queries, q * SyntheticCorpus.DIM, SyntheticCorpus.DIM);
        }
        // query 7 a little off its mean: still near it, but the furthest
        float[] off = rows[7].clone();
        off[0] += 0.3f;
        float norm = (float) Math.sqrt(VectorUtil.dotProduct(off, off));
        for (int e = 0; e < off.length; e++) {
            queries[7 * SyntheticCorpus.DIM + e] = off[e] / norm;
        }
        ImageFeatures image = new ImageFeatures(new float[0], queries, SyntheticCorpus.QUERIES, SyntheticCorpus.DIM);
        boolean[] inGraph = GraphMembership.of(image, SyntheticCorpus.settings(FeatureMode.RECOMPUTE).withGraph(means, 0.9, 1));
        for (int q = 0; q < inGraph.length; q++) {
            assertEquals(q == 7, inGraph[q], "query " + q);
        }
    }

    @Test
    void offGraphVectorsCountInExactScoresAndLookups() throws IOException {
        SyntheticCorpus corpus = new SyntheticCorpus(11, 20, COLLAPSED);
        List<ImageRecord> images = SyntheticCorpus.images(corpus, IMAGES, false);
        IndexSettings settings = SyntheticCorpus.settings(FeatureMode.RECOMPUTE)
                .withGraph(QueryMeans.of(features(images)), 0.9, 0.98);
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, settings)) {
            for (int i = 0; i < images.size(); i++) {
                writer.putImage(images.get(i));
                if (i == IMAGES / 2) {
                    writer.refresh(); // two segments
                }
            }
            writer.refresh();
            LuceneIndex searcher = writer.index();
            // a text that matches the collapsed vector best: every image's best query is off the graph
            float[] text = corpus.collapsedVector();
            List<String> truth = SyntheticCorpus.exactImageRanking(images, text, 10);
            for (SearchRequest request : List.of(SearchRequest.top(10).exactly(), SearchRequest.top(10).withCandidates(IMAGES))) {
                List<ImageHit> hits = searcher.searchImages(text, request);
                assertEquals(truth, hits.stream().map(ImageHit::id).toList(), request.toString());
                for (ImageHit hit : hits) {
                    ImageFeatures features = images.get(Integer.parseInt(hit.id().substring(4))).features();
                    assertEquals(features.itc(text), hit.score(), 1e-5f, "exact score of " + hit.id());
                    assertTrue(COLLAPSED.contains(hit.bestQueryIndex()), "best query of " + hit.id() + ": " + hit.bestQueryIndex());
                    assertBestOf(features, new float[][] {text}, hit);
                }
            }
            ImageRecord some = images.get(17);
            float[][] stored = searcher.queryVectors(some.id()).orElseThrow();
            for (int q = 0; q < SyntheticCorpus.QUERIES; q++) {
                assertArrayEquals(some.features().query(q), stored[q], "query vector " + q);
            }
        }
        try (LuceneIndex reopened = LuceneIndex.open(dir)) {
            assertEquals(settings, reopened.settings(), "the means are recorded with the index");
        }
        assertThrows(IndexSettingsConflictException.class,
                () -> LuceneIndexWriter.open(dir, settings.withGraph(QueryMeans.NONE, 0.9, 0.98)));
    }

    /**
     * Every image's score is the max of its dot products and its best query index the first
     * vector that reaches it, bit for bit, whichever of its vectors the graph holds: here each
     * text is one image's vector q (a different q per text, in the graph or not), so a wrong row
     * order, a missed row or a dropped off-graph vector moves the score or the index.
     */
    @Test
    void scoresAndBestQueryIndexesAreExactForEveryQueryIndex() throws IOException {
        SyntheticCorpus corpus = new SyntheticCorpus(17, 20, COLLAPSED);
        List<ImageRecord> images = new ArrayList<>(SyntheticCorpus.images(corpus, IMAGES, false));
        // an image whose query 9 repeats query 3: a tie, which the first of the two wins
        float[] tied = images.get(5).features().queryEmbeds().clone();
        System.arraycopy(tied, 3 * SyntheticCorpus.DIM, tied, 9 * SyntheticCorpus.DIM, SyntheticCorpus.DIM);
        images.set(5, SyntheticCorpus.record("img-5", new ImageFeatures(new float[0], tied, SyntheticCorpus.QUERIES,
                SyntheticCorpus.DIM), null));
        IndexSettings settings = SyntheticCorpus.settings(FeatureMode.RECOMPUTE)
                .withGraph(QueryMeans.of(features(images)), 0.9, 0.98);
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, settings)) {
            for (int i = 0; i < images.size(); i++) {
                writer.putImage(images.get(i));
                if (i % 70 == 69) {
                    writer.refresh(); // several segments
                }
            }
            writer.refresh();
            LuceneIndex searcher = writer.index();
            int checked = 0;
            for (int q = 0; q < SyntheticCorpus.QUERIES; q++) {
                ImageRecord target = images.get(5 + 6 * q);
                float[] text = target.features().query(q);
                for (SearchRequest request : List.of(SearchRequest.top(5).exactly(), SearchRequest.top(5).withCandidates(IMAGES))) {
                    List<ImageHit> hits = searcher.searchImages(text, request);
                    assertEquals(target.id(), hits.get(0).id(), "query " + q + ", " + request);
                    for (ImageHit hit : hits) {
                        assertBestOf(images.get(Integer.parseInt(hit.id().substring(4))).features(), new float[][] {text}, hit);
                        checked++;
                    }
                }
                int expected = q == 9 && target.id().equals("img-5") ? 3 : q;
                assertEquals(expected, searcher.searchImages(text, SearchRequest.top(1).exactly()).get(0).bestQueryIndex());
            }
            // image to images: several query vectors at once
            ImageFeatures query = images.get(42).features();
            for (ImageHit hit : searcher.searchSimilarImages(query, SearchRequest.top(10).exactly())) {
                float[][] queries = new float[query.numQueries()][];
                for (int q = 0; q < queries.length; q++) {
                    queries[q] = query.query(q);
                }
                assertBestOf(images.get(Integer.parseInt(hit.id().substring(4))).features(), queries, hit);
                checked++;
            }
            assertTrue(checked > 300, "checked " + checked);
        }
    }

    /** Max over the image's vectors (outer, in query order) and the queries of VectorUtil's dot product; first wins. */
    private static void assertBestOf(ImageFeatures image, float[][] queries, ImageHit hit) {
        float best = Float.NEGATIVE_INFINITY;
        int bestQuery = -1;
        for (int q = 0; q < image.numQueries(); q++) {
            for (float[] query : queries) {
                float dot = VectorUtil.dotProduct(query, image.query(q));
                if (dot > best) {
                    best = dot;
                    bestQuery = q;
                }
            }
        }
        assertEquals(best, hit.score(), 0f, "score of " + hit.id());
        assertEquals(bestQuery, hit.bestQueryIndex(), "best query index of " + hit.id());
    }

    @Test
    void settingsRejectMeansOfAnotherShapeAndCosinesOutOfRange() {
        IndexSettings settings = SyntheticCorpus.settings(FeatureMode.RECOMPUTE);
        QueryMeans narrow = new QueryMeans(new float[SyntheticCorpus.QUERIES][SyntheticCorpus.DIM - 1]);
        assertThrows(IllegalArgumentException.class, () -> settings.withGraph(narrow, 0.9, 0.98));
        assertThrows(IllegalArgumentException.class, () -> settings.withGraph(QueryMeans.NONE, 0, 0.98));
        assertThrows(IllegalArgumentException.class, () -> settings.withGraph(QueryMeans.NONE, 0.9, 1.01));
    }
}
