package org.qsearch.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.index.ImageHit;
import org.qsearch.index.ImageRecord;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.MetadataKeywords;
import org.qsearch.index.PackedVectors;
import org.qsearch.index.SearchFilter;
import org.qsearch.index.TextHit;
import org.qsearch.index.TextRecord;

/**
 * How a collection lies on the cluster: two indices, {@code NAME-images} and {@code NAME-texts}.
 * An image is one document (id = the image id, so re-indexing replaces it): its stored fields,
 * its metadata keywords, all of its query vectors packed in one binary field for exact rescoring
 * (read from doc values, kept out of _source), and a nested {@code queries} field holding the
 * vectors of the HNSW graph (the same {@link org.qsearch.index.GraphMembership} rule as the local
 * store), which nested kNN with {@code score_mode: max} searches. A text is one document with its vector. The index settings
 * and the commit user data live in the images index's mapping {@code _meta}.
 */
final class ClusterSchema {
    static final int FORMAT = 1;
    static final String QUERIES = "queries";
    static final String QUERY_VECTOR = "queries.vec";
    static final String TEXT_VECTOR = "vec";
    static final String VECTORS = "vectors";
    /** Metadata keywords as "key\u001fvalue" terms of one field: any key works, and the mapping stays fixed. */
    static final String META = "meta";
    private static final char META_SEPARATOR = '\u001f';

    private ClusterSchema() {}

