package org.qsearch.server.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.reranker.TestCollections;

/** The demo collection from an already fetched package (the cache layout the Python tools share): no network. */
class DemoCollectionTest {
    @Test
    void writesImagesAndAManifestOfNamedAppleEmojiOnce(@TempDir Path cache) throws Exception {
        Path pkg = Files.createDirectories(cache.resolve("npm/emoji-datasource-apple/package/img/apple/64"));
        Files.copy(TestCollections.fruitFolder().resolve("banana.png"), pkg.resolve("1f34c.png"));
        Files.copy(TestCollections.fruitFolder().resolve("lemon.png"), pkg.resolve("1f34b.png"));
        Files.writeString(pkg.resolve("../../../emoji.json"), """
                [{"name": "BANANA", "unified": "1F34C", "image": "1f34c.png", "has_img_apple": true,
                  "category": "Food & Drink", "subcategory": "food-fruit"},
                 {"name": "LEMON", "unified": "1F34B", "image": "1f34b.png", "has_img_apple": false,
                  "category": "Food & Drink", "subcategory": "food-fruit"},
                 {"name": "GHOST", "unified": "1F47B", "image": "1f47b.png", "has_img_apple": true,
                  "category": "Smileys & Emotion", "subcategory": "costume"},
                 {"name": null, "unified": "1F34D", "image": "1f34b.png", "has_img_apple": true}]
                """);
        DemoCollection demo = new DemoCollection(cache);
        assertEquals(1, demo.prepare(), "only named emoji with an Apple image that exists");
        List<String> lines = Files.readAllLines(demo.manifest());
        assertEquals(1, lines.size());
        JsonNode banana = new ObjectMapper().readTree(lines.getFirst());
        assertEquals("images/1f34c.png", banana.get("image").asText());
        assertEquals("1f34c", banana.get("id").asText());
        assertEquals("banana", banana.get("captions").get(0).asText());
        assertEquals("food-fruit", banana.get("metadata").get("subcategory").asText());
        assertTrue(Files.isRegularFile(demo.dir().resolve("images/1f34c.png")));

        FileTime written = Files.getLastModifiedTime(demo.manifest());
        assertEquals(1, new DemoCollection(cache).prepare());
        assertEquals(written, Files.getLastModifiedTime(demo.manifest()), "a second run reuses the collection");
    }
}
