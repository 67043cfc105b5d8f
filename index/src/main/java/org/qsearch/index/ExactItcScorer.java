package org.qsearch.index;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.util.BytesRef;

/**
 * Exact BLIP-2 ITC scores of candidate documents, computed from the float vectors the index keeps
 * (an image's on its parent, see {@link IndexSchema#IMAGE_VECTORS}; a text's in its HNSW field),
 * so scores are plain dot products, not Lucene's {@code (1 + dot) / 2} nor a quantized estimate.
 * Reading the vectors back from the index avoids storing them once more.
 */
final class ExactItcScorer {
    /** {@code queryIndex}: the index of the vector that gave the score (see the calling method). */
    record ScoredDoc(int doc, float score, int queryIndex) {}

    private final int numQueries;
    private final int embedDim;

    ExactItcScorer(int numQueries, int embedDim) {
        this.numQueries = numQueries;
        this.embedDim = embedDim;
    }

    /**
     * Scores image parents ({@link ItcMatch#ofImage}).
     *
     * @param parents global doc ids of image parent documents, ascending
     */
    List<ScoredDoc> scoreImages(IndexSearcher searcher, int[] parents, float[][] queries) throws IOException {
        List<ScoredDoc> scored = new ArrayList<>(parents.length);
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        float[][] rows = new float[numQueries][embedDim];
        int i = 0;
        while (i < parents.length) {
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(parents[i], leaves));
            int leafEnd = leaf.docBase + leaf.reader().maxDoc();
            BinaryDocValues vectors = vectorValues(leaf.reader());
            for (; i < parents.length && parents[i] < leafEnd; i++) {
                read(vectors, parents[i] - leaf.docBase, rows);
                ItcMatch match = ItcMatch.ofImage(rows, queries);
                scored.add(new ScoredDoc(parents[i], match.score(), match.queryIndex()));
            }
        }
        return scored;
    }

    /**
     * Scores text documents ({@link ItcMatch#ofText}).
     *
     * @param texts global doc ids of text documents, ascending
     */
    List<ScoredDoc> scoreTexts(IndexSearcher searcher, int[] texts, float[][] queries) throws IOException {
        List<ScoredDoc> scored = new ArrayList<>(texts.length);
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        int i = 0;
        while (i < texts.length) {
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(texts[i], leaves));
            int leafEnd = leaf.docBase + leaf.reader().maxDoc();
            FloatVectorValues vectors = leaf.reader().getFloatVectorValues(IndexSchema.TEXT_VECTOR);
            KnnVectorValues.DocIndexIterator iterator = vectors.iterator();
            for (; i < texts.length && texts[i] < leafEnd; i++) {
                int doc = texts[i] - leaf.docBase;
                if (iterator.advance(doc) != doc) {
                    throw new IllegalStateException("text document " + texts[i] + " has no vector");
                }
                ItcMatch match = ItcMatch.ofText(vectors.vectorValue(iterator.index()), queries);
                scored.add(new ScoredDoc(texts[i], match.score(), match.queryIndex()));
            }
        }
        return scored;
    }

    /** The vectors of image {@code parent} (a leaf doc id), in query order. */
    float[][] imageVectors(LeafReaderContext leaf, int parent) throws IOException {
        float[][] rows = new float[numQueries][embedDim];
        read(vectorValues(leaf.reader()), parent, rows);
        return rows;
    }

    private static BinaryDocValues vectorValues(LeafReader reader) throws IOException {
        BinaryDocValues vectors = reader.getBinaryDocValues(IndexSchema.IMAGE_VECTORS);
        if (vectors == null) {
            throw new IllegalStateException("a segment with images has no " + IndexSchema.IMAGE_VECTORS + " field");
        }
        return vectors;
    }

    /** Reads the vectors of {@code parent} into {@code rows}; parents must be asked for in ascending order. */
    private static void read(BinaryDocValues vectors, int parent, float[][] rows) throws IOException {
        if (!vectors.advanceExact(parent)) {
            throw new IllegalStateException("image document " + parent + " has no query vectors");
        }
        BytesRef bytes = vectors.binaryValue();
        PackedVectors.unpack(bytes.bytes, bytes.offset, bytes.length, rows);
    }
}
