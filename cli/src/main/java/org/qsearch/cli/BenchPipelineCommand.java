package org.qsearch.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.qsearch.bench.BenchReport;
import org.qsearch.bench.EncoderBenchmark;
import org.qsearch.bench.PipelineBenchmark;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.index.ImageHit;
import org.qsearch.search.GenerationOptions;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.SearchCollection;
import org.qsearch.index.LocalIndexLocation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Rerank latency per query by depth, and caption time per image (greedy, beams, batched snippets). */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Rerank latency per text query at several depths and caption time per image; writes OUT.json and OUT.md.")
final class BenchPipelineCommand implements Callable<Integer> {
    private static final int SNIPPET_PAGE = 20;

    @Mixin
    ModelOption model;

    @Mixin
    IndexOption index;

    @Option(names = "--recompute-index", paramLabel = "DIR",
            description = "an index of the same images built with --features recompute (needs --root): rerank rows for it too")
    Path recomputeIndex;

    @Option(names = "--queries", required = true, paramLabel = "FILE", description = "text queries, one per line")
    Path queries;

    @Option(names = "--limit", defaultValue = "100", description = "queries used (default: ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--depths", split = ",", defaultValue = "0,16,64,128",
            description = "rerank depths, 0 for none (default: ${DEFAULT-VALUE})")
    int[] depths;

    @Option(names = "--caption-images", defaultValue = "20", description = "images captioned per setting (default: ${DEFAULT-VALUE})")
    int captionImages;

    @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "writes PREFIX.json and PREFIX.md")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<String> texts = Files.readAllLines(queries).stream().filter(l -> !l.isBlank()).limit(limit).toList();
        PipelineSettings settings = PipelineSettings.defaults().withMaxRerank(Arrays.stream(depths).max().orElse(0));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("command", "bin/qsearch bench pipeline --index " + index.location.index
                + (index.root == null ? "" : " --root " + index.root)
                + (recomputeIndex == null ? "" : " --recompute-index " + recomputeIndex)
                + " --queries " + queries + " --limit " + limit + " --depths "
                + String.join(",", Arrays.stream(depths).mapToObj(Integer::toString).toList())
                + " --caption-images " + captionImages + " --out " + out);
        report.put("date", Instant.now().toString());
        report.put("load_average_1min_at_start", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        List<PipelineBenchmark.StepsRow> steps = new ArrayList<>();
        List<PipelineBenchmark.CaptionRow> captions = new ArrayList<>();
        try (SearchCollection collection = index.open(model, settings)) {
            report.put("machine", EncoderBenchmark.machine(collection.encoder(), EncoderOptions.defaults().intraOpThreads()));
            report.put("images", collection.index().imageCount());
            report.put("rerank_batch", settings.rerankBatch());
            PipelineBenchmark bench = new PipelineBenchmark(collection);
            for (int depth : depths) {
                steps.add(bench.steps("stored", texts, depth));
            }
            List<ImageHit> images = distinctImages(collection, 2 * captionImages + 4);
            List<String> ids = images.stream().map(ImageHit::id).toList();
            captions.add(bench.captionEach(ids.subList(0, 2), ids.subList(4, 4 + captionImages), new GenerationOptions(1, 30)));
            captions.add(bench.captionEach(ids.subList(2, 4), ids.subList(4 + captionImages, 4 + 2 * captionImages),
                    GenerationOptions.LAVIS));
            captions.add(bench.captionPages(images, SNIPPET_PAGE, GenerationOptions.SNIPPET));
        }
        if (recomputeIndex != null) {
            try (SearchCollection collection = SearchCollection.open(model.dir(), model.options(),
                    new LocalIndexLocation(recomputeIndex), index.root, false, settings)) {
                PipelineBenchmark bench = new PipelineBenchmark(collection);
                for (int depth : depths) {
                    steps.add(bench.steps("recompute", texts, depth));
                }
            }
        }
        report.put("steps", steps);
        report.put("captions", captions);
        String md = markdown(report, steps, captions);
        BenchReport.write(out, report, md);
        System.out.println(md);
        return 0;
    }

    /** Images with pairwise different content, so no caption comes from the cache. */
    private static List<ImageHit> distinctImages(SearchCollection collection, int n) throws java.io.IOException {
        List<ImageHit> ids = new ArrayList<>();
        Set<String> hashes = new HashSet<>();
        collection.index().forEachImage((ImageHit hit) -> {
            if (ids.size() < n && hashes.add(hit.contentHash())) {
                ids.add(hit);
            }
        });
        if (ids.size() < n) {
            throw new IllegalArgumentException("the index has " + ids.size() + " distinct images, the benchmark needs " + n);
        }
        return ids;
    }

    private static final List<String> STEPS = List.of("encode", "ann", "rescore", "rerank", "total");

    private static String markdown(Map<String, Object> r, List<PipelineBenchmark.StepsRow> steps,
                                   List<PipelineBenchmark.CaptionRow> captions) {
        StringBuilder md = BenchReport.header("Query pipeline benchmark", r, "Text queries against an index of "
                + r.get("images") + " images, k = 10, no dedupe, no captions; ann: HNSW candidates, rescore: exact "
                + "max-over-32 scores of the candidate images and their stored fields, rerank: each candidate's trunk "
                + "tokens (feature store or recompute) through the itm graph in batches of " + r.get("rerank_batch")
                + ". One warm-up pass before each timed pass. The machine is shared: its 1-minute load average was "
                + r.get("load_average_1min_at_start") + " at the start.");
        md.append("\n## Latency per step of a text query\n\np50 / p99 ms over the timed queries.\n\n| features | rerank "
                + "depth | queries | itm graph runs | " + String.join(" | ", STEPS) + " |\n|---|---|---|---|"
                + "---|".repeat(STEPS.size()) + "\n");
        for (PipelineBenchmark.StepsRow row : steps) {
            md.append(String.format("| %s | %d | %d | %d |", row.features(), row.depth(), row.queries(),
                    row.graphRunsPerQuery()));
            for (String step : STEPS) {
                PipelineBenchmark.StepStats s = row.steps().get(step);
                md.append(s == null ? " - |" : String.format(" %.2f / %.2f |", s.p50Ms(), s.p99Ms()));
            }
            md.append('\n');
        }
        md.append("\n## Caption time per image\n\n| decoding | beams | max tokens | images | captions/s | mean ms | p50 ms "
                + "| p99 ms |\n|---|---|---|---|---|---|---|---|\n");
        for (PipelineBenchmark.CaptionRow row : captions) {
            md.append(String.format("| %s | %d | %d | %d | %.1f | %.1f | %.1f | %.1f |%n", row.mode(), row.beams(),
                    row.maxTokens(), row.images(), 1000 / row.meanMs(), row.meanMs(), row.p50Ms(), row.p99Ms()));
        }
        return md.toString();
    }
}
