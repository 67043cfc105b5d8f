package org.qsearch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qsearch.bench.BenchReport;
import org.qsearch.bench.EncoderBenchmark;
import org.qsearch.bench.IndexBenchmark;
import org.qsearch.bench.WorkDir;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.QueryMeans;
import org.qsearch.index.VectorFormat;
import org.qsearch.indexer.GraphChoice;
import org.qsearch.indexer.bulk.FolderReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Bulk indexing throughput vs encoder-only, bytes per image and ANN recall per vector format. */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Indexing images/s vs encoder-only, bytes per image and ANN recall@k per vector format; "
                + "writes OUT.json and OUT.md.")
final class BenchIndexCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "folder of images to index")
    Path images;

    @Option(names = "--queries", required = true, paramLabel = "FILE", description = "text queries, one per line")
    Path queries;

    @Mixin
    AnnSweepOptions sweep;

    @Option(names = "--graphs", split = ",", defaultValue = "all,means,auto", converter = GraphChoices.class,
            description = "which vectors enter the HNSW graph (see index --graph), compared side by side "
                    + "(default: ${DEFAULT-VALUE})")
    List<GraphChoice> graphs;

    @Option(names = "--hnsw-m", defaultValue = "16", description = "HNSW max connections (default: ${DEFAULT-VALUE})")
    int hnswM;

    @Option(names = "--hnsw-beam", defaultValue = "100", description = "HNSW construction beam (default: ${DEFAULT-VALUE})")
    int hnswBeam;

    @Option(names = "--batch", defaultValue = "16", description = "encoder batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "writes PREFIX.json and PREFIX.md")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<String> texts = Files.readAllLines(queries).stream().filter(l -> !l.isBlank()).toList();
        try (WorkDir work = new WorkDir("qsearch-bench-index"); Blip2Encoder enc = model.open()) {
            IndexBenchmark bench = new IndexBenchmark(enc, images, batch);
            float[][] q = enc.encodeTexts(texts);
            bench.encoderOnlyImagesPerSecond(); // warm-up
            double encoderOnly = bench.encoderOnlyImagesPerSecond();
            QueryMeans means = GraphChoice.sampleMeans(new FolderReader(images), enc);
            List<IndexBenchmark.FormatRow> rows = new ArrayList<>();
            for (GraphChoice g : graphs) {
                for (VectorFormat f : sweep.formats) {
                    IndexSettings settings = g.apply(IndexSettings.forDims(enc.bundle().dims()).withVectorFormat(f)
                            .withHnsw(hnswM, hnswBeam), means);
                    rows.add(bench.format(g.label(), settings, work.resolve(g + "-" + f), q, sweep.k, sweep.overFetch));
                }
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("command", "bin/qsearch bench index --images " + images + " --queries " + queries + " --k " + sweep.k
                    + " --over-fetch " + sweep.overFetchList()
                    + " --graphs " + String.join(",", graphs.stream().map(GraphChoice::label).toList())
                    + " --hnsw-m " + hnswM + " --hnsw-beam " + hnswBeam + " --batch " + batch + " --out " + out);
            report.put("date", Instant.now().toString());
            report.put("machine", EncoderBenchmark.machine(enc, EncoderOptions.defaults().intraOpThreads()));
            report.put("queries", texts.size());
            report.put("encoder_only_images_per_second", encoderOnly);
            report.put("graph_mean_cosine", IndexSettings.DEFAULT_GRAPH_MEAN_COSINE);
            report.put("graph_dedupe_cosine", IndexSettings.DEFAULT_GRAPH_DEDUPE_COSINE);
            report.put("formats", rows);
            String md = markdown(report, rows, encoderOnly);
            BenchReport.write(out, report, md);
            System.out.println(md);
        }
        return 0;
    }

    private static String markdown(Map<String, Object> r, List<IndexBenchmark.FormatRow> rows, double encoderOnly) {
        StringBuilder md = BenchReport.header("Indexing benchmark", r, "One run per row; " + r.get("queries")
                + " text queries; recall@k of ANN text->image search (over-fetch k', then exact rescoring) against the "
                + "exact max-over-32 ranking; latency of one whole search (graph, rescoring, stored fields), one thread.");
        md.append(String.format("%nEncoder only (decode, preprocess, vision + itc_image): %.1f images/s.%n", encoderOnly));
        md.append(String.format("%nGraphs: `all` puts all 32 query vectors of an image in the HNSW graph; `means` keeps out "
                + "a vector whose cosine to its query's mean (over a sample of %d of the images) is at least %s; `auto`, "
                + "the index default, also keeps out a vector whose cosine to one of its image's vectors already in the "
                + "graph is at least %s. Vectors out of the graph still count in every exact score.%n%n",
                QueryMeans.SAMPLE_SIZE, r.get("graph_mean_cosine"), r.get("graph_dedupe_cosine")));
        List<String> keys = rows.isEmpty() ? List.of() : new ArrayList<>(rows.getFirst().recall().keySet());
        md.append("| graph | format | images | bulk images/s | vs encoder-only | Lucene bytes/image | feature bytes/image");
        keys.forEach(key -> md.append(" | recall ").append(key));
        keys.forEach(key -> md.append(" | p50/p99 ms ").append(key));
        md.append(" |\n|---|---|---|---|---|---|---").append("|---".repeat(2 * keys.size())).append("|\n");
        for (IndexBenchmark.FormatRow row : rows) {
            md.append(String.format("| %s | %s | %d | %.1f | %.0f%% | %.0f | %.0f", row.graph(), row.format(), row.indexed(),
                    row.imagesPerSecond(), 100 * row.imagesPerSecond() / encoderOnly, row.luceneBytesPerImage(),
                    row.featureBytesPerImage()));
            keys.forEach(key -> md.append(String.format(" | %.3f", row.recall().get(key))));
            keys.forEach(key -> md.append(String.format(" | %.2f / %.2f", row.latency().get(key).p50Ms(),
                    row.latency().get(key).p99Ms())));
            md.append(" |\n");
        }
        return md.toString();
    }
}
