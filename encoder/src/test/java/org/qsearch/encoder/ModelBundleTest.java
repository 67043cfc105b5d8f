package org.qsearch.encoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A damaged bundle fails at load with one error naming the file and the problem. */
class ModelBundleTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode manifest(Path dir) throws Exception {
        return (ObjectNode) JSON.readTree(dir.resolve("bundle.json").toFile());
    }

    static void save(Path dir, ObjectNode m) throws Exception {
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("bundle.json").toFile(), m);
    }

    static void assertFails(Path dir, String... fragments) {
        BundleException e = assertThrows(BundleException.class,
                () -> Blip2Encoder.open(dir, TestBundles.options()).close());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "\"" + e.getMessage() + "\" should mention " + f);
        }
    }

    @Test
    void theShippedBundleLoads() {
        ModelBundle b = ModelBundle.load(TestBundles.tiny());
        assertTrue(b.hasItm());
        assertTrue(b.hasCaptions());
        assertTrue(b.dims().numQueries() == 32);
    }

    @Test
    void missingGraphFile(@TempDir Path tmp) throws Exception {
        Path dir = TestBundles.copyTiny(tmp);
        Files.delete(dir.resolve("itm.onnx"));
        assertFails(dir, "itm.onnx", "missing");
    }

    @Test
    void truncatedGraph(@TempDir Path tmp) throws Exception {
        Path dir = TestBundles.copyTiny(tmp);
        byte[] g = Files.readAllBytes(dir.resolve("vision.onnx"));
        Files.write(dir.resolve("vision.onnx"), java.util.Arrays.copyOf(g, g.length / 2));
        assertFails(dir, "vision.onnx", "truncated");
    }

    @Test
    void corruptWeights(@TempDir Path tmp) throws Exception {
        Path dir = TestBundles.copyTiny(tmp);
        try (var ch = Files.newByteChannel(dir.resolve("weights.bin"), StandardOpenOption.WRITE)) {
            ch.position(1000);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
        }
        assertFails(dir, "weights.bin", "SHA-256");
    }

    @Test
    void wrongDimension(@TempDir Path tmp) throws Exception {
        Path dir = TestBundles.copyTiny(tmp);
        ObjectNode m = manifest(dir);
        ((ObjectNode) m.get("dims")).put("E", 999);
        save(dir, m);
        assertFails(dir, "dimension", "999");
    }

    @Test
    void graphWithWrongInputs(@TempDir Path tmp) throws Exception {
        // the manifest says vision.onnx is the vision graph, but the file is the itc_text graph
        Path dir = TestBundles.copyTiny(tmp);
        Files.copy(dir.resolve("itc_text.onnx"), dir.resolve("vision.onnx"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ObjectNode m = manifest(dir);
        ObjectNode files = (ObjectNode) m.get("files");
        files.set("vision.onnx", files.get("itc_text.onnx").deepCopy());
        save(dir, m);
        assertFails(dir, "vision.onnx", "inputs [input_ids, attention_mask]");
    }

    @Test
    void unsupportedFormatVersion(@TempDir Path tmp) throws Exception {
        Path dir = TestBundles.copyTiny(tmp);
        ObjectNode m = manifest(dir);
        m.put("format_version", 99);
        save(dir, m);
        assertFails(dir, "bundle.json", "format_version 99");
    }

    @Test
    void optionalGraphsMayBeAbsent(@TempDir Path tmp) throws Exception {
        Path dir = TestBundles.copyTiny(tmp);
        ObjectNode m = manifest(dir);
        ObjectNode graphs = (ObjectNode) m.get("graphs");
        for (String g : List.of("itm", "caption_prefix", "llm_embed", "llm")) {
            graphs.remove(g);
            Files.delete(dir.resolve(g + ".onnx"));
            ((ObjectNode) m.get("files")).remove(g + ".onnx");
        }
        save(dir, m);
        try (Blip2Encoder enc = Blip2Encoder.open(dir, TestBundles.options())) {
            assertFalse(enc.hasItm());
            assertFalse(enc.hasCaptions());
            assertThrows(UnsupportedOperationException.class,
                    () -> enc.itmLogits(new float[enc.bundle().dims().tokens() * enc.bundle().dims().visionWidth()],
                            List.of("a dog")));
            assertThrows(UnsupportedOperationException.class, enc::captions);
            assertTrue(enc.encodeTexts(List.of("a dog"))[0].length == enc.bundle().dims().embedDim());
        }
    }

    static ObjectNode tensor(ObjectNode m, String graph, String side, int index) {
        return (ObjectNode) m.get("graphs").get(graph).get(side).get(index);
    }

    @Test
    void unsupportedDtypeIsRefusedByName(@TempDir Path tmp) throws Exception {
        Path dir = TestBundles.copyTiny(tmp);
        ObjectNode m = manifest(dir);
        tensor(m, "vision", "inputs", 0).put("dtype", "bfloat16");
        save(dir, m);
        assertFails(dir, "vision.onnx input pixel_values", "\"bfloat16\"", "[float, float16]");
    }

    @Test
    void idsMustBeInt64(@TempDir Path tmp) throws Exception {
        Path dir = TestBundles.copyTiny(tmp);
        ObjectNode m = manifest(dir);
        tensor(m, "itc_text", "inputs", 0).put("dtype", "float");
        save(dir, m);
        assertFails(dir, "itc_text.onnx input input_ids", "\"int64\"");
    }

    @Test
    void declaredDtypeMustMatchTheGraph(@TempDir Path tmp) throws Exception {
        // bundle.json says float16, the ONNX graph takes float32
        Path dir = TestBundles.copyTiny(tmp);
        ObjectNode m = manifest(dir);
        tensor(m, "itc_image", "outputs", 0).put("dtype", "float16");
        save(dir, m);
        assertFails(dir, "itc_image.onnx", "query_embeds", "FLOAT", "\"float16\"");
    }
}
