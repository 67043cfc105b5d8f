package org.qsearch.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.qsearch.index.SearchFilter;
import org.qsearch.reranker.Fusion;
import org.qsearch.search.QueryOptions;
import org.qsearch.search.Target;

/**
 * One POST /api/search, validated: exactly one query (text, image, like or embedding), the
 * target and the options. Limits the pipeline does not know about (the query's length) are
 * checked here; the rest is QueryOptions' own validation.
 */
record SearchCall(Kind kind, String text, byte[] image, String like, float[][] embedding, Target target,
                  QueryOptions options, boolean debug) {
    enum Kind { TEXT, IMAGE, LIKE, EMBEDDING }

    static final Set<String> FIELDS = Set.of("text", "image", "like", "embedding", "target", "k", "rerank", "fusion",
            "itm_threshold", "filter", "dedupe", "captions", "debug");

    static SearchCall parse(ApiRequest request, QueryOptions defaults) {
        request.allowOnly(FIELDS);
        List<Kind> given = new ArrayList<>();
        if (request.has("text")) {
            given.add(Kind.TEXT);
        }
        if (request.hasImage()) {
            given.add(Kind.IMAGE);
        }
        if (request.has("like")) {
            given.add(Kind.LIKE);
        }
        if (request.has("embedding")) {
            given.add(Kind.EMBEDDING);
        }
        if (given.size() != 1) {
            throw ApiProblem.badRequest("give exactly one query: \"text\", \"image\" (upload or base64), \"like\" (an indexed id)"
                    + " or \"embedding\"" + (given.isEmpty() ? "" : "; got " + given.stream().map(k -> k.name().toLowerCase(Locale.ROOT)).toList()));
        }
        Kind kind = given.getFirst();
        String text = null;
        if (kind == Kind.TEXT) {
            text = request.string("text").strip();
            if (text.isEmpty()) {
                throw ApiProblem.badRequest("the query text is empty");
            }
            TextLimit.check(text, TextLimit.MAX_CHARS, "the query text");
        }
        String like = kind == Kind.LIKE ? request.string("like") : null;
        if (like != null && like.isBlank()) {
            throw ApiProblem.badRequest("\"like\" is empty: give an indexed image id");
        }
        Boolean debug = request.bool("debug");
        return new SearchCall(kind, text, kind == Kind.IMAGE ? request.image() : null, like,
                kind == Kind.EMBEDDING ? request.vectors("embedding") : null, target(request.string("target")),
                options(request, defaults), debug != null && debug);
    }

    private static Target target(String name) {
        if (name == null) {
            return Target.IMAGES;
        }
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "images" -> Target.IMAGES;
            case "texts" -> Target.TEXTS;
            default -> throw ApiProblem.badRequest("\"target\" must be \"images\" or \"texts\", got \"" + name + "\"");
        };
    }

    /** Every option the request gives over the defaults; timings are always on, for the metrics. */
    private static QueryOptions options(ApiRequest request, QueryOptions defaults) {
        Integer k = request.integer("k");
        int rerank = defaults.rerank();
        if (request.has("rerank")) {
            // true: the default depth; false: off; a number: that depth
            rerank = request.isBoolean("rerank") ? (request.bool("rerank") ? defaults.rerank() : 0) : request.integer("rerank");
        }
        Boolean dedupe = request.bool("dedupe");
        Boolean captions = request.bool("captions");
        Double threshold = request.number("itm_threshold");
        return new QueryOptions(k == null ? defaults.k() : k, rerank, fusionOr(request.string("fusion"), defaults.fusion()),
                threshold == null ? defaults.itmThreshold() : threshold, filter(request.object("filter")),
                dedupe == null ? defaults.dedupe() : dedupe, captions == null ? defaults.captions() : captions, true);
    }

    private static Fusion fusionOr(String label, Fusion fallback) {
        return label == null ? fallback : Fusion.byLabel(label); // an unknown label is a 400
    }

    /** {"key": "value"} or {"key": ["a", "b"]}: values of one key OR-ed, keys AND-ed; the filter is built once. */
    private static SearchFilter filter(ObjectNode node) {
        if (node == null) {
            return SearchFilter.NONE;
        }
        Map<String, List<String>> valuesByKey = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            List<String> values = new ArrayList<>();
            JsonNode value = e.getValue();
            for (JsonNode v : value.isArray() ? value : List.of(value)) {
                if (!v.isValueNode() || v.isNull()) {
                    throw ApiProblem.badRequest("filter \"" + e.getKey() + "\" must be a value or an array of values, got " + value);
                }
                values.add(v.asText());
            }
            valuesByKey.put(e.getKey(), values);
        }
        return SearchFilter.of(valuesByKey);
    }
}
