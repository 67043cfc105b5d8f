package org.qsearch.index;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.IntField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/**
 * How images and texts map to Lucene documents, and back.
 *
 * <p>An image is one block: {@code numQueries} child documents, one per ITC query vector, then
 * the parent document that holds everything else. Children carry the image id too, so that a
 * delete-by-id term removes the whole block. A text is one standalone document. The {@link #TYPE}
 * field tells the three kinds apart. Texts count as block boundaries (parents without children),
 * so the children of a parent are exactly the image-vector documents between the previous
 * boundary and the parent.
 *
 * <p>Index layout {@value #LAYOUT}: the parent holds all of the image's query vectors together
 * in one doc value ({@link #IMAGE_VECTORS}), which exact rescoring reads in one go; there is one
 * child per vector that enters the HNSW graph ({@link GraphMembership}), holding only that
 * vector in the HNSW field (the graph needs it there), so a vector kept out of the graph has no
 * document of its own. Layout 1 (before it was recorded) had a child for every vector, an
 * out-of-graph one in a doc value of its own, and a query index on each child.
 */
final class IndexSchema {
    static final String TYPE = "type";
    static final String TYPE_IMAGE = "image";
    static final String TYPE_IMAGE_QUERY = "image_query";
    static final String TYPE_TEXT = "text";

    static final String IMAGE_ID = "image_id";
    /** The HNSW field: on the children, one in-graph query vector each. */
    static final String IMAGE_VECTOR = "image_vector";
    /**
     * On the parent: every query vector of the image, in query order, numQueries x embedDim
     * float32 little-endian (a binary doc value).
     */
    static final String IMAGE_VECTORS = "image_vectors";
    static final String URI = "uri";
    static final String CONTENT_HASH = "content_hash";
    static final String WIDTH = "width";
    static final String HEIGHT = "height";
    static final String CAPTION = "caption";
    static final String GENERATED_CAPTION = "generated_caption";
    static final String METADATA = "metadata";
    static final String META_PREFIX = "meta.";
    static final String INDEXED_AT = "indexed_at";
    static final String FEATURE_FILE = "features.file";
    static final String FEATURE_OFFSET = "features.offset";
    static final String FEATURE_LENGTH = "features.length";

    static final String TEXT_ID = "text_id";
    static final String TEXT = "text";
    static final String TEXT_VECTOR = "text_vector";
    static final String LINKED_IMAGE_ID = "linked_image_id";

    /**
     * The index layout this version writes and reads, recorded beside the settings
     * ({@link IndexSettingsFile}); an index in another layout must be rebuilt.
     */
    static final int LAYOUT = 2;

    private static final VectorSimilarityFunction SIMILARITY = VectorSimilarityFunction.DOT_PRODUCT;

    private IndexSchema() {}

    static Term imageIdTerm(String id) {
        return new Term(IMAGE_ID, id);
    }

    static Term textIdTerm(String id) {
        return new Term(TEXT_ID, id);
    }

    static Query images() {
        return new TermQuery(new Term(TYPE, TYPE_IMAGE));
    }

    static Query texts() {
        return new TermQuery(new Term(TYPE, TYPE_TEXT));
    }

    /** Every document that is not an image child: the parents' bit set for block joins. */
    static Query blockBoundaries() {
        return new TermInSetQuery(TYPE, List.of(new BytesRef(TYPE_IMAGE), new BytesRef(TYPE_TEXT)));
    }

