package org.qsearch.index;

import org.apache.lucene.util.VectorUtil;
import org.qsearch.encoder.ImageFeatures;

/**
 * Which of an image's query vectors enter the HNSW graph. The others are still indexed (with
 * all of the image's vectors, on its parent document: see {@link IndexSchema}) and count in
 * every exact score: leaving a vector out only
 * changes which images the graph can find, never a score.
 *
 * <p>Why leave vectors out: HNSW gets trapped among many near-identical vectors (their links
 * point at each other and none leads out), and a text query is drawn to them. Two kinds are left
 * out. A vector near its query's mean ({@link QueryMeans}, cosine at least
 * {@link IndexSettings#graphMeanCosine}): every image has one about as good for any text, so it
 * rarely decides a ranking, and collapsed queries make thousands of them. A vector near one of
 * its own image's vectors already in the graph (cosine at least
 * {@link IndexSettings#graphDedupeCosine}): the image stays reachable through that one. Each
 * image keeps at least one vector in the graph, its furthest from the mean, so that every image
 * can be found.
 */
public final class GraphMembership {
    private GraphMembership() {}

    /** {@code result[q]}: whether query vector q of {@code image} enters the graph. */
    public static boolean[] of(ImageFeatures image, IndexSettings settings) {
        QueryMeans means = settings.queryMeans();
        float[][] vectors = new float[image.numQueries()][];
        boolean[] inGraph = new boolean[vectors.length];
        int furthest = 0;
        float furthestCosine = Float.POSITIVE_INFINITY;
        boolean any = false;
        for (int q = 0; q < vectors.length; q++) {
            vectors[q] = image.query(q);
            float meanCosine = means.none() ? 0 : means.cosine(q, vectors[q]);
            if (meanCosine < furthestCosine) {
                furthest = q;
                furthestCosine = meanCosine;
            }
            inGraph[q] = !atLeast(meanCosine, settings.graphMeanCosine())
                    && !nearAnEarlierOne(vectors, q, inGraph, settings.graphDedupeCosine());
            any |= inGraph[q];
        }
        if (!any) {
            inGraph[furthest] = true;
        }
        return inGraph;
    }

    /** A threshold of 1 leaves nothing out, whatever rounding does to the cosine of equal vectors. */
    private static boolean atLeast(float cosine, double threshold) {
        return threshold < 1 && cosine >= threshold;
    }

    private static boolean nearAnEarlierOne(float[][] vectors, int q, boolean[] inGraph, double threshold) {
        for (int earlier = 0; earlier < q; earlier++) {
            // the vectors are normalized, so the dot product is the cosine
            if (inGraph[earlier] && atLeast(VectorUtil.dotProduct(vectors[q], vectors[earlier]), threshold)) {
                return true;
            }
        }
        return false;
    }
}
