package org.qsearch.cli;

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
import org.qsearch.indexer.TestCollections;

/** The demo collection from already fetched packages (the cache layout the Python tools share): no network. */
class DemoCollectionTest {
    @Test
    void writesImagesAndAManifestOfNamedAppleEmojiOnce(@TempDir Path cache) throws Exception {
        Path pkg = Files.createDirectories(cache.resolve("npm/emoji-datasource-apple@16.0.0/package/img/apple/64"));
        Files.copy(TestCollections.fruitFolder().resolve("banana.png"), pkg.resolve("1f34c.png"));
        Files.copy(TestCollections.fruitFolder().resolve("lemon.png"), pkg.resolve("1f34b.png"));
        Files.writeString(pkg.resolve("../../../emoji.json"), """
                [{"name": "BANANA", "unified": "1F34C", "image": "1f34c.png", "has_img_apple": true,
                  "category": "Food & Drink", "subcategory": "food-fruit"},
                 {"name": "LEMON", "unified": "1F34B", "image": "1f34b.png", "has_img_apple": false,
                  "category": "Food & Drink", "subcategory": "food-fruit"},
                 {"name": "GHOST", "unified": "1F47B", "image": "1f47b.png", "has_img_apple": true,
                  "category": "Smileys & Emotion", "subcategory": "costume"},
                 {"name": "HEAVY BLACK HEART", "unified": "2764-FE0F", "image": "2764-fe0f.png", "has_img_apple": true,
                  "category": "Smileys & Emotion", "subcategory": "heart"},
                 {"name": null, "unified": "1F34D", "image": "1f34b.png", "has_img_apple": true}]
                """);
        Files.copy(TestCollections.fruitFolder().resolve("lemon.png"), pkg.resolve("2764-fe0f.png"));
        Path labels = Files.createDirectories(cache.resolve("npm/emojibase-data@17.0.0/package/en"));
        // emojibase drops FE0F from the hexcode; banana has no entry and keeps its Unicode name
        Files.writeString(labels.resolve("data.json"), """
                [{"label": "red heart", "hexcode": "2764"}, {"label": "ghost", "hexcode": "1F47B"}]
                """);
        DemoCollection demo = new DemoCollection(cache);
        assertEquals(2, demo.prepare(), "only named emoji with an Apple image that exists");
        List<String> lines = Files.readAllLines(demo.manifest());
        assertEquals(2, lines.size());
        JsonNode banana = new ObjectMapper().readTree(lines.getFirst());
        JsonNode heart = new ObjectMapper().readTree(lines.get(1));
        assertEquals("red heart", heart.get("captions").get(0).asText(), "the CLDR label, joined without FE0F");
        assertEquals("heavy black heart", heart.get("metadata").get("unicode_name").asText());
        assertEquals("images/1f34c.png", banana.get("image").asText());
        assertEquals("1f34c", banana.get("id").asText());
        assertEquals("banana", banana.get("captions").get(0).asText());
        assertEquals("food-fruit", banana.get("metadata").get("subcategory").asText());
        assertTrue(Files.isRegularFile(demo.dir().resolve("images/1f34c.png")));

        FileTime written = Files.getLastModifiedTime(demo.manifest());
        assertEquals(2, new DemoCollection(cache).prepare());
        assertEquals(written, Files.getLastModifiedTime(demo.manifest()), "a second run reuses the collection");
    }
}
