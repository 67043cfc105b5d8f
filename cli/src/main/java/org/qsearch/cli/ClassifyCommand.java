package org.qsearch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.reranker.ItmScorer;
import org.qsearch.search.LabelScore;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.SearchCollection;
import org.qsearch.search.ZeroShotClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** CLIP-style zero-shot classification of one image against labels. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Zero-shot classification: rank labels for an image file (or --index DIR --id ID) by ITC, "
                + "and by ITC + ITM (LAVIS fusion) with --itm; JSON out.")
final class ClassifyCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Mixin
    IndexedImageOption indexed;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "image file (unless --id)")
    Path file;

    @Option(names = "--labels", required = true, split = ",", paramLabel = "L1,L2,...", description = "candidate labels")
    List<String> labels;

    @Option(names = "--template", defaultValue = ZeroShotClassifier.DEFAULT_TEMPLATE,
            description = "prompt, {} = the label (default: \"${DEFAULT-VALUE}\"; the tiny model was trained on bare "
                    + "emoji names: \"{}\" suits it)")
    String template;

    @Option(names = "--itm", description = "also score with ITM and rank by LAVIS fusion (ITC + ITM class-1 logit)")
    boolean itm;

    @Override
    public Integer call() throws Exception {
        indexed.check(file != null);
        Map<String, Object> out = new LinkedHashMap<>();
        List<LabelScore> scores;
        if (indexed.given()) {
            try (SearchCollection collection = indexed.open(model)) {
                scores = collection.pipeline().classify(indexed.id, labels, template, itm);
            }
            out.put("id", indexed.id);
        } else {
            try (Blip2Encoder enc = model.open()) {
                ItmScorer scorer = enc.hasItm() ? new ItmScorer(enc, PipelineSettings.defaults().rerankBatch()) : null;
                scores = new ZeroShotClassifier(enc, scorer).classify(Files.readAllBytes(file), labels, template, itm);
            }
            out.put("file", file.toString());
        }
        out.put("template", template);
        out.put("labels", scores);
        System.out.println(Json.write(out));
        return 0;
    }
}
