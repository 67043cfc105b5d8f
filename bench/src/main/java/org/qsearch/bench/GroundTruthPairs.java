package org.qsearch.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A ground-truth file: one JSON object per line, {@code {"image": URI, "text": TEXT}}, the URI as
 * the index knows it (relative to the collection root). Pair i says text i describes image i.
 */
public final class GroundTruthPairs {
    public record Pair(String image, String text) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private GroundTruthPairs() {}

    public static List<Pair> read(Path file) throws IOException {
        List<Pair> pairs = new ArrayList<>();
        int number = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + ":" + number + ": invalid JSON: " + e.getOriginalMessage());
            }
            String image = node == null ? null : node.path("image").asText(null);
            String text = node == null ? null : node.path("text").asText(null);
            if (image == null || image.isBlank() || text == null || text.isBlank()) {
                throw new IllegalArgumentException(file + ":" + number + ": want {\"image\": URI, \"text\": TEXT}");
            }
            pairs.add(new Pair(image, text));
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no pairs");
        }
        return pairs;
    }
}
