package org.qsearch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qsearch.bench.AnnBenchmark;
import org.qsearch.bench.BenchReport;
import org.qsearch.bench.EncoderBenchmark;
import org.qsearch.bench.SuiteReport;
import org.qsearch.bench.WorkDir;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.index.IndexSettings;
import org.qsearch.indexer.GraphChoice;
import org.qsearch.opensearch.OpenSearchLocation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The same collection searched on an OpenSearch cluster and in a local index, side by side in one
 * run on the same vectors and settings: recall@10 against the exact max-over-32, QPS, latency.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Text->image search on an OpenSearch cluster beside the local index, on the same vectors "
                + "(bench/cluster.sh starts the project's two-node cluster and runs this). It leaves its collection, "
                + "bench-<time>, on the cluster.")
final class BenchClusterCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--collection", required = true, paramLabel = "DIR",
            description = "from tools/bench/ann_collection.py: DIR/images/ and DIR/queries.txt")
    Path collection;

    @Option(names = "--url", required = true, paramLabel = "URL[,URL...]", description = "the cluster's nodes")
    String url;

    @Option(names = "--images", defaultValue = "10000", description = "the collection's first N images (default: ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--queries", defaultValue = "500", description = "text queries (default: ${DEFAULT-VALUE})")
    int queryLimit;

    @Option(names = "--k", defaultValue = "10", description = "results per query (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--over-fetch", split = ",", defaultValue = "1,5,20", description = "k' as multiples of k (default: ${DEFAULT-VALUE})")
    int[] overFetch;

    @Option(names = "--rounds", defaultValue = "3", description = "timed passes per row (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--shards", defaultValue = "2", description = "primary shards per index (default: ${DEFAULT-VALUE})")
    int shards;

    @Option(names = "--replicas", defaultValue = "1", description = "copies of each shard (default: ${DEFAULT-VALUE})")
    int replicas;

    @Option(names = "--batch", defaultValue = "32", description = "encoder batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "writes PREFIX.json and PREFIX.md")
    Path out;

    @Option(names = "--doc", paramLabel = "FILE", description = "also put the result in FILE (docs/benchmarks.md) as its scale-out section, replacing the one there")
    Path doc;

    @Override
    public Integer call() throws Exception {
        List<String> texts = Files.readAllLines(collection.resolve("queries.txt")).stream().filter(l -> !l.isBlank())
                .limit(queryLimit).toList();
        try (WorkDir work = new WorkDir("qsearch-bench-cluster"); Blip2Encoder enc = model.open()) {
            List<ImageFeatures> images = BenchAnnCommand.encodeCollection(enc, collection, limit, batch);
            float[][] queries = enc.encodeTexts(texts);
            IndexSettings settings = GraphChoice.AUTO.apply(IndexSettings.forDims(enc.bundle().dims()),
                    BenchAnnCommand.sampleMeans(images));
            // both merged to one segment per shard: one HNSW graph per shard, as a bulk-built collection is served
            AnnBenchmark bench = new AnnBenchmark(images, queries, k, rounds, 1);
            List<AnnBenchmark.Row> local = bench.run("local", settings, work.resolve("local"), overFetch);
            OpenSearchLocation cluster = new OpenSearchLocation(OpenSearchLocation.parseUrls(url),
                    "bench-" + Long.toString(System.currentTimeMillis(), 36), shards, replicas, work.resolve("side-files"));
            List<AnnBenchmark.Row> remote = bench.runOn("opensearch", settings, cluster, overFetch);
            double clusterBytesPerImage = (double) cluster.primaryStoreBytes() / images.size();

            Map<String, Object> report = new LinkedHashMap<>();
            report.put("command", "bench/cluster.sh (bin/qsearch bench cluster --collection " + collection + " --images "
                    + limit + " --queries " + queryLimit + " --k " + k + " --over-fetch "
                    + String.join(",", Arrays.stream(overFetch).mapToObj(Integer::toString).toList())
                    + " --rounds " + rounds + " --shards " + shards + " --replicas " + replicas + ")");
            report.put("date", Instant.now().toString());
            report.put("machine", EncoderBenchmark.machine(enc, EncoderOptions.defaults().intraOpThreads()));
            report.put("images", images.size());
            report.put("queries", queries.length);
            report.put("rounds", rounds);
            report.put("shards", shards);
            report.put("replicas", replicas);
            report.put("cluster_primary_bytes_per_image", clusterBytesPerImage);
            report.put("local", local);
            report.put("opensearch", remote);
            String md = markdown(report, local, remote);
            BenchReport.write(out, report, md);
            if (doc != null) {
                BenchReport.replaceSection(doc, SuiteReport.SCALE_OUT_SECTION, BenchReport.body(md));
            }
            System.out.println(md);
        }
        return 0;
    }

    private static String markdown(Map<String, Object> r, List<AnnBenchmark.Row> local, List<AnnBenchmark.Row> remote) {
        StringBuilder md = BenchReport.header("OpenSearch beside the local index, " + r.get("images") + " images", r,
                "The same vectors, index settings (auto graph, float32, HNSW M 16, beam 100) and queries on both backends.");
        md.append(String.format("%n" + SuiteReport.SCALE_OUT_SECTION + "%n%nGenerated by `" + r.get("command") + "` on "
                        + r.get("date") + ".%n%n"
                        + "%s images x 32 query vectors (augmented renders of the training emoji), %s text queries; recall@10 "
                        + "against the exact max-over-32 top 10. The cluster: the project's two local nodes "
                        + "(tools/opensearch/cluster.sh: 512 MB heap and 1 processor each, on the same 2 cores as the "
                        + "benchmark), %s shards x %s replica, nested kNN (Lucene HNSW) with max scoring, exact rescoring "
                        + "in qsearch. Both merged to one segment (per shard). Whole searches over loopback HTTP for the "
                        + "cluster, in-process for the local index; after a warm-up pass, %s timed passes per row.%n%n",
                r.get("images"), r.get("queries"), r.get("shards"), r.get("replicas"), r.get("rounds")));
        md.append("| backend | k' | recall@10 | QPS 1 thread | QPS 2 threads | p50 ms | p99 ms | build s | QPS vs local |\n"
                + "|---|---|---|---|---|---|---|---|---|\n");
        List<AnnBenchmark.Row> rows = new ArrayList<>(local);
        rows.addAll(remote);
        for (AnnBenchmark.Row row : rows) {
            AnnBenchmark.Row base = local.stream().filter(l -> l.overFetch() == row.overFetch()).findFirst().orElseThrow();
            md.append(String.format("| %s | %dk | %.3f | %.0f | %.0f | %.2f | %.2f | %.1f | %.2f |%n", row.graph(),
                    row.overFetch(), row.recall(), row.qps1(), row.qps2(), row.p50Ms(), row.p99Ms(), row.buildSeconds(),
                    row.qps1() / base.qps1()));
        }
        md.append(String.format("%nOn disk per image: local index %.0f bytes (Lucene files, float vectors, graph and stored "
                + "fields), the cluster's primary shards %.0f bytes (the same, plus _source without the vectors)"
                + "; each replica adds the cluster's figure again.%n",
                local.getFirst().diskBytesPerImage(), ((Number) r.get("cluster_primary_bytes_per_image")).doubleValue()));
        return md.toString();
    }
}
