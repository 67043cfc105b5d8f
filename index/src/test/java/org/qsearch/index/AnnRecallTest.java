package org.qsearch.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HNSW with over-fetch and exact rescoring, against exact search on a clustered set large enough for a real graph. */
class AnnRecallTest {
    private static final int IMAGES = 1500;
    private static final int QUERIES = 40;
    private static final int COLLAPSED_IMAGES = 800;
    private static final double ONE_SEGMENT_RAM_MB = 256;

    @TempDir
    Path dir;

    @Test
    void recallAtTenWithOverFetch() throws IOException {
        SyntheticCorpus corpus = new SyntheticCorpus(42, 300);
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.RECOMPUTE))) {
            for (ImageRecord image : SyntheticCorpus.images(corpus, IMAGES, false)) {
                writer.putImage(image);
            }
            writer.commit();
            writer.refresh();
            LuceneIndex searcher = writer.index();
            List<float[]> texts = Stream.generate(corpus::text).limit(QUERIES).toList();
            double[] recalls = new double[3];
            int[] candidates = {10, 50, 100};
            for (float[] text : texts) {
                List<ImageHit> exact = searcher.searchImages(text, SearchRequest.top(10).exactly());
                Set<String> truth = new HashSet<>(exact.stream().map(ImageHit::id).toList());
                for (int c = 0; c < candidates.length; c++) {
                    List<ImageHit> approximate = searcher.searchImages(text, SearchRequest.top(10).withCandidates(candidates[c]));
                    assertEquals(10, approximate.size());
                    recalls[c] += approximate.stream().filter(h -> truth.contains(h.id())).count() / 10.0 / QUERIES;
                    // rescoring makes every returned score exact, whatever the graph found
                    for (ImageHit hit : approximate) {
                        exact.stream().filter(e -> e.id().equals(hit.id()))
                                .forEach(e -> assertEquals(e.score(), hit.score(), 1e-6));
                    }
                }
            }
            System.out.printf("ANN recall@10 over %d images x 32 vectors (300 concepts, float32, M=16, beam 100): k'=10 %.3f, k'=50 %.3f, k'=100 %.3f%n",
                    IMAGES, recalls[0], recalls[1], recalls[2]);
            assertTrue(recalls[2] >= 0.8, "recall@10 with k'=100: " + recalls[2]);
            assertTrue(recalls[2] >= recalls[0], "over-fetching does not hurt");
        }
    }

    /**
     * Collapsed queries (one near-constant vector per image) trap HNSW among thousands of
     * near-identical vectors; keeping the vectors near their query's mean out of the graph frees it.
     */
    @Test
    void nearMeanVectorsOutOfTheGraphRestoreRecall() throws IOException {
        List<Integer> collapsed = List.of(11, 12, 13, 14, 15, 16, 18);
        double inGraph = recallAtTen(dir.resolve("all"), false, collapsed, 100);
        double offGraph = recallAtTen(dir.resolve("off"), true, collapsed, 100);
        System.out.printf("ANN recall@10, k'=100, 7 of 32 queries collapsed: all in the graph %.3f, near-mean ones out %.3f%n",
                inGraph, offGraph);
        assertTrue(offGraph >= 0.9, "recall with the near-mean vectors out of the graph: " + offGraph);
        assertTrue(offGraph > inGraph + 0.1, "out " + offGraph + " vs in " + inGraph);
    }

    /** @param nearMeanOut keep the vectors near their query's mean (over the first 256 images) out of the graph, or none */
    private static double recallAtTen(Path index, boolean nearMeanOut, List<Integer> collapsed, int candidates)
            throws IOException {
        SyntheticCorpus corpus = new SyntheticCorpus(42, 300, collapsed);
        List<ImageRecord> images = SyntheticCorpus.images(corpus, COLLAPSED_IMAGES, false);
        QueryMeans means = nearMeanOut
                ? QueryMeans.of(images.subList(0, QueryMeans.SAMPLE_SIZE).stream().map(ImageRecord::features).toList())
                : QueryMeans.NONE;
        IndexSettings settings = SyntheticCorpus.settings(FeatureMode.RECOMPUTE)
                .withGraph(means, nearMeanOut ? IndexSettings.DEFAULT_GRAPH_MEAN_COSINE : 1, 1);
        // one segment (one graph) whatever an image costs in the indexing buffer: more segments
        // mean smaller graphs, which trap a search less and blur the comparison
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(index, settings, LuceneIndexWriter.DEFAULT_MAX_FEATURE_FILE_BYTES,
                ONE_SEGMENT_RAM_MB)) {
            for (ImageRecord image : images) {
                writer.putImage(image);
            }
            writer.refresh();
            double recall = 0;
            for (int t = 0; t < QUERIES; t++) {
                float[] text = corpus.text();
                Set<String> truth = new HashSet<>(ids(writer.index().searchImages(text, SearchRequest.top(10).exactly())));
                List<String> found = ids(writer.index().searchImages(text, SearchRequest.top(10).withCandidates(candidates)));
                recall += found.stream().filter(truth::contains).count() / 10.0 / QUERIES;
            }
            return recall;
        }
    }

    private static List<String> ids(List<ImageHit> hits) {
        return hits.stream().map(ImageHit::id).toList();
    }
}
