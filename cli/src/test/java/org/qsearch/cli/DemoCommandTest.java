package org.qsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.IndexLayoutException;
import org.qsearch.indexer.TestCollections;
import picocli.CommandLine;

/** The demo indexes its collection with captions once; a second run finds the index complete and skips it. */
class DemoCommandTest {
    @Test
    void indexesOnceWithCaptionsAndTheNamesAsTexts(@TempDir Path cache) throws Exception {
        Path pkg = Files.createDirectories(cache.resolve("npm/emoji-datasource-apple@16.0.0/package/img/apple/64"));
        Files.copy(TestCollections.fruitFolder().resolve("pear.png"), pkg.resolve("1f350.png"));
        Files.copy(TestCollections.fruitFolder().resolve("peach.png"), pkg.resolve("1f351.png"));
        Files.writeString(pkg.resolve("../../../emoji.json"), """
                [{"name": "PEAR", "unified": "1F350", "image": "1f350.png", "has_img_apple": true,
                  "category": "Food & Drink", "subcategory": "food-fruit"},
                 {"name": "PEACH", "unified": "1F351", "image": "1f351.png", "has_img_apple": true,
                  "category": "Food & Drink", "subcategory": "food-fruit"}]
                """);
        Path labels = Files.createDirectories(cache.resolve("npm/emojibase-data@17.0.0/package/en"));
        Files.writeString(labels.resolve("data.json"), "[{\"label\": \"pear\", \"hexcode\": \"1F350\"}]");
        DemoCommand demo = CommandLine.populateCommand(new DemoCommand(), "--model", CommandsTest.MODEL);
        DemoCollection collection = new DemoCollection(cache);
        // the index an older qsearch cached (before indexes were named by model), to be replaced
        Path stale = Files.createDirectories(collection.dir().resolve("index"));

        assertTrue(demo.ensureIndexed(collection), "the first run indexes");
        assertFalse(Files.exists(stale), "the index of another model bundle is deleted");
        try (CollectionIndex index = CollectionIndex.open(demo.index(collection))) {
            assertEquals(2, index.imageCount());
            assertEquals(4, index.textCount(), "each name and each generated caption, as texts");
            assertFalse(index.findImage("1f350").orElseThrow().generatedCaption().isBlank());
            assertEquals("2", index.commitUserData().get(DemoCommand.COMPLETE_KEY));
        }
        assertFalse(demo.ensureIndexed(collection), "the second run finds the index complete");

        // an index cached by a qsearch of another index layout (its settings file names none: layout 1)
        Path settings = demo.index(collection).resolve("qsearch-index.json");
        Files.writeString(settings, Files.readString(settings).replaceFirst("\"layout\" : \\d+,", ""));
        assertThrows(IndexLayoutException.class, () -> CollectionIndex.open(demo.index(collection)));
        assertTrue(demo.ensureIndexed(collection), "an index in another layout is rebuilt");
        try (CollectionIndex index = CollectionIndex.open(demo.index(collection))) {
            assertEquals(2, index.imageCount());
        }
        assertFalse(demo.ensureIndexed(collection), "then found complete");
    }
}
