package org.qsearch.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.ImageHit;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.ItcMatch;
import org.qsearch.index.SearchRequest;
import org.qsearch.index.SearchTrace;
import org.qsearch.index.TextHit;

/**
 * The OpenSearch backend's {@link CollectionIndex} (the layout: {@link ClusterSchema}). Candidates
 * come from the cluster's kNN, k' per query vector (nested kNN with {@code score_mode: max} for
 * images, the best child per image), with the metadata filter inside the kNN query so that a
 * filtered search still finds min(k, matching) results; qsearch then rescores every candidate
 * exactly from its stored vectors, as the local store does, so both backends rank by the same
 * scores. Searches see what the writer's last commit (or refresh) made visible. Image features are
 * never on the cluster: the collection recomputes them from the source images.
 */
final class OpenSearchIndex implements CollectionIndex {
    /** Documents per page when a search or a visit walks every matching document. */
    private static final int PAGE = 500;
    /**
     * The most candidates one kNN query asks for: OpenSearch's limit on a kNN query's k and on a
     * search's size (index.max_result_window). A larger k' (dedupe widening) asks for this many.
     */
    static final int MAX_CANDIDATES = 10_000;

    private final ClusterClient client;
    private final String name;
    private final IndexSettings settings;
    private final boolean ownsClient;

    OpenSearchIndex(ClusterClient client, String name, IndexSettings settings, boolean ownsClient) {
        this.client = client;
        this.name = name;
        this.settings = settings;
        this.ownsClient = ownsClient;
    }

    @Override
    public IndexSettings settings() {
        return settings;
    }

    @Override
    public int imageCount() throws IOException {
        return count(ClusterSchema.images(name), null);
    }

    @Override
    public int textCount() throws IOException {
        return count(ClusterSchema.texts(name), null);
    }

    @Override
    public List<ImageHit> searchImages(float[][] queries, SearchRequest request, SearchTrace trace) throws IOException {
        return search(ClusterSchema.images(name), queries, request, trace, query -> imagesKnn(query, request), true,
                hit -> ItcMatch.ofImage(ClusterSchema.imageVectors(hit, settings), queries), ClusterSchema::imageHit);
    }

    @Override
    public List<TextHit> searchTexts(float[][] queries, SearchRequest request, SearchTrace trace) throws IOException {
        return search(ClusterSchema.texts(name), queries, request, trace, query -> textsKnn(query, request), false,
                hit -> ItcMatch.ofText(ClusterSchema.textVector(hit.path("_source")), queries), ClusterSchema::textHit);
    }

    @Override
    public Optional<ImageHit> findImage(String id) throws IOException {
        return source(ClusterSchema.images(name), id, "")
                .map(source -> ClusterSchema.imageHit(source, Float.NaN, -1));
    }

    @Override
    public Optional<TextHit> findText(String id) throws IOException {
        return source(ClusterSchema.texts(name), id, "&_source_excludes=" + ClusterSchema.TEXT_VECTOR)
                .map(source -> ClusterSchema.textHit(source, Float.NaN, -1));
    }

    @Override
    public boolean anyImageAt(String uri) throws IOException {
        ObjectNode query = ClusterClient.JSON.createObjectNode();
        query.putObject("term").put("uri", uri);
        return count(ClusterSchema.images(name), query) > 0;
    }

    @Override
    public Optional<float[][]> queryVectors(String id) throws IOException {
        Map<String, JsonNode> hit = hits(ClusterSchema.images(name), idsQuery(List.of(id)), true);
        return hit.isEmpty() ? Optional.empty() : Optional.of(ClusterSchema.imageVectors(hit.get(id), settings));
    }

    @Override
    public float[] imageTokens(ImageHit hit) {
        throw new IllegalStateException("an OpenSearch collection keeps no image features: they are recomputed from "
                + hit.uri());
    }

    @Override
    public void forEachImage(Consumer<ImageHit> visitor) throws IOException {
        forEach(ClusterSchema.images(name), null, false,
                hit -> visitor.accept(ClusterSchema.imageHit(hit.path("_source"), Float.NaN, -1)));
    }

