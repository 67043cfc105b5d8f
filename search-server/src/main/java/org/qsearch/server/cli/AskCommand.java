package org.qsearch.server.cli;

import org.qsearch.encoder.Blip2Encoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** Answers a question about an image with BLIP-2's "Question: {} Short answer:" prompt. */
@Command(name = "ask", mixinStandardHelpOptions = true, description = "Answer a question about an image (JSON out).")
final class AskCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Mixin
    GenerationOptions generation;

    @Parameters(index = "0", paramLabel = "FILE", description = "image file")
    Path file;

    @Parameters(index = "1", paramLabel = "QUESTION", description = "the question")
    String question;

    @Override
    public Integer call() throws Exception {
        try (Blip2Encoder enc = model.open()) {
            float[] tokens = enc.encodeImage(Files.readAllBytes(file)).imageTokens();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("file", file.toString());
            out.put("question", question);
            out.put("answer", enc.captions().ask(tokens, question, generation.settings()).text());
            System.out.println(Json.write(out));
        }
        return 0;
    }
}
