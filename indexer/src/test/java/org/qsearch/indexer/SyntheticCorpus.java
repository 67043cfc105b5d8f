package org.qsearch.indexer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.qsearch.encoder.ImageFeatures;

/**
 * Deterministic stand-in for encoder output, shaped like the tiny bundle (32 queries x 64, 37 x 192
 * tokens). Vectors are clustered (images and texts of one concept sit near one centre, each
 * image's 32 queries near the image's own centre) so HNSW behaves as on real embeddings rather
 * than on uniform noise, where every neighbour is equally far.
 */
final class SyntheticCorpus {
    static final int QUERIES = 32;
    static final int DIM = 64;
    static final int TOKENS = 37;
    static final int WIDTH = 192;

    private final Random random;
    private final float[][] centres;

    SyntheticCorpus(long seed, int clusters) {
        random = new Random(seed);
        centres = new float[clusters][];
        for (int c = 0; c < clusters; c++) {
            centres[c] = noisy(new float[DIM], 1f);
        }
    }

    static IndexSettings settings(FeatureMode mode) {
        return new IndexSettings(VectorFormat.FLOAT32, 16, 100, mode, QUERIES, DIM, TOKENS, WIDTH);
    }

    /** An image near a random concept; image tokens only when {@code withTokens} (they cost 7104 floats). */
    ImageFeatures image(boolean withTokens) {
        float[] imageCentre = noisy(centres[random.nextInt(centres.length)], 0.12f);
        float[] queries = new float[QUERIES * DIM];
        for (int q = 0; q < QUERIES; q++) {
            System.arraycopy(noisy(imageCentre, 0.08f), 0, queries, q * DIM, DIM);
        }
        float[] tokens = new float[withTokens ? TOKENS * WIDTH : 0];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (float) (random.nextGaussian() * 3);
        }
        return new ImageFeatures(tokens, queries, QUERIES, DIM);
    }

    /** A text embedding near a random concept. */
    float[] text() {
        return noisy(centres[random.nextInt(centres.length)], 0.2f);
    }

    static ImageRecord record(String id, ImageFeatures features, String metadataJson) {
        return new ImageRecord(id, "images/" + id + ".png", "0".repeat(64), 64, 48, List.of("caption of " + id),
                null, metadataJson, Instant.ofEpochMilli(1_700_000_000_000L), features);
    }

    /** Exact text-to-image ranking straight from {@link ImageFeatures#itc}: the ground truth. */
    static List<String> exactImageRanking(List<ImageRecord> images, float[] text, int k) {
        return images.stream()
                .sorted(Comparator.comparingDouble((ImageRecord r) -> -r.features().itc(text)))
                .limit(k).map(ImageRecord::id).toList();
    }

    /** Max over the queries of dot products with every candidate vector, by plain loops. */
    static float maxDot(float[] queries, float[] candidates) {
        float best = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < queries.length / DIM; q++) {
            for (int c = 0; c < candidates.length / DIM; c++) {
                float dot = 0;
                for (int e = 0; e < DIM; e++) {
                    dot += queries[q * DIM + e] * candidates[c * DIM + e];
                }
                best = Math.max(best, dot);
            }
        }
        return best;
    }

    private float[] noisy(float[] centre, float sigma) {
        float[] v = new float[DIM];
        double norm = 0;
        for (int e = 0; e < DIM; e++) {
            v[e] = centre[e] + (float) (random.nextGaussian() * sigma);
            norm += v[e] * v[e];
        }
        float inverse = (float) (1 / Math.sqrt(norm));
        for (int e = 0; e < DIM; e++) {
            v[e] *= inverse;
        }
        return v;
    }

    static List<ImageRecord> images(SyntheticCorpus corpus, int n, boolean withTokens) {
        List<ImageRecord> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            images.add(record("img-" + i, corpus.image(withTokens), null));
        }
        return images;
    }
}