    @Override
    public void forEachText(Consumer<TextHit> visitor) throws IOException {
        forEach(ClusterSchema.texts(name), null, false,
                hit -> visitor.accept(ClusterSchema.textHit(hit.path("_source"), Float.NaN, -1)));
    }

    @Override
    public Map<String, String> commitUserData() throws IOException {
        return ClusterMeta.read(client, name).commit();
    }

    /** Nothing to pick up: a commit's refresh makes it visible to every search on the cluster. */
    @Override
    public void refresh() {}

    @Override
    public void close() throws IOException {
        if (ownsClient) {
            client.close();
        }
    }

    private record Scored(String id, JsonNode hit, ItcMatch match) {}

    /** A hit from a document's _source, its exact score and best query index. */
    private interface HitOf<H> {
        H of(JsonNode source, float score, int queryIndex);
    }

    /** The one search of both kinds: gather candidates, rescore them exactly, keep the best k. */
    private <H> List<H> search(String index, float[][] queries, SearchRequest request, SearchTrace trace,
                               Function<float[], ObjectNode> knn, boolean vectors, Function<JsonNode, ItcMatch> exact,
                               HitOf<H> hit) throws IOException {
        settings.checkQueries(queries);
        long start = System.nanoTime();
        Map<String, JsonNode> candidates = candidates(index, queries, request, knn, vectors);
        trace.addCandidates(System.nanoTime() - start);
        List<Scored> scored = new ArrayList<>(candidates.size());
        candidates.forEach((id, found) -> scored.add(new Scored(id, found, exact.apply(found))));
        return top(scored, request.k()).stream()
                .map(s -> hit.of(s.hit().path("_source"), s.match().score(), s.match().queryIndex())).toList();
    }

    /**
     * The search hit of each candidate by id: every matching document when exact, else the union
     * of each query vector's k' nearest. A hit carries its _source (an image's without its
     * vectors: the mapping keeps them out) and, with {@code vectors}, the image's packed vectors
     * from doc values. One query vector brings them with its hits; several (an image's) bring ids
     * first, then the union's in one search, each document once.
     */
    private Map<String, JsonNode> candidates(String index, float[][] queries, SearchRequest request,
                                             Function<float[], ObjectNode> knn,
                                             boolean vectors) throws IOException {
        if (request.exact()) {
            ObjectNode filter = ClusterSchema.filter(request.filter());
            return hits(index, filter == null ? null : constantScore(filter), vectors);
        }
        if (queries.length == 1) {
            ObjectNode body = fetch(knnSearch(knn.apply(queries[0]), candidates(request)), vectors);
            Map<String, JsonNode> hits = new LinkedHashMap<>();
            for (JsonNode hit : client.send("POST", "/" + index + "/_search?allow_partial_search_results=false", body)
                    .path("hits").path("hits")) {
                hits.putIfAbsent(hit.path("_id").asText(), hit);
            }
            return hits;
        }
        StringBuilder lines = new StringBuilder();
        String header = ClusterClient.JSON.createObjectNode().put("index", index)
                .put("allow_partial_search_results", false).toString();
        for (float[] query : queries) {
            ObjectNode body = knnSearch(knn.apply(query), candidates(request)).put("_source", false);
            lines.append(header).append('\n').append(body).append('\n');
        }
        Set<String> ids = new LinkedHashSet<>();
        for (JsonNode response : client.multiSearch(lines.toString()).path("responses")) {
            for (JsonNode hit : response.path("hits").path("hits")) {
                ids.add(hit.path("_id").asText());
            }
        }
        return ids.isEmpty() ? Map.of() : hits(index, idsQuery(List.copyOf(ids)), vectors);
    }

    /** What a search returns per hit: its _source, and with {@code vectors} the image's packed vectors from doc values. */
    private static ObjectNode fetch(ObjectNode body, boolean vectors) {
        if (vectors) {
            body.putArray("docvalue_fields").add(ClusterSchema.VECTORS);
        }
        return body;
    }

