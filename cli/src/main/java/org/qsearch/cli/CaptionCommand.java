package org.qsearch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.CaptionGenerator;
import org.qsearch.search.SearchCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Captions images with the bundle's LLM; prints JSON. */
@Command(name = "caption", mixinStandardHelpOptions = true,
        description = "Caption image files, or an indexed image with --index DIR --id ID (JSON out).")
final class CaptionCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Mixin
    GenerationFlags generation;

    @Mixin
    IndexedImageOption indexed;

    @Option(names = "--prompt", description = "prompt before the caption (default: the bundle's caption prompt; files only)")
    String prompt;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "image files")
    List<Path> files = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        indexed.check(!files.isEmpty());
        if (indexed.given()) {
            if (prompt != null) {
                throw new IllegalArgumentException("--prompt applies to files; an indexed image gets the bundle's prompt");
            }
            try (SearchCollection collection = indexed.open(model)) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", indexed.id);
                row.put("caption", collection.pipeline().caption(indexed.id, generation.options()));
                System.out.println(Json.write(List.of(row)));
            }
            return 0;
        }
        try (Blip2Encoder enc = model.open()) {
            List<float[]> tokens = new ArrayList<>();
            for (Path p : files) {
                tokens.add(enc.encodeImage(Files.readAllBytes(p)).imageTokens());
            }
            CaptionGenerator gen = enc.captions();
            CaptionGenerator.Settings settings = generation.options().settings();
            List<CaptionGenerator.Caption> caps = prompt == null ? gen.caption(tokens, settings)
                    : gen.generate(tokens, prompt, settings);
            List<Map<String, Object>> out = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("file", files.get(i).toString());
                row.put("caption", caps.get(i).text());
                out.add(row);
            }
            System.out.println(Json.write(out));
        }
        return 0;
    }
}
