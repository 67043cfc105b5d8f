package org.qsearch.server.cli;

import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.CaptionGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Captions images with the bundle's LLM; prints JSON. */
@Command(name = "caption", mixinStandardHelpOptions = true, description = "Caption images (JSON out).")
final class CaptionCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Mixin
    GenerationOptions generation;

    @Option(names = "--prompt", description = "prompt before the caption (default: the bundle's caption prompt)")
    String prompt;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "image files")
    List<Path> files;

    @Override
    public Integer call() throws Exception {
        try (Blip2Encoder enc = model.open()) {
            List<float[]> tokens = new ArrayList<>();
            for (Path p : files) {
                tokens.add(enc.encodeImage(Files.readAllBytes(p)).imageTokens());
            }
            CaptionGenerator gen = enc.captions();
            List<CaptionGenerator.Caption> caps = prompt == null ? gen.caption(tokens, generation.settings())
                    : gen.generate(tokens, prompt, generation.settings());
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
