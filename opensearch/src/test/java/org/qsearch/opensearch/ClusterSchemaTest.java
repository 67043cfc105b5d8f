package org.qsearch.opensearch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.encoder.ModelBundle;
import org.qsearch.index.ImageHit;
import org.qsearch.index.ImageRecord;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.SearchFilter;
import org.qsearch.index.VectorFormat;

/** The cluster documents and queries, without a cluster: what goes in comes back, filters say what they mean. */
class ClusterSchemaTest {
    private static final int QUERIES = 4;
    private static final int DIM = 8;
    private static final IndexSettings SETTINGS = IndexSettings.forDims(new ModelBundle.Dims(3, 5, DIM, 16, 16, QUERIES));

    private static ImageFeatures randomImage(Random random) {
        float[] vectors = new float[QUERIES * DIM];
        for (int q = 0; q < QUERIES; q++) {
            double norm = 0;
            for (int d = 0; d < DIM; d++) {
                vectors[q * DIM + d] = (float) random.nextGaussian();
                norm += vectors[q * DIM + d] * vectors[q * DIM + d];
            }
            for (int d = 0; d < DIM; d++) {
                vectors[q * DIM + d] /= (float) Math.sqrt(norm);
            }
        }
        return new ImageFeatures(new float[0], vectors, QUERIES, DIM);
    }

    @Test
    void anImageDocumentKeepsEveryVectorAndOnlyTheGraphOnesAsNested() throws Exception {
        ImageFeatures features = randomImage(new Random(7));
        ImageRecord image = new ImageRecord("img-1", "a/b.png", "abc", 3, 4, List.of("a cat"), "a cat sitting",
                "{\"colour\":\"red\",\"tags\":[\"x\",\"y\"],\"n\":42}", Instant.ofEpochMilli(1234), features);
        boolean[] inGraph = {true, false, true, false};
        ObjectNode doc = ClusterSchema.imageDocument(image, inGraph);

        assertEquals(2, doc.path(ClusterSchema.QUERIES).size());
        assertArrayEquals(features.query(2), floats(doc.path(ClusterSchema.QUERIES).get(1).path("vec")));
        // what a search that fetches the doc values returns: the binary field's base64, under fields
        ObjectNode hit = ClusterClient.JSON.createObjectNode();
        hit.putObject("fields").putArray(ClusterSchema.VECTORS).add(doc.path(ClusterSchema.VECTORS).asText());
        float[][] all = ClusterSchema.imageVectors(ClusterClient.JSON.readTree(hit.toString()), SETTINGS);
        for (int q = 0; q < QUERIES; q++) {
            assertArrayEquals(features.query(q), all[q], "query " + q + " survives the JSON round trip exactly");
        }
        List<String> terms = new ArrayList<>();
        doc.path(ClusterSchema.META).forEach(t -> terms.add(t.asText()));
        assertEquals(List.of("colour\u001fred", "tags\u001fx", "tags\u001fy", "n\u001f42"), terms);

        ImageHit found = ClusterSchema.imageHit(ClusterClient.JSON.readTree(doc.toString()), 0.5f, 2);
        assertEquals("img-1", found.id());
        assertEquals(List.of("a cat"), found.captions());
        assertEquals("a cat sitting", found.generatedCaption());
        assertEquals(Instant.ofEpochMilli(1234), found.indexedAt());
        assertEquals("red", found.metadata().path("colour").asText());
        assertNull(found.features(), "a cluster keeps no feature address");
    }

    @Test
    void aFilterIsAndAcrossKeysAndOrWithinOne() {
        assertNull(ClusterSchema.filter(SearchFilter.NONE));
        JsonNode filter = ClusterSchema.filter(SearchFilter.metadata("colour", "red", "blue").and("n", "42"));
        JsonNode clauses = filter.path("bool").path("filter");
        assertEquals(2, clauses.size());
        List<String> all = new ArrayList<>();
        clauses.forEach(c -> c.path("terms").path(ClusterSchema.META).forEach(v -> all.add(v.asText())));
        assertTrue(all.containsAll(List.of("colour\u001fred", "colour\u001fblue", "n\u001f42")), all.toString());
    }

    @Test
    void theMappingFollowsTheSettings() {
        JsonNode vec = ClusterSchema.imagesIndex(SETTINGS.withHnsw(12, 64), 3, 1, ClusterClient.JSON.createObjectNode())
                .path("mappings").path("properties").path(ClusterSchema.QUERIES).path("properties").path("vec");
        assertEquals(DIM, vec.path("dimension").asInt());
        assertEquals("innerproduct", vec.path("space_type").asText());
        assertEquals(12, vec.path("method").path("parameters").path("m").asInt());
        assertEquals(64, vec.path("method").path("parameters").path("ef_construction").asInt());
        JsonNode int8 = ClusterSchema.textsIndex(SETTINGS.withVectorFormat(VectorFormat.INT8), 1, 0)
                .path("mappings").path("properties").path(ClusterSchema.TEXT_VECTOR);
        assertEquals("sq", int8.path("method").path("parameters").path("encoder").path("name").asText());
        assertThrows(IllegalArgumentException.class,
                () -> ClusterSchema.textsIndex(SETTINGS.withVectorFormat(VectorFormat.INT4), 1, 0));
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).floatValue();
        }
        return out;
    }
}
