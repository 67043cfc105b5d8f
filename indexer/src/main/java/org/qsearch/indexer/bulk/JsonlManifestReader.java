package org.qsearch.indexer.bulk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSONL manifest: one object per line, {@code {"image": "a/b.png"} } (relative to the
 * manifest's folder) or {@code {"text": "..."} }, each with optional {@code "id"},
 * {@code "captions": [...]} and {@code "metadata": {...}}. Blank lines are skipped; a line that
 * is not such an object is reported with its line number.
 */
public final class JsonlManifestReader extends LineManifestReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    public JsonlManifestReader(Path manifest) {
        super(manifest, 0);
    }

    @Override
    EntryParser start(BufferedReader in) {
        return this::parse;
    }

    private SourceItem parse(String line, int number) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode metadata = node.get("metadata");
        if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
            throw new IllegalArgumentException("\"metadata\" is not an object");
        }
        return ManifestEntries.item(manifest.root(), manifest.toString(), number, string(node, "image"), string(node, "text"),
                string(node, "id"), captions(node.get("captions")),
                metadata == null || metadata.isNull() ? null : metadata.toString());
    }

    private static String string(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() && !value.isNumber()) {
            throw new IllegalArgumentException("\"" + field + "\" is not a string");
        }
        return value.asText();
    }

    private static List<String> captions(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("\"captions\" is not an array");
        }
        List<String> captions = new ArrayList<>();
        for (JsonNode caption : node) {
            if (!caption.isTextual()) {
                throw new IllegalArgumentException("\"captions\" holds a non-string");
            }
            captions.add(caption.asText());
        }
        return captions;
    }
}
