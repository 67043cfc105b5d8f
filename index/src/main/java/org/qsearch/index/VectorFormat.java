package org.qsearch.index;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues.ScalarEncoding;

/**
 * How the ITC vectors are kept in the HNSW graph. The quantized formats also keep the float32
 * vectors on disk (Lucene's default "centered" mode), so exact rescoring reads the original floats
 * whatever the format: quantization only changes which candidates the graph finds, and memory.
 */
public enum VectorFormat {
    FLOAT32(32),
    /** Lucene 10.4+ optimized scalar quantization, one byte per dimension. */
    INT8(8),
    /** Two dimensions per byte. */
    INT4(4),
    /** One bit per dimension for the stored vectors; the query side is quantized to 4 bits (asymmetric). */
    INT1(1);

    private final int bits;

    VectorFormat(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    KnnVectorsFormat knnVectorsFormat(int maxConn, int beamWidth) {
        return switch (this) {
            case FLOAT32 -> new Lucene99HnswVectorsFormat(maxConn, beamWidth);
            case INT8 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.UNSIGNED_BYTE, maxConn, beamWidth);
            case INT4 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.PACKED_NIBBLE, maxConn, beamWidth);
            case INT1 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.SINGLE_BIT_QUERY_NIBBLE, maxConn, beamWidth);
        };
    }
}
