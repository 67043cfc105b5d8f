package org.qsearch.indexer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.join.BitSetProducer;
import org.apache.lucene.util.BitSet;
import org.apache.lucene.util.VectorUtil;

/**
 * Exact BLIP-2 ITC scores of candidate documents, computed from the float vectors the index keeps
 * (see {@link ChildVectors}: all of an image's vectors, in the graph or not), so scores are plain
 * dot products, not Lucene's {@code (1 + dot) / 2} nor a quantized estimate. Reading the vectors
 * back from the index avoids storing them twice.
 */
final class ExactItcScorer {
    /** {@code queryIndex}: the index of the vector that gave the score (see the calling method). */
    record ScoredDoc(int doc, float score, int queryIndex) {}

    private final BitSetProducer blockBoundaries;
    private final int embedDim;

    ExactItcScorer(BitSetProducer blockBoundaries, int embedDim) {
        this.blockBoundaries = blockBoundaries;
        this.embedDim = embedDim;
    }

    /**
     * Scores image parents: max over the image's child vectors and over {@code queries} of the
     * dot product. {@code queryIndex} is the image's own query index of the best child.
     *
     * @param parents global doc ids of image parent documents, ascending
     */
    List<ScoredDoc> scoreImages(IndexSearcher searcher, int[] parents, float[][] queries) throws IOException {
        List<ScoredDoc> scored = new ArrayList<>(parents.length);
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        int i = 0;
        while (i < parents.length) {
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(parents[i], leaves));
            LeafReader reader = leaf.reader();
            int leafEnd = leaf.docBase + reader.maxDoc();
            ChildVectors vectors = new ChildVectors(reader, embedDim);
            NumericDocValues queryIndexes = reader.getNumericDocValues(IndexSchema.QUERY_INDEX);
            BitSet boundaries = blockBoundaries.getBitSet(leaf);
            for (; i < parents.length && parents[i] < leafEnd; i++) {
                int parent = parents[i] - leaf.docBase;
                float best = Float.NEGATIVE_INFINITY;
                int bestChild = -1;
                for (int child = firstChild(boundaries, parent); child < parent; child++) {
                    float[] vector = vectors.vector(child);
                    for (float[] query : queries) {
                        float dot = VectorUtil.dotProduct(query, vector);
                        if (dot > best) {
                            best = dot;
                            bestChild = child;
                        }
                    }
                }
                if (bestChild < 0) {
                    throw new IllegalStateException("image document " + parents[i] + " has no query vectors");
                }
                if (!queryIndexes.advanceExact(bestChild)) {
                    throw new IllegalStateException("image child " + bestChild + " has no query index");
                }
                scored.add(new ScoredDoc(parents[i], best, (int) queryIndexes.longValue()));
            }
        }
        return scored;
    }

    /**
     * Scores text documents: max over {@code queries} of the dot product with the text vector.
     * {@code queryIndex} is the index into {@code queries}.
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
                float[] vector = vectors.vectorValue(iterator.index());
                float best = Float.NEGATIVE_INFINITY;
                int bestQuery = -1;
                for (int q = 0; q < queries.length; q++) {
                    float dot = VectorUtil.dotProduct(queries[q], vector);
                    if (dot > best) {
                        best = dot;
                        bestQuery = q;
                    }
                }
                scored.add(new ScoredDoc(texts[i], best, bestQuery));
            }
        }
        return scored;
    }

    /** The vectors of the children of {@code parent} (a leaf doc id), indexed by their query index. */
    float[][] childVectors(LeafReaderContext leaf, int parent, int numQueries) throws IOException {
        LeafReader reader = leaf.reader();
        ChildVectors vectors = new ChildVectors(reader, embedDim);
        NumericDocValues queryIndexes = reader.getNumericDocValues(IndexSchema.QUERY_INDEX);
        float[][] out = new float[numQueries][];
        for (int child = firstChild(blockBoundaries.getBitSet(leaf), parent); child < parent; child++) {
            if (!queryIndexes.advanceExact(child)) {
                throw new IllegalStateException("image child " + child + " has no query index");
            }
            out[(int) queryIndexes.longValue()] = vectors.vector(child).clone();
        }
        return out;
    }

    /** The block of {@code parent} starts after the previous boundary: every document in between is one of its children. */
    private static int firstChild(BitSet boundaries, int parent) {
        return parent == 0 ? 0 : boundaries.prevSetBit(parent - 1) + 1;
    }
}
