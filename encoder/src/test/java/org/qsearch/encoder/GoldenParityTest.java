package org.qsearch.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every graph of the shipped bundle, run by ONNX Runtime from Java, against PyTorch's golden outputs.
 * -Dqsearch.test.bundle names another bundle with golden.json (the tools' smoke test runs it on a fresh export
 * and on that export converted to float16 by tools/bundle/fp16_bundle.py). A float32 bundle must match within
 * 1e-4 absolute; a float16 one (its vision graph returns float16) within 1e-2 times the expected tensor's
 * scale, its RMS but at least 1: float16 keeps 11 significant bits, and the un-normalized trunk tokens (RMS about
 * 4, peaks over 30) move by more than 1e-2 absolute once the weights are rounded to float16.
 */
class GoldenParityTest {
    static Blip2Encoder encoder;
    static JsonNode golden;
    static boolean fp16;
    static double TOLERANCE;

    @BeforeAll
    static void open() throws IOException {
        encoder = Blip2Encoder.open(TestBundles.tiny(), TestBundles.options());
        golden = new ObjectMapper().readTree(TestBundles.tiny().resolve("golden.json").toFile());
        fp16 = encoder.bundle().graphs().get(Graph.VISION.id).outputs().getFirst().dtype().equals("float16");
        TOLERANCE = fp16 ? 1e-2 : 1e-4;
    }

    @AfterAll
    static void close() {
        System.out.println("parity of " + encoder.bundle().name() + " (max " + (fp16 ? "scaled " : "abs ")
                + "diff per output): " + WORST);
        encoder.close();
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    /** Max abs diff; for a float16 bundle, divided by max(1, RMS of expected). */
    static double maxAbsDiff(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "length");
        double max = 0;
        double squares = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
            squares += (double) expected[i] * expected[i];
        }
        return fp16 ? max / Math.max(1, Math.sqrt(squares / Math.max(1, expected.length))) : max;
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        double d = maxAbsDiff(expected, actual);
        assertTrue(d <= tol, what + ": max " + (fp16 ? "scaled " : "abs ") + "diff " + d + " > " + tol);
        WORST.merge(what.split(" ")[0], d, Math::max);
    }

    static final java.util.Map<String, Double> WORST = new java.util.TreeMap<>();

    List<float[]> goldenPixels() {
        List<float[]> px = new ArrayList<>();
        golden.get("images").forEach(img -> px.add(floats(img.get("pixel_values"))));
        return px;
    }

    @Test
    void visionAndItcImageMatchPyTorch() {
        List<ImageFeatures> f = encoder.encodePixels(goldenPixels());
        for (int i = 0; i < f.size(); i++) {
            JsonNode img = golden.get("images").get(i);
            assertClose(floats(img.get("image_tokens")), f.get(i).imageTokens(), TOLERANCE, "image_tokens " + i);
            assertClose(floats(img.get("query_embeds")), f.get(i).queryEmbeds(), TOLERANCE, "query_embeds " + i);
        }
    }

    @Test
    void javaPreprocessingOfGoldenImagesMatchesPil() throws Exception {
        for (JsonNode img : golden.get("images")) {
            byte[] bytes = Files.readAllBytes(TestBundles.tiny().resolve(img.get("file").asText()));
            assertClose(floats(img.get("pixel_values")), encoder.preprocess(bytes), 1.0 / 255 / 0.26,
                    "pixels of " + img.get("file").asText());
        }
    }

    @Test
    void tokenizerIdsAndTextEmbedsMatch() {
        List<String> texts = new ArrayList<>();
        for (JsonNode t : golden.get("texts")) {
            texts.add(t.get("text").asText());
            assertArrayEquals(longs(t.get("input_ids")), encoder.tokenizer().encode(t.get("text").asText()),
                    "ids of \"" + t.get("text").asText() + "\"");
        }
        float[][] emb = encoder.encodeTexts(texts);
        for (int i = 0; i < texts.size(); i++) {
            assertClose(floats(golden.get("texts").get(i).get("text_embeds")), emb[i], TOLERANCE, texts.get(i));
        }
    }

    @Test
    void itmLogitsMatch() {
        List<String> texts = new ArrayList<>();
        golden.get("itm_text_order").forEach(t -> texts.add(t.asText()));
        List<ImageFeatures> f = encoder.encodePixels(goldenPixels());
        for (int i = 0; i < f.size(); i++) {
            float[][] logits = encoder.itmLogits(f.get(i).imageTokens(), texts);
            JsonNode expected = golden.get("itm_logits").get(i);
            for (int j = 0; j < texts.size(); j++) {
                assertClose(floats(expected.get(j)), logits[j], TOLERANCE, "itm image " + i + " text " + j);
            }
        }
    }

    @Test
    void captionPrefixMatches() {
        List<ImageFeatures> f = encoder.encodePixels(goldenPixels());
        List<float[]> tokens = f.stream().map(ImageFeatures::imageTokens).toList();
        float[] prefix = encoder.captions().prefixEmbeds(tokens);
        int per = prefix.length / tokens.size();
        for (int i = 0; i < tokens.size(); i++) {
            float[] mine = java.util.Arrays.copyOfRange(prefix, i * per, (i + 1) * per);
            assertClose(floats(golden.get("images").get(i).get("prefix_embeds")), mine, TOLERANCE, "prefix " + i);
        }
    }

    @Test
    void llmLogitsMatch() {
        long[] ids = longs(golden.get("llm_text_ids"));
        float[] last = encoder.captions().lastLogitsOfText(ids);
        float[] head = java.util.Arrays.copyOf(last, golden.get("llm_last_logits_head").size());
        assertClose(floats(golden.get("llm_last_logits_head")), head, TOLERANCE, "llm logits");
        assertArrayEquals(ids, encoder.captions().tokenizer().encode(golden.get("llm_text").asText()),
                "LLM tokenizer ids");
    }

    @Test
    void greedyCaptionsAreTokenForTokenEqual() {
        List<float[]> tokens = encoder.encodePixels(goldenPixels()).stream().map(ImageFeatures::imageTokens).toList();
        int max = golden.get("max_new_tokens").asInt();
        List<CaptionGenerator.Caption> caps = encoder.captions().caption(tokens,
                new CaptionGenerator.Settings(1, max, 0));
        for (int i = 0; i < caps.size(); i++) {
            JsonNode img = golden.get("images").get(i);
            long[] want = longs(img.get("caption_ids"));
            long[] got = caps.get(i).tokenIds();
            if (fp16) {
                // float16 may flip a near-tie of an argmax (the smoke test's briefly trained model has many), so
                // the numbers are checked above; here: decoding runs through the float16 KV cache to the end
                int same = 0;
                while (same < Math.min(want.length, got.length) && want[same] == got[same]) {
                    same++;
                }
                System.out.println("float16 caption " + i + ": first " + same + " of " + want.length
                        + " golden tokens equal");
                assertTrue(got.length == max || got[got.length - 1] == encoder.bundle().llm().stopTokenId(),
                        "caption " + i + " ended early: " + java.util.Arrays.toString(got));
                continue;
            }
            assertArrayEquals(want, got, "caption ids of image " + i);
            assertEquals(img.get("caption").asText(), caps.get(i).text());
        }
        assertArrayEquals(longs(golden.get("caption_prompt_ids")),
                encoder.captions().tokenizer().encode(encoder.bundle().llm().captionPrompt()));
    }
}
