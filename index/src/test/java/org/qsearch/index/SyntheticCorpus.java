package org.qsearch.index;

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
    private static final float COLLAPSED_PULL = 0.2f;

    private final Random random;
    private final float[][] centres;
    private final List<Integer> collapsedQueries;
    private final float[] collapsed;

    SyntheticCorpus(long seed, int clusters) {
        this(seed, clusters, List.of());
    }

    /**
     * @param collapsedQueries queries that give almost the same vector for every image, as some
     *                         learned queries of a trained Q-Former do
     */
    SyntheticCorpus(long seed, int clusters, List<Integer> collapsedQueries) {
        random = new Random(seed);
        centres = new float[clusters][];
        for (int c = 0; c < clusters; c++) {
            centres[c] = noisy(new float[DIM], 1f);
        }
        this.collapsedQueries = collapsedQueries;
        collapsed = noisy(new float[DIM], 1f);
    }

    /** The vector the collapsed queries give (before their small per-image noise). */
    float[] collapsedVector() {
        return collapsed.clone();
    }

    static IndexSettings settings(FeatureMode mode) {
        return new IndexSettings(VectorFormat.FLOAT32, 16, 100, QueryMeans.NONE, IndexSettings.DEFAULT_GRAPH_MEAN_COSINE,
                IndexSettings.DEFAULT_GRAPH_DEDUPE_COSINE, mode, QUERIES, DIM, TOKENS, WIDTH);
    }

    /** An image near a random concept; image tokens only when {@code withTokens} (they cost 7104 floats). */
    ImageFeatures image(boolean withTokens) {
        float[] imageCentre = noisy(centres[random.nextInt(centres.length)], 0.12f);
        float[] queries = new float[QUERIES * DIM];
        for (int q = 0; q < QUERIES; q++) {
            float[] vector = collapsedQueries.contains(q) ? noisy(collapsed, 0.01f) : noisy(imageCentre, 0.08f);
            System.arraycopy(vector, 0, queries, q * DIM, DIM);
        }
        float[] tokens = new float[withTokens ? TOKENS * WIDTH : 0];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (float) (random.nextGaussian() * 3);
        }
        return new ImageFeatures(tokens, queries, QUERIES, DIM);
    }

    /**
     * A text embedding near a random concept. With collapsed queries, texts also lean towards
     * the collapsed vector, as the tiny model's do (they score its collapsed queries higher than
     * any other query on average): what lures a graph search into them.
     */
    float[] text() {
        float[] text = noisy(centres[random.nextInt(centres.length)], 0.2f);
        if (!collapsedQueries.isEmpty()) {
            for (int e = 0; e < DIM; e++) {
                text[e] += COLLAPSED_PULL * collapsed[e];
            }
            text = noisy(text, 0f);
        }
        return text;
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
