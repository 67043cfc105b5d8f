package org.qsearch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageFeatures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints the ITC embeddings of images (32 query vectors each) and texts as JSON. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "ITC embeddings of images (numQueries x E) and texts (E) as JSON.")
final class EmbedCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--image", paramLabel = "FILE", description = "image file (repeatable)")
    List<Path> images = new ArrayList<>();

    @Option(names = "--text", paramLabel = "TEXT", description = "text (repeatable)")
    List<String> texts = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (images.isEmpty() && texts.isEmpty()) {
            throw new IllegalArgumentException("give at least one --image or --text");
        }
        try (Blip2Encoder enc = model.open()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", enc.bundle().name());
            List<Map<String, Object>> imgs = new ArrayList<>();
            for (Path p : images) {
                ImageFeatures f = enc.encodeImage(Files.readAllBytes(p));
                float[][] queries = new float[f.numQueries()][];
                for (int q = 0; q < queries.length; q++) {
                    queries[q] = f.query(q);
                }
                imgs.add(Map.of("file", p.toString(), "query_embeds", queries));
            }
            out.put("images", imgs);
            float[][] vectors = enc.encodeTexts(texts);
            List<Map<String, Object>> txts = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                txts.add(Map.of("text", texts.get(i), "text_embeds", vectors[i]));
            }
            out.put("texts", txts);
            System.out.println(Json.write(out));
        }
        return 0;
    }
}
