package org.qsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.index.FeatureMode;
import org.qsearch.indexer.TestCollections;

/** eval, classify, and ask/caption on an indexed image, in-process on a real fruit index. */
class PipelineCommandsTest {
    private static final String MODEL = CommandsTest.MODEL;

    @Test
    void evalClassifyAskAndCaptionOnAnIndex(@TempDir Path tmp) throws Exception {
        Path fruit = tmp.resolve("fruit");
        Path index = tmp.resolve("index");
        try (Blip2Encoder enc = TestCollections.encoder()) {
            TestCollections.indexFruit(enc, fruit, index, FeatureMode.RECOMPUTE, Map.of(), TestCollections.Names.CAPTIONS);
        }
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> e : TestCollections.FRUIT.entrySet()) {
            lines.add(json.writeValueAsString(Map.of("image", e.getKey() + ".png", "text", e.getValue())));
        }
        Path pairs = Files.write(tmp.resolve("pairs.jsonl"), lines);

        CommandsTest.Run eval = CommandsTest.run("eval", "--model", MODEL, "--index", index.toString(), "--root",
                fruit.toString(), "--pairs", pairs.toString(), "--rerank", "8", "--json");
        assertEquals(0, eval.code(), eval.err());
        JsonNode figures = json.readTree(eval.out());
        assertEquals(12, figures.get("gallery").asInt());
        assertEquals(8, figures.get("rerank_k").asInt());
        for (String part : new String[] {"itc", "rerank"}) {
            for (String key : new String[] {"t2i_r1", "t2i_r5", "t2i_r10", "i2t_r1", "i2t_r5", "i2t_r10"}) {
                double v = figures.get(part).get(key).asDouble(-1);
                assertTrue(v >= 0 && v <= 1, part + "." + key + " = " + v);
            }
            assertTrue(figures.get(part).get("t2i_r1").asDouble() <= figures.get(part).get("t2i_r10").asDouble());
        }

        // without --root, the root the bulk run recorded: a recompute index reranks from its sources there
        CommandsTest.Run recordedRoot = CommandsTest.run("eval", "--model", MODEL, "--index", index.toString(),
                "--pairs", pairs.toString(), "--rerank", "8", "--json");
        assertEquals(0, recordedRoot.code(), recordedRoot.err());
        JsonNode again = json.readTree(recordedRoot.out());
        assertEquals(figures.get("itc"), again.get("itc"));
        assertEquals(figures.get("rerank"), again.get("rerank"));

        CommandsTest.Run classify = CommandsTest.run("classify", "--model", MODEL, "--labels", "banana,grapes,lemon",
                "--template", "{}", "--itm", fruit.resolve("banana.png").toString());
        assertEquals(0, classify.code(), classify.err());
        JsonNode labels = json.readTree(classify.out()).get("labels");
        assertEquals(3, labels.size());
        assertEquals("banana", labels.get(0).get("label").asText());
        assertTrue(labels.get(0).has("itm"));

        CommandsTest.Run byId = CommandsTest.run("classify", "--model", MODEL, "--index", index.toString(), "--root",
                fruit.toString(), "--id", "banana", "--labels", "banana,grapes,lemon", "--template", "{}", "--itm");
        assertEquals(0, byId.code(), byId.err());
        assertEquals("banana", json.readTree(byId.out()).get("labels").get(0).get("label").asText());

        CommandsTest.Run ask = CommandsTest.run("ask", "--model", MODEL, "--index", index.toString(), "--root",
                fruit.toString(), "--id", "pear", "--beams", "1", "--max-tokens", "5", "what is this?");
        assertEquals(0, ask.code(), ask.err());
        CommandsTest.Run askFile = CommandsTest.run("ask", "--model", MODEL, "--beams", "1", "--max-tokens", "5",
                fruit.resolve("pear.png").toString(), "what is this?");
        assertEquals(json.readTree(askFile.out()).get("answer"), json.readTree(ask.out()).get("answer"),
                "recomputed tokens: the same answer as the file");

        CommandsTest.Run caption = CommandsTest.run("caption", "--model", MODEL, "--index", index.toString(), "--root",
                fruit.toString(), "--id", "lemon", "--beams", "2", "--max-tokens", "6");
        assertEquals(0, caption.code(), caption.err());
        CommandsTest.Run captionFile = CommandsTest.run("caption", "--model", MODEL, "--beams", "2", "--max-tokens", "6",
                fruit.resolve("lemon.png").toString());
        assertEquals(json.readTree(captionFile.out()).get(0).get("caption"), json.readTree(caption.out()).get(0).get("caption"));

        CommandsTest.Run both = CommandsTest.run("caption", "--model", MODEL, "--index", index.toString(), "--id", "lemon",
                fruit.resolve("lemon.png").toString());
        assertEquals(1, both.code());
        assertTrue(both.err().contains("not both"), both.err());
        CommandsTest.Run idAlone = CommandsTest.run("ask", "--model", MODEL, "--id", "pear", "what?");
        assertEquals(1, idAlone.code());
        assertTrue(idAlone.err().contains("--id needs --index"), idAlone.err());
        assertFalse(idAlone.err().isBlank());
    }
}
