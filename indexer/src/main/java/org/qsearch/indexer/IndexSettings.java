package org.qsearch.indexer;

import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.qsearch.encoder.ModelBundle;

/**
 * The options an index is created with. They are recorded beside the index at creation and
 * every later open must agree with them: a graph built with one format or model cannot be read
 * as another.
 *
 * @param numQueries  ITC query vectors per image (32 for BLIP-2)
 * @param embedDim    ITC embedding width
 * @param tokens      trunk tokens per image (T)
 * @param visionWidth trunk width (Dv)
 */
public record IndexSettings(VectorFormat vectorFormat, int hnswM, int hnswBeamWidth, FeatureMode featureMode,
                            int numQueries, int embedDim, int tokens, int visionWidth) {

    public static final int DEFAULT_HNSW_M = Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN;
    public static final int DEFAULT_HNSW_BEAM_WIDTH = Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH;

    public IndexSettings {
        if (vectorFormat == null || featureMode == null) {
            throw new IllegalArgumentException("vectorFormat and featureMode are required");
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
    }

    /** Float32 HNSW with Lucene's default graph parameters and stored features. */
    public static IndexSettings forDims(ModelBundle.Dims dims) {
        return new IndexSettings(VectorFormat.FLOAT32, DEFAULT_HNSW_M, DEFAULT_HNSW_BEAM_WIDTH, FeatureMode.STORED,
                dims.numQueries(), dims.embedDim(), dims.tokens(), dims.visionWidth());
    }

    public IndexSettings withVectorFormat(VectorFormat format) {
        return new IndexSettings(format, hnswM, hnswBeamWidth, featureMode, numQueries, embedDim, tokens, visionWidth);
    }

    public IndexSettings withHnsw(int m, int beamWidth) {
        return new IndexSettings(vectorFormat, m, beamWidth, featureMode, numQueries, embedDim, tokens, visionWidth);
    }

    public IndexSettings withFeatureMode(FeatureMode mode) {
        return new IndexSettings(vectorFormat, hnswM, hnswBeamWidth, mode, numQueries, embedDim, tokens, visionWidth);
    }

    /** Feature-store bytes one image costs on disk (0 when features are recomputed). */
    public long featureBytesPerImage() {
        return featureMode == FeatureMode.STORED ? FeatureStore.recordBytes(tokens, visionWidth) : 0;
    }
}
