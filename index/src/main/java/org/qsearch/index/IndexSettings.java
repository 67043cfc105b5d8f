package org.qsearch.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.encoder.ModelBundle;

/**
 * The options an index is created with. They are recorded beside the index at creation and
 * every later open must agree with them: a graph built with one format or model cannot be read
 * as another.
 *
 * @param queryMeans         each query's usual direction in this collection, or none (see {@link GraphMembership})
 * @param graphMeanCosine    a vector whose cosine to its query's mean is at least this stays out of the graph;
 *                           1 keeps every vector in
 * @param graphDedupeCosine  a vector whose cosine to an earlier in-graph vector of the same image is at least this
 *                           stays out of the graph; 1 keeps every vector in
 * @param numQueries         ITC query vectors per image (32 for BLIP-2)
 * @param embedDim           ITC embedding width
 * @param tokens             trunk tokens per image (T)
 * @param visionWidth        trunk width (Dv)
 */
public record IndexSettings(VectorFormat vectorFormat, int hnswM, int hnswBeamWidth, QueryMeans queryMeans,
                            double graphMeanCosine, double graphDedupeCosine, FeatureMode featureMode,
                            int numQueries, int embedDim, int tokens, int visionWidth) {

    public static final int DEFAULT_HNSW_M = Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN;
    public static final int DEFAULT_HNSW_BEAM_WIDTH = Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH;
    /** Both chosen by measurement on the tiny model's held-out images: see the bulk indexing section of docs/benchmarks.md. */
    public static final double DEFAULT_GRAPH_MEAN_COSINE = 0.85;
    public static final double DEFAULT_GRAPH_DEDUPE_COSINE = 0.98;
    private static final float NORM_TOLERANCE = 1e-2f;

    public IndexSettings {
        if (vectorFormat == null || featureMode == null || queryMeans == null) {
            throw new IllegalArgumentException("vectorFormat, featureMode and queryMeans are required");
        }
        if (hnswM < 1 || hnswM > Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN) {
            throw new IllegalArgumentException("hnswM must be in 1.." + Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN + ": " + hnswM);
        }
        if (hnswBeamWidth < 1 || hnswBeamWidth > Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH) {
            throw new IllegalArgumentException(
                    "hnswBeamWidth must be in 1.." + Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH + ": " + hnswBeamWidth);
        }
        if (numQueries < 1 || embedDim < 1 || tokens < 1 || visionWidth < 1) {
            throw new IllegalArgumentException("dimensions must be positive");
        }
        if (!(graphMeanCosine > 0 && graphMeanCosine <= 1 && graphDedupeCosine > 0 && graphDedupeCosine <= 1)) {
            throw new IllegalArgumentException("graphMeanCosine and graphDedupeCosine must be in (0, 1]: "
                    + graphMeanCosine + ", " + graphDedupeCosine);
        }
        if (!queryMeans.fits(numQueries, embedDim)) {
            throw new IllegalArgumentException("queryMeans must be " + numQueries + " x " + embedDim + ": " + queryMeans);
        }
    }

    /**
     * Float32 HNSW with Lucene's default graph parameters, the default graph cosines but no query
     * means (give them with {@link #withGraph}), stored features.
     */
    public static IndexSettings forDims(ModelBundle.Dims dims) {
        return new IndexSettings(VectorFormat.FLOAT32, DEFAULT_HNSW_M, DEFAULT_HNSW_BEAM_WIDTH, QueryMeans.NONE,
                DEFAULT_GRAPH_MEAN_COSINE, DEFAULT_GRAPH_DEDUPE_COSINE, FeatureMode.STORED, dims.numQueries(),
                dims.embedDim(), dims.tokens(), dims.visionWidth());
    }

    /** The settings recorded in index {@code dir}, or empty when there is no index there yet. */
    public static Optional<IndexSettings> recorded(Path dir) throws IOException {
        return IndexSettingsFile.read(new IndexPaths(dir).settings());
    }

    public IndexSettings withVectorFormat(VectorFormat format) {
        return new IndexSettings(format, hnswM, hnswBeamWidth, queryMeans, graphMeanCosine, graphDedupeCosine, featureMode,
                numQueries, embedDim, tokens, visionWidth);
    }

    public IndexSettings withHnsw(int m, int beamWidth) {
        return new IndexSettings(vectorFormat, m, beamWidth, queryMeans, graphMeanCosine, graphDedupeCosine, featureMode,
                numQueries, embedDim, tokens, visionWidth);
    }

    /** Which vectors enter the graph; cosines of 1 put all of them in. */
    public IndexSettings withGraph(QueryMeans means, double meanCosine, double dedupeCosine) {
        return new IndexSettings(vectorFormat, hnswM, hnswBeamWidth, means, meanCosine, dedupeCosine, featureMode,
                numQueries, embedDim, tokens, visionWidth);
    }

    public IndexSettings withFeatureMode(FeatureMode mode) {
        return new IndexSettings(vectorFormat, hnswM, hnswBeamWidth, queryMeans, graphMeanCosine, graphDedupeCosine, mode,
                numQueries, embedDim, tokens, visionWidth);
    }

    /** Feature-store bytes one image costs on disk (0 when features are recomputed). */
    public long featureBytesPerImage() {
        return featureMode == FeatureMode.STORED ? FeatureStore.recordBytes(tokens, visionWidth) : 0;
    }

    /** @throws IllegalArgumentException unless the image's vectors are as many and as wide as this index holds, and normalized */
    public void checkImage(ImageRecord image) {
        ImageFeatures f = image.features();
        if (f.numQueries() != numQueries || f.embedDim() != embedDim || f.queryEmbeds().length != numQueries * embedDim) {
            throw new IllegalArgumentException("image " + image.id() + " has " + f.numQueries() + " x " + f.embedDim()
                    + " query vectors, the index holds " + numQueries + " x " + embedDim);
        }
        for (int q = 0; q < numQueries; q++) {
            checkNormalized(f.query(q), "image " + image.id() + " query " + q);
        }
    }

    /** @throws IllegalArgumentException unless the text's embedding is as wide as this index holds, and normalized */
    public void checkText(TextRecord text) {
        if (text.embedding().length != embedDim) {
            throw new IllegalArgumentException("text " + text.id() + " has an embedding of width "
                    + text.embedding().length + ", the index holds " + embedDim);
        }
        checkNormalized(text.embedding(), "text " + text.id());
    }

    /** @throws IllegalArgumentException unless every query vector is as wide as this index holds */
    public void checkQueries(float[][] queries) {
        for (float[] query : queries) {
            if (query.length != embedDim) {
                throw new IllegalArgumentException("query vectors have width " + query.length + ", the index holds "
                        + embedDim);
            }
        }
    }

    private static void checkNormalized(float[] vector, String what) {
        double squared = 0;
        for (float v : vector) {
            squared += v * v;
        }
        if (Math.abs(Math.sqrt(squared) - 1) > NORM_TOLERANCE) {
            throw new IllegalArgumentException(what + " is not L2-normalized (norm " + Math.sqrt(squared) + ")");
        }
    }
}
