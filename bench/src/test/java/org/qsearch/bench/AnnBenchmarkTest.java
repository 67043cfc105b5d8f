package org.qsearch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.index.FeatureMode;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.QueryMeans;
import org.qsearch.index.VectorFormat;

/** The benchmark's own bookkeeping, on random vectors (no timing is checked). */
class AnnBenchmarkTest {
    private static final int IMAGES = 60;
    private static final int QUERIES = 4;
    private static final int DIM = 8;
    private static final int K = 5;

    @TempDir
    Path dir;

    @Test
    void fetchingEveryImageFindsTheExactTopK() throws Exception {
        Random random = new Random(3);
        List<ImageFeatures> images = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            float[] vectors = new float[QUERIES * DIM];
            for (int q = 0; q < QUERIES; q++) {
                System.arraycopy(unit(random), 0, vectors, q * DIM, DIM);
            }
            images.add(new ImageFeatures(new float[0], vectors, QUERIES, DIM));
        }
        float[][] texts = {unit(random), unit(random), unit(random)};
        IndexSettings settings = new IndexSettings(VectorFormat.FLOAT32, 16, 100, QueryMeans.NONE, 1, 1,
                FeatureMode.RECOMPUTE, QUERIES, DIM, 1, 1);

        List<AnnBenchmark.Row> rows = new AnnBenchmark(images, texts, K, 2, 0).run("all", settings, dir, new int[] {1, IMAGES / K});

        assertEquals(2, rows.size());
        assertEquals(1.0, rows.get(1).recall(), 1e-9, "k' = every image: the exact top k");
        for (AnnBenchmark.Row row : rows) {
            assertTrue(row.recall() >= 0 && row.recall() <= 1);
            assertTrue(row.diskBytesPerImage() > 0 && row.ramBytesPerImage() > 0, row.toString());
            assertTrue(row.ramBytesPerImage() < row.diskBytesPerImage(), row.toString());
        }
    }

    private static float[] unit(Random random) {
        float[] v = new float[DIM];
        double norm = 0;
        for (int e = 0; e < DIM; e++) {
            v[e] = (float) random.nextGaussian();
            norm += v[e] * v[e];
        }
        for (int e = 0; e < DIM; e++) {
            v[e] /= (float) Math.sqrt(norm);
        }
        return v;
    }
}
