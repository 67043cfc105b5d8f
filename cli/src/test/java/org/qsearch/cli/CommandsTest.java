package org.qsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The launcher's commands, run in-process on the shipped bundle. */
class CommandsTest {
    static final Path ROOT = Path.of(System.getProperty("qsearch.root", "..")).toAbsolutePath().normalize();
    static final String MODEL = ROOT.resolve("models/tiny-blip2").toString();

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void embedPrintsQueryVectorsAndTextVectors() throws Exception {
        Run r = run("embed", "--model", MODEL, "--image", MODEL + "/golden/image_0.png", "--text", "red heart");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        JsonNode queries = json.get("images").get(0).get("query_embeds");
        assertEquals(32, queries.size());
        double norm = 0;
        for (JsonNode v : json.get("texts").get(0).get("text_embeds")) {
            norm += v.asDouble() * v.asDouble();
        }
        assertEquals(1.0, norm, 1e-4, "text vector is L2-normalized");
    }

    @Test
    void captionOfANonImageFailsWithAClearMessage(@TempDir Path tmp) throws Exception {
        Path notImage = Files.writeString(tmp.resolve("notes.png"), "these are words");
        Run r = run("caption", "--model", MODEL, notImage.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not an image"), r.err());
    }

    @Test
    void askAnswersAsJson() throws Exception {
        Run r = run("ask", "--model", MODEL, "--beams", "1", "--max-tokens", "5", MODEL + "/golden/image_1.png",
                "what is this?");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("what is this?", json.get("question").asText());
        assertTrue(json.has("answer"));
    }

    @Test
    void missingBundleIsReported(@TempDir Path tmp) {
        Run r = run("embed", "--model", tmp.toString(), "--text", "x");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bundle.json"), r.err());
    }
}
