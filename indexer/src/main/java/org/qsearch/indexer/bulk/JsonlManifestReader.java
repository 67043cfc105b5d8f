package org.qsearch.indexer.bulk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A JSONL manifest: one object per line, {@code {"image": "a/b.png"} } (relative to the
 * manifest's folder) or {@code {"text": "..."} }, each with optional {@code "id"},
 * {@code "captions": [...]} and {@code "metadata": {...}}. Blank lines are skipped; a line that
 * is not such an object is reported with its line number.
 */
public final class JsonlManifestReader implements InputReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ManifestFile manifest;

    public JsonlManifestReader(Path manifest) {
        this.manifest = ManifestFile.of(manifest);
    }

    @Override
    public Path root() {
        return manifest.root();
    }

    @Override
    public OptionalLong size() throws IOException {
        return OptionalLong.of(manifest.nonBlankLines());
    }

    @Override
    public void read(Sink sink) throws IOException, InterruptedException {
        try (BufferedReader in = Files.newBufferedReader(manifest.path(), StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                SourceItem item;
                try {
                    item = parse(line, number);
                } catch (IllegalArgumentException e) {
                    sink.malformed(new ItemError(manifest.toString(), number, e.getMessage()));
                    continue;
                }
                sink.item(item);
            }
        }
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
