package org.qsearch.index;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;

/**
 * Lucene's default codec with the configured HNSW format on the ITC vector fields. The codec
 * keeps the default codec's name and every per-field format is a registered SPI format, so
 * an index written with it opens with plain Lucene (and so in Solr or OpenSearch) too.
 */
final class QsearchCodec extends Lucene104Codec {
    private final KnnVectorsFormat itcVectors;

    QsearchCodec(IndexSettings settings) {
        this.itcVectors = settings.vectorFormat().knnVectorsFormat(settings.hnswM(), settings.hnswBeamWidth());
    }

    @Override
    public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
        return switch (field) {
            case IndexSchema.IMAGE_VECTOR, IndexSchema.TEXT_VECTOR -> itcVectors;
            default -> super.getKnnVectorsFormatForField(field);
        };
    }
}
