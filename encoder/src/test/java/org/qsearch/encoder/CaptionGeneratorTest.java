package org.qsearch.encoder;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaptionGeneratorTest {
    static Blip2Encoder encoder;
    static float[] tokens;

    @BeforeAll
    static void open() throws Exception {
        encoder = Blip2Encoder.open(TestBundles.tiny(), TestBundles.options());
        tokens = encoder.encodeImage(java.nio.file.Files.readAllBytes(TestBundles.tiny().resolve("golden/image_0.png")))
                .imageTokens();
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void beamSearchRespectsLengthLimits() {
        long stop = encoder.bundle().llm().stopTokenId();
        CaptionGenerator.Caption c = encoder.captions().caption(List.of(tokens),
                new CaptionGenerator.Settings(3, 12, 4)).getFirst();
        int generated = c.tokenIds().length;
        assertTrue(generated >= 4 && generated <= 12, "generated " + generated);
        for (int i = 0; i < Math.min(4, generated); i++) {
            assertTrue(c.tokenIds()[i] != stop, "stop token before min length");
        }
    }

    @Test
    void greedyBatchEqualsOneByOne() {
        CaptionGenerator.Settings s = new CaptionGenerator.Settings(1, 8, 0);
        float[] other = encoder.encodePixels(List.of(new float[3 * 48 * 48])).getFirst().imageTokens();
        List<CaptionGenerator.Caption> batch = encoder.captions().caption(List.of(tokens, other), s);
        assertEquals(List.of(encoder.captions().caption(List.of(tokens), s).getFirst().text(),
                encoder.captions().caption(List.of(other), s).getFirst().text()),
                batch.stream().map(CaptionGenerator.Caption::text).toList());
    }

    @Test
    void emptyQuestionIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> encoder.captions().ask(tokens, " ", CaptionGenerator.Settings.GREEDY));
    }

    @Test
    void askFillsTheBundlesQuestionTemplate() {
        CaptionGenerator.Settings s = new CaptionGenerator.Settings(1, 5, 1);
        CaptionGenerator.Caption answer = encoder.captions().ask(tokens, "  what is this?  ", s);
        String prompt = encoder.bundle().llm().questionPrompt().replace("{}", "what is this?");
        CaptionGenerator.Caption direct = encoder.captions().generate(List.of(tokens), prompt, s).getFirst();
        assertEquals(java.util.Arrays.toString(direct.tokenIds()), java.util.Arrays.toString(answer.tokenIds()),
                "ask = generation after the question template with the trimmed question");
    }
}
