package org.qsearch.index;

import java.util.Arrays;
import java.util.List;
import org.apache.lucene.util.VectorUtil;
import org.qsearch.encoder.ImageFeatures;

/**
 * The usual direction of each learned query over a collection: the normalized mean of its
 * vectors over a sample of images (a zero vector when they cancel out). A vector close to its
 * query's mean scores about the same as every other image's vector of that query for any text,
 * so it does little to set its image apart; {@link GraphMembership} keeps such vectors out of the
 * graph. A collapsed query (one that gives nearly the same vector for every image, as 7 of the
 * tiny model's 32 do) has all its vectors there.
 *
 * @param vectors numQueries x embedDim, or none at all (no means: every vector counts as far)
 */
public record QueryMeans(float[][] vectors) {
    public static final QueryMeans NONE = new QueryMeans(new float[0][]);
    /**
     * Images per sample. Over 1,000 uniform samples of 256 of the 1,908 held-out images, the mean of
     * every query whose vectors share a direction (mean length at least 0.5: 30 of 32) stayed within
     * cosine 0.99 of the mean over all of them; the two spread-out queries' means wander more (0.93)
     * but none of their vectors comes near them anyway. The sample must be uniform: in a folder
     * sorted by name, neighbours are alike.
     */
    public static final int SAMPLE_SIZE = 256;

    public QueryMeans {
        vectors = Arrays.stream(vectors).map(float[]::clone).toArray(float[][]::new);
    }

    public static QueryMeans of(List<ImageFeatures> sample) {
        if (sample.isEmpty()) {
            return NONE;
        }
        ImageFeatures first = sample.getFirst();
        float[][] means = new float[first.numQueries()][first.embedDim()];
        for (ImageFeatures image : sample) {
            for (int q = 0; q < means.length; q++) {
                float[] vector = image.query(q);
                for (int e = 0; e < vector.length; e++) {
                    means[q][e] += vector[e];
                }
            }
        }
        for (float[] mean : means) {
            float norm = (float) Math.sqrt(VectorUtil.dotProduct(mean, mean));
            for (int e = 0; e < mean.length; e++) {
                mean[e] = norm == 0 ? 0 : mean[e] / norm;
            }
        }
        return new QueryMeans(means);
    }

    public boolean none() {
        return vectors.length == 0;
    }

    /** The cosine of query {@code q}'s normalized {@code vector} with that query's mean. */
    float cosine(int q, float[] vector) {
        return VectorUtil.dotProduct(vectors[q], vector);
    }

    @Override
    public float[][] vectors() {
        return Arrays.stream(vectors).map(float[]::clone).toArray(float[][]::new);
    }

    boolean fits(int numQueries, int embedDim) {
        return none() || (vectors.length == numQueries && Arrays.stream(vectors).allMatch(v -> v.length == embedDim));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QueryMeans other && Arrays.deepEquals(vectors, other.vectors);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(vectors);
    }

    @Override
    public String toString() {
        return none() ? "QueryMeans[none]" : "QueryMeans[" + vectors.length + " x " + vectors[0].length + "]";
    }
}
