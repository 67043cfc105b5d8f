package org.qsearch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.search.SearchCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Answers a question about an image with BLIP-2's "Question: {} Short answer:" prompt. */
@Command(name = "ask", mixinStandardHelpOptions = true,
        description = "Answer a question about an image file, or an indexed image with --index DIR --id ID (JSON out).")
final class AskCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Mixin
    GenerationFlags generation;

    @Mixin
    IndexedImageOption indexed;

    @Parameters(arity = "1..2", paramLabel = "[FILE] QUESTION", description = "image file (unless --id) and the question")
    List<String> args;

    @Override
    public Integer call() throws Exception {
        indexed.check(args.size() == 2);
        String question = args.getLast();
        Map<String, Object> out = new LinkedHashMap<>();
        if (indexed.given()) {
            try (SearchCollection collection = indexed.open(model)) {
                out.put("id", indexed.id);
                out.put("question", question);
                out.put("answer", collection.pipeline().ask(indexed.id, question, generation.options()));
            }
        } else {
            Path file = Path.of(args.getFirst());
            try (Blip2Encoder enc = model.open()) {
                float[] tokens = enc.encodeImage(Files.readAllBytes(file)).imageTokens();
                out.put("file", file.toString());
                out.put("question", question);
                out.put("answer", enc.captions().ask(tokens, question, generation.options().settings()).text());
            }
        }
        System.out.println(Json.write(out));
        return 0;
    }
}
