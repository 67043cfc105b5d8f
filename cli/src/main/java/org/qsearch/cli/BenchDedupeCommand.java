package org.qsearch.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import org.qsearch.bench.BenchReport;
import org.qsearch.bench.DedupeBenchmark;
import org.qsearch.bench.EncoderBenchmark;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.SearchCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Measures the dedupe rule's vector agreement on an indexed collection, to choose its threshold. */
@Command(name = "dedupe", mixinStandardHelpOptions = true,
        description = "Vector agreement of distinct images (every pair) vs re-made copies (JPEG, half size) on an "
                + "index; writes OUT.json and OUT.md.")
final class BenchDedupeCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Mixin
    IndexOption index;

    @Option(names = "--thresholds", split = ",", defaultValue = "0.9,0.95,0.98,0.99,0.995",
            description = "agreement thresholds to count distinct pairs at (default: ${DEFAULT-VALUE})")
    List<Double> thresholds;

    @Option(names = "--copies", defaultValue = "200", description = "images to re-make copies of (default: ${DEFAULT-VALUE})")
    int copies;

    @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "writes PREFIX.json and PREFIX.md")
    Path out;

    @Override
    public Integer call() throws Exception {
        try (SearchCollection collection = index.open(model, PipelineSettings.defaults())) {
            DedupeBenchmark.Result r = new DedupeBenchmark(collection).run(thresholds, copies);
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("command", "bin/qsearch bench dedupe --index " + index.location.index
                    + (index.root == null ? "" : " --root " + index.root) + " --copies " + copies + " --out " + out);
            report.put("date", Instant.now().toString());
            report.put("machine", EncoderBenchmark.machine(collection.encoder(), EncoderOptions.defaults().intraOpThreads()));
            report.put("bundle", collection.encoder().bundle().name());
            OptionalDouble nearDuplicates = PipelineSettings.defaults().nearDuplicates();
            report.put("default_near_duplicates", nearDuplicates.isPresent() ? nearDuplicates.getAsDouble() : "off");
            report.put("percentile_levels", DedupeBenchmark.percentileLevels());
            report.put("result", r);
            String md = markdown(report, r);
            BenchReport.write(out, report, md);
            System.out.println(md);
        }
        return 0;
    }

    private static String markdown(Map<String, Object> report, DedupeBenchmark.Result r) {
        StringBuilder md = BenchReport.header("Dedupe agreement", report, "Agreement = the mean over the 32 queries of "
                + "the dot product of same-index query vectors (the dedupe rule). Distinct = every pair of images with "
                + "different content hashes; copies = the stored vectors against those of the image re-made as JPEG "
                + "on white, or at half size.");
        md.append(String.format("%n%d images, %d distinct pairs; highest distinct-pair agreement %.4f.%n%n", r.images(),
                r.distinctPairs(), r.maxDistinctAgreement()));
        md.append("| percentile | each image's nearest distinct image");
        r.copyPercentiles().keySet().forEach(k -> md.append(" | copy: ").append(k));
        md.append(" |\n|---|---").append("|---".repeat(r.copyPercentiles().size())).append("|\n");
        List<Double> levels = DedupeBenchmark.percentileLevels();
        for (int i = 0; i < levels.size(); i++) {
            int row = i;
            md.append(String.format("| p%s | %.4f", levels.get(i), r.distinctPercentiles().get(i)));
            r.copyPercentiles().values().forEach(v -> md.append(String.format(" | %.4f", v.get(row))));
            md.append(" |\n");
        }
        md.append("\nCopies' lowest agreement: ").append(r.copyMin()).append(" (").append(r.copiesMeasured())
                .append(" images each).\n\n| threshold | distinct pairs at or above |\n|---|---|\n");
        r.distinctPairsAtLeast().forEach((t, n) -> md.append("| ").append(t).append(" | ").append(n).append(" |\n"));
        return md.toString();
    }
}