    /** An id as one segment of a request path. */
    static String urlEncode(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String images(String name) {
        return name + "-images";
    }

    static String texts(String name) {
        return name + "-texts";
    }

    static ObjectNode imagesIndex(IndexSettings settings, int shards, int replicas, JsonNode meta) {
        ObjectNode body = indexSettings(shards, replicas);
        ObjectNode mappings = body.putObject("mappings").put("dynamic", "strict");
        mappings.set("_meta", meta);
        // the vectors live in the HNSW graph and in doc values: a lookup or a search reads _source without them
        mappings.putObject("_source").putArray("excludes").add(QUERIES).add(VECTORS);
        ObjectNode properties = mappings.putObject("properties");
        keyword(properties, "id");
        keyword(properties, "uri");
        keyword(properties, "content_hash");
        properties.putObject("width").put("type", "integer").put("index", false);
        properties.putObject("height").put("type", "integer").put("index", false);
        stored(properties, "captions");
        stored(properties, "generated_caption");
        stored(properties, "metadata");
        keyword(properties, META);
        properties.putObject("indexed_at").put("type", "date").put("format", "epoch_millis");
        properties.putObject(VECTORS).put("type", "binary").put("doc_values", true);
        ObjectNode queries = properties.putObject(QUERIES).put("type", "nested").putObject("properties");
        queries.set("vec", knnVector(settings));
        return body;
    }

    static ObjectNode textsIndex(IndexSettings settings, int shards, int replicas) {
        ObjectNode body = indexSettings(shards, replicas);
        ObjectNode properties = body.putObject("mappings").put("dynamic", "strict").putObject("properties");
        keyword(properties, "id");
        stored(properties, "text");
        keyword(properties, "image_id");
        stored(properties, "metadata");
        keyword(properties, META);
        properties.set(TEXT_VECTOR, knnVector(settings));
        return body;
    }

    /** Refresh only when the writer asks (its commits, and its opening, which shows what a killed writer sent). */
    private static ObjectNode indexSettings(int shards, int replicas) {
        ObjectNode body = ClusterClient.JSON.createObjectNode();
        body.putObject("settings").putObject("index").put("knn", true).put("number_of_shards", shards)
                .put("number_of_replicas", replicas).put("refresh_interval", "-1");
        return body;
    }

    private static void keyword(ObjectNode properties, String field) {
        properties.putObject(field).put("type", "keyword");
    }

    /** Kept in _source only: read back, never searched. */
    private static void stored(ObjectNode properties, String field) {
        properties.putObject(field).put("type", "keyword").put("index", false).put("doc_values", false);
    }

    private static ObjectNode knnVector(IndexSettings settings) {
        ObjectNode vector = ClusterClient.JSON.createObjectNode().put("type", "knn_vector")
                .put("dimension", settings.embedDim()).put("space_type", "innerproduct");
        ObjectNode method = vector.putObject("method").put("name", "hnsw").put("engine", "lucene");
        ObjectNode parameters = method.putObject("parameters").put("m", settings.hnswM())
                .put("ef_construction", settings.hnswBeamWidth());
        switch (settings.vectorFormat()) {
            case FLOAT32 -> { }
            case INT8 -> parameters.putObject("encoder").put("name", "sq"); // Lucene's scalar quantization, 7 bits
            default -> throw new IllegalArgumentException("the OpenSearch backend keeps float32 or int8 vectors, not "
                    + settings.vectorFormat().name().toLowerCase());
        }
        return vector;
    }

    static ObjectNode imageDocument(ImageRecord image, boolean[] inGraph) {
        ObjectNode doc = ClusterClient.JSON.createObjectNode().put("id", image.id()).put("uri", image.uri())
                .put("content_hash", image.contentHash()).put("width", image.width()).put("height", image.height());
        ArrayNode captions = doc.putArray("captions");
        image.captions().forEach(captions::add);
        if (image.generatedCaption() != null) {
            doc.put("generated_caption", image.generatedCaption());
        }
        MetadataKeywords metadata = MetadataKeywords.parse(image.metadataJson());
        doc.put("metadata", metadata.json());
        metaTerms(doc, metadata);
        doc.put("indexed_at", image.indexedAt().toEpochMilli());
        ImageFeatures f = image.features();
        doc.put(VECTORS, Base64.getEncoder().encodeToString(PackedVectors.pack(f.queryEmbeds())));
        ArrayNode queries = doc.putArray(QUERIES);
        for (int q = 0; q < inGraph.length; q++) {
            if (inGraph[q]) {
                vector(queries.addObject().putArray("vec"), f.query(q));
            }
        }
        return doc;
    }

    static ObjectNode textDocument(TextRecord text) {
        ObjectNode doc = ClusterClient.JSON.createObjectNode().put("id", text.id()).put("text", text.text());
        if (text.imageId() != null) {
            doc.put("image_id", text.imageId());
        }
        MetadataKeywords metadata = MetadataKeywords.parse(text.metadataJson());
        doc.put("metadata", metadata.json());
        metaTerms(doc, metadata);
        vector(doc.putArray(TEXT_VECTOR), text.embedding());
        return doc;
    }

    private static void metaTerms(ObjectNode doc, MetadataKeywords metadata) {
        ArrayNode terms = doc.putArray(META);
        for (Map.Entry<String, String> keyword : metadata.keywords()) {
            terms.add(keyword.getKey() + META_SEPARATOR + keyword.getValue());
        }
    }

    private static void vector(ArrayNode into, float[] vector) {
        for (float v : vector) {
            into.add(v);
        }
    }

    /** The filter's clauses as a bool filter (AND across keys, OR within one), or null for no filter. */
    static ObjectNode filter(SearchFilter filter) {
        if (filter.isEmpty()) {
            return null;
        }
        ObjectNode bool = ClusterClient.JSON.createObjectNode();
        ArrayNode clauses = bool.putObject("bool").putArray("filter");
        for (Map.Entry<String, Set<String>> key : filter.metadata().entrySet()) {
            ArrayNode values = clauses.addObject().putObject("terms").putArray(META);
            key.getValue().forEach(value -> values.add(key.getKey() + META_SEPARATOR + value));
        }
        return bool;
    }

    /** All of an image's query vectors, from a search hit that fetched their doc values. */
    static float[][] imageVectors(JsonNode hit, IndexSettings settings) {
        byte[] packed = Base64.getDecoder().decode(hit.path("fields").path(VECTORS).path(0).asText());
        float[][] rows = new float[settings.numQueries()][settings.embedDim()];
        PackedVectors.unpack(packed, 0, packed.length, rows);
        return rows;
    }

    static float[] textVector(JsonNode source) {
        JsonNode values = source.path(TEXT_VECTOR);
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i).floatValue();
        }
        return vector;
    }

    static ImageHit imageHit(JsonNode source, float score, int bestQueryIndex) {
        List<String> captions = new ArrayList<>();
        source.path("captions").forEach(c -> captions.add(c.asText()));
        return new ImageHit(source.path("id").asText(), source.path("uri").asText(), score, bestQueryIndex,
                source.path("content_hash").asText(), source.path("width").asInt(), source.path("height").asInt(),
                List.copyOf(captions), text(source, "generated_caption"), text(source, "metadata"),
                Instant.ofEpochMilli(source.path("indexed_at").asLong()), null);
    }

    static TextHit textHit(JsonNode source, float score, int bestQueryIndex) {
        return new TextHit(source.path("id").asText(), source.path("text").asText(), text(source, "image_id"), score,
                bestQueryIndex, text(source, "metadata"));
    }

    private static String text(JsonNode source, String field) {
        JsonNode value = source.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
