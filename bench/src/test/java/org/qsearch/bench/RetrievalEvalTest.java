package org.qsearch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.index.FeatureMode;
import org.qsearch.indexer.TestCollections;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.SearchCollection;
import org.qsearch.search.SearchPipeline;
import org.qsearch.index.LocalIndexLocation;

/**
 * The eval through the pipeline against the protocol of tools/tinyblip/retrieval.py computed
 * here by brute force: the full ITC matrix, ranks by "strictly greater", LAVIS fusion on the top k.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetrievalEvalTest {
    private static final int RERANK = 5;

    private SearchCollection collection;
    private SearchPipeline pipeline;
    private final List<GroundTruthPairs.Pair> pairs = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();

    @BeforeAll
    void build(@TempDir Path tmp) throws IOException {
        try (Blip2Encoder encoder = TestCollections.encoder()) {
            TestCollections.indexFruit(encoder, tmp.resolve("fruit"), tmp.resolve("index"), FeatureMode.STORED, Map.of(),
                    TestCollections.Names.CAPTIONS);
        }
        collection = SearchCollection.open(TestCollections.bundle(), TestCollections.encoderOptions(), new LocalIndexLocation(tmp.resolve("index")),
                tmp.resolve("fruit"), false, PipelineSettings.defaults());
        pipeline = collection.pipeline();
        TestCollections.FRUIT.forEach((stem, name) -> {
            pairs.add(new GroundTruthPairs.Pair(stem + ".png", name));
            ids.add(stem);
        });
    }

    @AfterAll
    void close() throws IOException {
        collection.close();
    }

    @Test
    void itcAndRerankRecallMatchTheBruteForceProtocol() throws IOException {
        int n = pairs.size();
        Blip2Encoder encoder = collection.encoder();
        double[][] sim = new double[n][n]; // [image][text]
        float[][] texts = new float[n][];
        for (int t = 0; t < n; t++) {
            texts[t] = encoder.encodeTexts(List.of(pairs.get(t).text()))[0];
        }
        List<float[]> tokens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[][] q = collection.index().queryVectors(ids.get(i)).orElseThrow();
            float[] flat = new float[q.length * q[0].length];
            for (int j = 0; j < q.length; j++) {
                System.arraycopy(q[j], 0, flat, j * q[0].length, q[0].length);
            }
            ImageFeatures image = new ImageFeatures(null, flat, q.length, q[0].length);
            for (int t = 0; t < n; t++) {
                sim[i][t] = image.itc(texts[t]);
            }
            tokens.add(collection.index().imageTokens(pipeline.image(ids.get(i)).orElseThrow()));
        }
        double[][] t2i = transpose(sim);
        Map<String, Double> expected = new LinkedHashMap<>();
        recall(expected, "t2i", t2i);
        recall(expected, "i2t", sim);
        RetrievalEval eval = new RetrievalEval(collection, true);
        assertEquals(expected, eval.recall(pairs, 0));

        double weight = encoder.bundle().rerankDefaults().itmWeight(); // the LAVIS fusion's, from bundle.json
        Map<String, Double> fused = new LinkedHashMap<>();
        recall(fused, "t2i", rerank(t2i, weight, (row, col) -> encoder.itmLogits(List.of(tokens.get(col)),
                List.of(pairs.get(row).text()))[0][1]));
        recall(fused, "i2t", rerank(sim, weight, (row, col) -> encoder.itmLogits(List.of(tokens.get(row)),
                List.of(pairs.get(col).text()))[0][1]));
        assertEquals(fused, eval.recall(pairs, RERANK));
    }

    @Test
    void pairsFileErrorsNameTheLine(@TempDir Path tmp) throws IOException {
        Path bad = Files.writeString(tmp.resolve("pairs.jsonl"), "{\"image\": \"a.png\", \"text\": \"a\"}\n{\"image\": \"b.png\"}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GroundTruthPairs.read(bad));
        assertEquals(bad + ":2: want {\"image\": URI, \"text\": TEXT}", e.getMessage());
        List<GroundTruthPairs.Pair> unknown = List.of(new GroundTruthPairs.Pair("nowhere.png", "pear"));
        assertThrows(IllegalArgumentException.class, () -> new RetrievalEval(collection, true).recall(unknown, 0));
    }

    private interface ItmLogit {
        double of(int row, int col);
    }

    /** retrieval.py's rerank: top k of each row get sim + weight x ITM class-1 logit, the rest sim - 1e4. */
    private static double[][] rerank(double[][] sim, double weight, ItmLogit itm) {
        double[][] out = new double[sim.length][];
        for (int r = 0; r < sim.length; r++) {
            out[r] = new double[sim[r].length];
            Integer[] order = new Integer[sim[r].length];
            for (int c = 0; c < order.length; c++) {
                order[c] = c;
                out[r][c] = sim[r][c] - 1e4;
            }
            final int row = r;
            java.util.Arrays.sort(order, (a, b) -> Double.compare(sim[row][b], sim[row][a]));
            for (int j = 0; j < RERANK; j++) {
                out[r][order[j]] = sim[r][order[j]] + weight * itm.of(r, order[j]);
            }
        }
        return out;
    }

    /** retrieval.py's recall: the right column of row i is i; rank = columns scored strictly higher. */
    private static void recall(Map<String, Double> out, String direction, double[][] sim) {
        for (int k : RetrievalEval.CUTOFFS) {
            int hits = 0;
            for (int i = 0; i < sim.length; i++) {
                int rank = 0;
                for (double s : sim[i]) {
                    rank += s > sim[i][i] ? 1 : 0;
                }
                hits += rank < k ? 1 : 0;
            }
            out.put(direction + "_r" + k, Math.round(10000.0 * hits / sim.length) / 10000.0);
        }
    }

    private static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }
}
