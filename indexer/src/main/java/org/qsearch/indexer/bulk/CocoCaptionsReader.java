package org.qsearch.indexer.bulk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A COCO-style captions file: {@code images[]} with {@code id} and {@code file_name} (relative
 * to the file's folder), {@code annotations[]} with {@code image_id} and {@code caption}. The
 * file is read whole (COCO's largest is about 90 MB). Each image keeps its COCO id as metadata
 * {@code coco_id}; its index id derives from its path, as for a folder.
 */
public final class CocoCaptionsReader implements InputReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Path root;
    private JsonNode parsed;

    public CocoCaptionsReader(Path file) {
        this.file = file.toAbsolutePath().normalize();
        this.root = this.file.getParent();
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public OptionalLong size() throws IOException {
        return OptionalLong.of(json().path("images").size());
    }

    @Override
    public void read(Sink sink) throws IOException, InterruptedException {
        JsonNode images = json().path("images");
        if (!images.isArray()) {
            throw new IOException(file + ": not a COCO captions file (no \"images\" array)");
        }
        Map<String, List<String>> captions = new HashMap<>();
        JsonNode annotations = json().path("annotations");
        for (int i = 0; i < annotations.size(); i++) {
            JsonNode a = annotations.get(i);
            if (!a.path("image_id").isValueNode() || !a.path("caption").isTextual()) {
                sink.malformed(new ItemError(file.toString(), null, "annotations[" + i + "] lacks image_id or caption"));
                continue;
            }
            captions.computeIfAbsent(a.get("image_id").asText(), k -> new ArrayList<>()).add(a.get("caption").asText());
        }
        for (int i = 0; i < images.size(); i++) {
            JsonNode image = images.get(i);
            if (!image.path("id").isValueNode() || !image.path("file_name").isTextual()) {
                sink.malformed(new ItemError(file.toString(), null, "images[" + i + "] lacks id or file_name"));
                continue;
            }
            String cocoId = image.get("id").asText();
            String metadata = JSON.createObjectNode().put("coco_id", cocoId).toString();
            SourceItem item;
            try {
                item = ManifestEntries.item(root, file.toString(), null, image.get("file_name").asText(), null, null,
                        captions.getOrDefault(cocoId, List.of()), metadata);
            } catch (IllegalArgumentException e) {
                sink.malformed(new ItemError(file.toString(), null, "images[" + i + "] " + e.getMessage()));
                continue;
            }
            sink.item(item);
        }
    }

    private JsonNode json() throws IOException {
        if (parsed == null) {
            parsed = JSON.readTree(file.toFile());
        }
        return parsed;
    }
}