    /**
     * The children (one per vector q with {@code inGraph[q]}, in query order) then the parent;
     * {@code features} is null when features are not stored.
     */
    static List<Document> imageBlock(ImageRecord image, boolean[] inGraph, MetadataKeywords metadata,
                                     FeatureAddress features) {
        List<Document> block = new ArrayList<>(inGraph.length + 1);
        for (int q = 0; q < inGraph.length; q++) {
            if (inGraph[q]) {
                Document child = new Document();
                child.add(new StringField(TYPE, TYPE_IMAGE_QUERY, Field.Store.NO));
                child.add(new StringField(IMAGE_ID, image.id(), Field.Store.NO));
                child.add(new KnnFloatVectorField(IMAGE_VECTOR, image.features().query(q), SIMILARITY));
                block.add(child);
            }
        }
        Document parent = new Document();
        parent.add(new StringField(TYPE, TYPE_IMAGE, Field.Store.NO));
        parent.add(new BinaryDocValuesField(IMAGE_VECTORS, new BytesRef(PackedVectors.pack(image.features().queryEmbeds()))));
        parent.add(new StringField(IMAGE_ID, image.id(), Field.Store.YES));
        parent.add(new StringField(URI, image.uri(), Field.Store.YES));
        parent.add(new StringField(CONTENT_HASH, image.contentHash(), Field.Store.YES));
        parent.add(new IntField(WIDTH, image.width(), Field.Store.YES));
        parent.add(new IntField(HEIGHT, image.height(), Field.Store.YES));
        image.captions().forEach(caption -> parent.add(new StoredField(CAPTION, caption)));
        if (image.generatedCaption() != null) {
            parent.add(new StoredField(GENERATED_CAPTION, image.generatedCaption()));
        }
        parent.add(new LongField(INDEXED_AT, image.indexedAt().toEpochMilli(), Field.Store.YES));
        addMetadata(parent, metadata);
        if (features != null) {
            parent.add(new StoredField(FEATURE_FILE, features.file()));
            parent.add(new StoredField(FEATURE_OFFSET, features.offset()));
            parent.add(new StoredField(FEATURE_LENGTH, features.length()));
        }
        block.add(parent);
        return block;
    }

    static Document textDocument(TextRecord text, MetadataKeywords metadata) {
        Document doc = new Document();
        doc.add(new StringField(TYPE, TYPE_TEXT, Field.Store.NO));
        doc.add(new StringField(TEXT_ID, text.id(), Field.Store.YES));
        doc.add(new StoredField(TEXT, text.text()));
        if (text.imageId() != null) {
            doc.add(new StringField(LINKED_IMAGE_ID, text.imageId(), Field.Store.YES));
        }
        doc.add(new KnnFloatVectorField(TEXT_VECTOR, text.embedding(), SIMILARITY));
        addMetadata(doc, metadata);
        return doc;
    }

    private static void addMetadata(Document doc, MetadataKeywords metadata) {
        doc.add(new StoredField(METADATA, metadata.json()));
        for (Map.Entry<String, String> keyword : metadata.keywords()) {
            doc.add(new StringField(META_PREFIX + keyword.getKey(), keyword.getValue(), Field.Store.NO));
        }
    }

    static ImageHit imageHit(Document parent, float score, int bestQueryIndex) {
        IndexableField featureFile = parent.getField(FEATURE_FILE);
        FeatureAddress features = featureFile == null ? null : new FeatureAddress(
                featureFile.numericValue().intValue(),
                parent.getField(FEATURE_OFFSET).numericValue().longValue(),
                parent.getField(FEATURE_LENGTH).numericValue().intValue());
        return new ImageHit(parent.get(IMAGE_ID), parent.get(URI), score, bestQueryIndex, parent.get(CONTENT_HASH),
                parent.getField(WIDTH).numericValue().intValue(), parent.getField(HEIGHT).numericValue().intValue(),
                List.of(parent.getValues(CAPTION)), parent.get(GENERATED_CAPTION), parent.get(METADATA),
                Instant.ofEpochMilli(parent.getField(INDEXED_AT).numericValue().longValue()), features);
    }

    static TextHit textHit(Document doc, float score, int bestQueryIndex) {
        return new TextHit(doc.get(TEXT_ID), doc.get(TEXT), doc.get(LINKED_IMAGE_ID), score, bestQueryIndex, doc.get(METADATA));
    }
}