    private static ObjectNode idsQuery(List<String> ids) {
        ObjectNode query = ClusterClient.JSON.createObjectNode();
        ArrayNode values = query.putObject("ids").putArray("values");
        ids.forEach(values::add);
        return query;
    }

    private static ObjectNode constantScore(ObjectNode filter) {
        ObjectNode query = ClusterClient.JSON.createObjectNode();
        query.putObject("constant_score").set("filter", filter);
        return query;
    }

    /** Every hit of {@code query} (all documents when null) by id, as {@link #fetch} says. */
    private Map<String, JsonNode> hits(String index, ObjectNode query, boolean vectors) throws IOException {
        Map<String, JsonNode> hits = new LinkedHashMap<>();
        forEach(index, query, vectors, hit -> hits.put(hit.path("_id").asText(), hit));
        return hits;
    }

    private static ObjectNode knnSearch(ObjectNode query, int size) {
        ObjectNode body = ClusterClient.JSON.createObjectNode().put("size", size);
        body.set("query", query);
        return body;
    }

    /** Nested kNN over the images' graph vectors, an image scored by its best one. */
    private ObjectNode imagesKnn(float[] query, SearchRequest request) {
        ObjectNode nested = ClusterClient.JSON.createObjectNode();
        ObjectNode inner = nested.putObject("nested").put("path", ClusterSchema.QUERIES).put("score_mode", "max");
        inner.set("query", knn(ClusterSchema.QUERY_VECTOR, query, request));
        return nested;
    }

    private ObjectNode textsKnn(float[] query, SearchRequest request) {
        return knn(ClusterSchema.TEXT_VECTOR, query, request);
    }

    private static ObjectNode knn(String field, float[] query, SearchRequest request) {
        ObjectNode knn = ClusterClient.JSON.createObjectNode();
        ObjectNode clause = knn.putObject("knn").putObject(field);
        ArrayNode vector = clause.putArray("vector");
        for (float v : query) {
            vector.add(v);
        }
        clause.put("k", candidates(request));
        ObjectNode filter = ClusterSchema.filter(request.filter());
        if (filter != null) {
            clause.set("filter", filter);
        }
        return knn;
    }

    private static int candidates(SearchRequest request) {
        return Math.min(request.candidates(), MAX_CANDIDATES);
    }

    private static List<Scored> top(List<Scored> scored, int k) {
        return scored.stream()
                .sorted(Comparator.comparingDouble((Scored s) -> -s.match().score()).thenComparing(Scored::id))
                .limit(k)
                .toList();
    }

    private int count(String index, ObjectNode query) throws IOException {
        ObjectNode body = ClusterClient.JSON.createObjectNode();
        if (query != null) {
            body.set("query", query);
        }
        return client.send("POST", "/" + index + "/_count", body).path("count").asInt();
    }

    private Optional<JsonNode> source(String index, String id, String sourceParameter) throws IOException {
        JsonNode doc = client.send("GET", "/" + index + "/_doc/" + ClusterSchema.urlEncode(id) + "?realtime=false"
                + sourceParameter, null, 404);
        return doc == null || !doc.path("found").asBoolean() ? Optional.empty() : Optional.of(doc.path("_source"));
    }

    /** Visits every hit of {@code query} (all documents when null), in id order, page by page; see {@link #fetch}. */
    private void forEach(String index, ObjectNode query, boolean vectors, Consumer<JsonNode> visitor) throws IOException {
        JsonNode after = null;
        while (true) {
            ObjectNode body = fetch(ClusterClient.JSON.createObjectNode().put("size", PAGE), vectors);
            if (query != null) {
                body.set("query", query);
            }
            body.putArray("sort").addObject().put("id", "asc");
            if (after != null) {
                body.set("search_after", after);
            }
            JsonNode hits = client.send("POST", "/" + index + "/_search?allow_partial_search_results=false", body)
                    .path("hits").path("hits");
            for (JsonNode hit : hits) {
                visitor.accept(hit);
            }
            if (hits.size() < PAGE) {
                return;
            }
            after = hits.get(hits.size() - 1).path("sort");
        }
    }
}
