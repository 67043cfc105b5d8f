package org.qsearch.indexer;

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

    @TempDir
    Path dir;

    @Test
    void recallAtTenWithOverFetch() throws IOException {
        SyntheticCorpus corpus = new SyntheticCorpus(42, 300);
        try (ImageIndexWriter writer = ImageIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.RECOMPUTE))) {
            for (ImageRecord image : SyntheticCorpus.images(corpus, IMAGES, false)) {
                writer.putImage(image);
            }
            writer.commit();
            writer.refresh();
            ImageIndexSearcher searcher = writer.searcher();
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
}
