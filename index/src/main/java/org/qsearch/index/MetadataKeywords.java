package org.qsearch.index;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The filterable view of a metadata JSON object: each top-level string, number or boolean (or
 * array of them) becomes a keyword {@code key -> text}. Numbers keep their JSON spelling
 * ("42", "3.5"), so a filter matches the value exactly as written; nested objects are stored
 * but not filterable.
 */
public record MetadataKeywords(String json, List<Map.Entry<String, String>> keywords) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static MetadataKeywords parse(String metadataJson) {
        if (metadataJson == null || metadataJson.isBlank()) {
            return new MetadataKeywords("{}", List.of());
        }
        JsonNode root;
        try {
            root = JSON.readTree(metadataJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metadata is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("metadata must be a JSON object");
        }
        List<Map.Entry<String, String>> keywords = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            JsonNode value = field.getValue();
            if (value.isArray()) {
                value.forEach(element -> addScalar(keywords, field.getKey(), element));
            } else {
                addScalar(keywords, field.getKey(), value);
            }
        }
        return new MetadataKeywords(root.toString(), List.copyOf(keywords));
    }

    private static void addScalar(List<Map.Entry<String, String>> keywords, String key, JsonNode value) {
        if (value.isTextual() || value.isNumber() || value.isBoolean()) {
            keywords.add(Map.entry(key, value.asText()));
        }
    }
}
