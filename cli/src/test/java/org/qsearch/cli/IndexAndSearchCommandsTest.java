package org.qsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.QueryMeans;
import org.qsearch.indexer.bulk.StableIds;

/** bin/qsearch index and search, in-process on the shipped bundle and images. */
class IndexAndSearchCommandsTest {
    private static final String MODEL = CommandsTest.MODEL;
    private static final Path GOLDEN = Path.of(MODEL, "golden");

    /** The four shipped images' features, encoded one at a time in name order, as the index command's sample is. */
    private static List<ImageFeatures> goldenFeatures() throws Exception {
        try (Blip2Encoder encoder = Blip2Encoder.open(Path.of(MODEL), EncoderOptions.defaults())) {
            List<ImageFeatures> features = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                features.add(encoder.encodeImage(Files.readAllBytes(GOLDEN.resolve("image_" + i + ".png"))));
            }
            return features;
        }
    }

    @Test
    void indexThenSearchByTextAndByImage(@TempDir Path tmp) throws Exception {
        Path photos = Files.createDirectories(tmp.resolve("photos"));
        for (int i = 0; i < 4; i++) {
            Files.copy(GOLDEN.resolve("image_" + i + ".png"), photos.resolve("image_" + i + ".png"));
        }
        Files.writeString(photos.resolve("broken.png"), "not an image");
        Path index = tmp.resolve("index");
        Path errors = tmp.resolve("errors.jsonl");

        CommandsTest.Run indexed = CommandsTest.run("index", "--model", MODEL, "--index", index.toString(),
                "--input", photos.toString(), "--batch", "2", "--threads", "2", "--errors", errors.toString(),
                "--vector-format", "int8", "--hnsw-m", "8", "--hnsw-beam", "50");
        assertEquals(0, indexed.code(), indexed.err());
        JsonNode summary = new ObjectMapper().readTree(indexed.out());
        assertEquals(4, summary.get("indexed").asInt());
        assertEquals(1, summary.get("failed").asInt());
        assertEquals(1, Files.readAllLines(errors).size());
        IndexSettings recorded = IndexSettings.recorded(index).orElseThrow();
        assertEquals(QueryMeans.of(goldenFeatures()), recorded.queryMeans(), "--graph auto: the means of the input's images");
        assertEquals(IndexSettings.DEFAULT_GRAPH_MEAN_COSINE, recorded.graphMeanCosine());

        CommandsTest.Run again = CommandsTest.run("index", "--model", MODEL, "--index", index.toString(),
                "--input", photos.toString(), "--errors", errors.toString());
        assertEquals(0, again.code(), again.err());
        assertEquals(4, new ObjectMapper().readTree(again.out()).get("skipped").asInt(), "the index keeps its settings");

        CommandsTest.Run listed = CommandsTest.run("ls", "--index", index.toString());
        assertEquals(0, listed.code(), listed.err());
        assertEquals(List.of("image_0.png", "image_1.png", "image_2.png", "image_3.png"),
                listed.out().lines().map(line -> line.split(" ")[2]).sorted().toList());
        assertTrue(listed.out().lines().allMatch(line -> line.startsWith("image " + StableIds.image(line.split(" ")[2]) + " ")),
                listed.out());
        CommandsTest.Run counted = CommandsTest.run("ls", "--index", index.toString(), "--count");
        assertEquals(List.of("images 4", "texts 0"), counted.out().lines().toList());

        CommandsTest.Run byText = CommandsTest.run("search", "--model", MODEL, "--index", index.toString(),
                "--text", "a red heart", "--k", "3", "--json");
        assertEquals(0, byText.code(), byText.err());
        JsonNode json = new ObjectMapper().readTree(byText.out());
        assertEquals(3, json.get("results").size());
        assertTrue(json.has("took_ms"));
        JsonNode first = json.get("results").get(0);
        for (String field : new String[] {"id", "uri", "score", "itc", "best_query", "caption", "captions"}) {
            assertTrue(first.has(field), field + " in " + first);
        }

        CommandsTest.Run byImage = CommandsTest.run("search", "--model", MODEL, "--index", index.toString(),
                "--image", GOLDEN.resolve("image_2.png").toString(), "--exact", "--json");
        assertEquals(0, byImage.code(), byImage.err());
        JsonNode similar = new ObjectMapper().readTree(byImage.out()).get("results");
        double self = -2;
        for (JsonNode hit : similar) {
            if (hit.get("uri").asText().equals("image_2.png")) {
                self = hit.get("score").asDouble();
            }
        }
        assertEquals(similar.get(0).get("score").asDouble(), self, 1e-5, "an image finds itself first (ties within rounding)");

        CommandsTest.Run captioned = CommandsTest.run("index", "--model", MODEL, "--index", tmp.resolve("captioned").toString(),
                "--input", GOLDEN.toString(), "--captions", "--beams", "1", "--max-tokens", "5",
                "--index-captions-as-texts", "--errors", errors.toString());
        assertEquals(0, captioned.code(), captioned.err());
        assertEquals(4, new ObjectMapper().readTree(captioned.out()).get("texts").asInt(), "one generated caption each");
        CommandsTest.Run texts = CommandsTest.run("search", "--model", MODEL, "--index", tmp.resolve("captioned").toString(),
                "--image", GOLDEN.resolve("image_0.png").toString(), "--target", "texts", "--exact", "--json");
        assertEquals(0, texts.code(), texts.err());
        JsonNode textResults = new ObjectMapper().readTree(texts.out()).get("results");
        assertEquals(4, textResults.size());
        textResults.forEach(t -> assertTrue(t.get("id").asText().endsWith("#generated"), t.toString()));

        CommandsTest.Run lines = CommandsTest.run("search", "--model", MODEL, "--index", index.toString(),
                "--text", "a star", "--k", "2");
        assertEquals(0, lines.code(), lines.err());
        assertTrue(lines.out().contains("2 results in"), lines.out());
    }

    @Test
    void searchWantsExactlyOneQueryAndAnIndex(@TempDir Path tmp) {
        CommandsTest.Run both = CommandsTest.run("search", "--index", tmp.toString(), "--text", "x", "--image", "y.png");
        assertEquals(2, both.code());
        CommandsTest.Run noIndex = CommandsTest.run("search", "--model", MODEL, "--index", tmp.resolve("none").toString(),
                "--text", "x");
        assertEquals(1, noIndex.code());
        assertTrue(noIndex.err().contains("no index at"), noIndex.err());
    }
}
