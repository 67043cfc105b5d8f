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

/** Every graph of the shipped bundle, run by ONNX Runtime from Java, against PyTorch's golden outputs. */
class GoldenParityTest {
    static final double TOLERANCE = 1e-4;
    static Blip2Encoder encoder;
    static JsonNode golden;

    @BeforeAll
    static void open() throws IOException {
        encoder = Blip2Encoder.open(TestBundles.tiny(), TestBundles.options());
        golden = new ObjectMapper().readTree(TestBundles.tiny().resolve("golden.json").toFile());
    }

    @AfterAll
    static void close() {
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

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "length");
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        double d = maxAbsDiff(expected, actual);
        assertTrue(d <= tol, what + ": max abs diff " + d + " > " + tol);
    }

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
            assertArrayEquals(longs(img.get("caption_ids")), caps.get(i).tokenIds(), "caption ids of image " + i);
            assertEquals(img.get("caption").asText(), caps.get(i).text());
        }
        assertArrayEquals(longs(golden.get("caption_prompt_ids")),
                encoder.captions().tokenizer().encode(encoder.bundle().llm().captionPrompt()));
    }
}
