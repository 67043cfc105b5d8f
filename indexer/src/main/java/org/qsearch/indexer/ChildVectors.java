package org.qsearch.indexer;

import java.io.IOException;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;

/**
 * The query vectors of one segment's image children, wherever each is kept: in the HNSW field
 * (the raw float32 vectors, which every {@link VectorFormat} keeps) or, for a vector kept out of
 * the graph, in its doc value. Children must be asked for in ascending order.
 */
final class ChildVectors {
    private final FloatVectorValues graph;
    private final KnnVectorValues.DocIndexIterator inGraph;
    private final BinaryDocValues offGraph;
    private final float[] offGraphVector;

    ChildVectors(LeafReader reader, int embedDim) throws IOException {
        graph = reader.getFloatVectorValues(IndexSchema.IMAGE_VECTOR);
        inGraph = graph == null ? null : graph.iterator();
        offGraph = reader.getBinaryDocValues(IndexSchema.IMAGE_VECTOR_OFF_GRAPH);
        offGraphVector = new float[embedDim];
    }

    /** The vector of {@code child}, valid until the next call (do not keep it). */
    float[] vector(int child) throws IOException {
        if (inGraph != null) {
            int doc = inGraph.docID() < child ? inGraph.advance(child) : inGraph.docID();
            if (doc == child) {
                return graph.vectorValue(inGraph.index());
            }
        }
        if (offGraph == null || !offGraph.advanceExact(child)) {
            throw new IllegalStateException("image child " + child + " has no query vector");
        }
        IndexSchema.readVector(offGraph.binaryValue(), offGraphVector);
        return offGraphVector;
    }
}
