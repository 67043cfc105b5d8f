package org.qsearch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.qsearch.bench.AnnBenchmark;
import org.qsearch.bench.BenchReport;
import org.qsearch.bench.EncoderBenchmark;
import org.qsearch.bench.Npy;
import org.qsearch.bench.WorkDir;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.index.GraphMembership;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.QueryMeans;
import org.qsearch.index.VectorFormat;
import org.qsearch.indexer.GraphChoice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * ANN for max-over-32 at scale, qsearch beside FAISS and hnswlib on the same vectors: encodes a
 * generated collection (tools/bench/ann_collection.py) once, exports it as .npy, measures qsearch,
 * runs tools/bench/ann_peers.py on the export, and writes one report.
 */
@Command(name = "ann", mixinStandardHelpOptions = true,
        description = "Text->image ANN over a generated collection: qsearch vs FAISS and hnswlib on the same vectors; "
                + "writes OUT.json and OUT.md.")
final class BenchAnnCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--collection", required = true, paramLabel = "DIR",
            description = "from tools/bench/ann_collection.py: DIR/images/ and DIR/queries.txt")
    Path collection;

    @Mixin
    AnnSweepOptions sweep;

    @Option(names = "--graphs", split = ",", defaultValue = "all,auto", converter = GraphChoices.class,
            description = "which vectors enter the HNSW graph (see index --graph) (default: ${DEFAULT-VALUE})")
    List<GraphChoice> graphs;

    @Option(names = "--quick", description = "a uniform sample of 2,000 images, 200 queries, float32 and int8, auto "
            + "graph only: under 2 minutes here")
    boolean quick;

    @Option(names = "--no-peers", description = "skip FAISS and hnswlib (by default they run: Debian python3-faiss, "
            + "python3-hnswlib)")
    boolean noPeers;

    @Option(names = "--rounds", defaultValue = "3", description = "timed passes over the queries per row, median QPS "
            + "reported (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--merge-to", defaultValue = "0", paramLabel = "N", description = "merge each index down to N "
            + "segments after its build, as `index --merge-to` does (default: ${DEFAULT-VALUE}, not merged)")
    int mergeTo;

    @Option(names = "--batch", defaultValue = "32", description = "encoder batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "writes PREFIX.json and PREFIX.md")
    Path out;

    private static final int QUICK_QUERIES = 200;
    private static final int QUICK_IMAGES = 2000;

    @Override
    public Integer call() throws Exception {
        List<String> texts = Files.readAllLines(collection.resolve("queries.txt")).stream().filter(l -> !l.isBlank())
                .limit(quick ? QUICK_QUERIES : Long.MAX_VALUE).toList();
        List<VectorFormat> runFormats = quick ? List.of(VectorFormat.FLOAT32, VectorFormat.INT8) : List.of(sweep.formats);
        List<GraphChoice> runGraphs = quick ? List.of(GraphChoice.AUTO) : graphs;
        try (WorkDir work = new WorkDir("qsearch-bench-ann"); Blip2Encoder enc = model.open()) {
            long t0 = System.nanoTime();
            List<ImageFeatures> images = encodeCollection(enc, collection, quick ? QUICK_IMAGES : Integer.MAX_VALUE, batch);
            double encodeSeconds = (System.nanoTime() - t0) / 1e9;
            float[][] queries = enc.encodeTexts(texts);
            int per = enc.bundle().dims().numQueries();
            int dim = enc.bundle().dims().embedDim();
            Npy.write(work.resolve("images.npy"), images.stream().map(ImageFeatures::queryEmbeds).toArray(float[][]::new),
                    images.size(), per, dim);
            Npy.write(work.resolve("queries.npy"), queries, queries.length, dim);
            QueryMeans means = sampleMeans(images);
            IndexSettings auto = GraphChoice.AUTO.apply(IndexSettings.forDims(enc.bundle().dims()), means);
            Npy.write(work.resolve("graph_mask.npy"), images.stream().map(image -> {
                boolean[] in = GraphMembership.of(image, auto);
                float[] row = new float[in.length];
                for (int q = 0; q < in.length; q++) {
                    row[q] = in[q] ? 1 : 0;
                }
                return row;
            }).toArray(float[][]::new), images.size(), per);

            AnnBenchmark bench = new AnnBenchmark(images, queries, sweep.k, rounds, mergeTo);
            List<AnnBenchmark.Row> rows = new ArrayList<>();
            for (GraphChoice g : runGraphs) {
                for (VectorFormat f : runFormats) {
                    IndexSettings settings = g.apply(IndexSettings.forDims(enc.bundle().dims()).withVectorFormat(f), means);
                    rows.addAll(bench.run(g.label(), settings, work.resolve(g + "-" + f), sweep.overFetch));
                }
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("command", "bin/qsearch bench ann --collection " + collection + " --k " + sweep.k + " --over-fetch "
                    + sweep.overFetchList() + " --graphs " + String.join(",", runGraphs.stream().map(GraphChoice::label).toList())
                    + " --formats " + String.join(",", runFormats.stream().map(f -> f.name().toLowerCase()).toList())
                    + " --rounds " + rounds + (mergeTo > 0 ? " --merge-to " + mergeTo : "") + (quick ? " --quick" : "") + (noPeers ? " --no-peers" : "") + " --out " + out);
            report.put("date", Instant.now().toString());
            report.put("machine", EncoderBenchmark.machine(enc, EncoderOptions.defaults().intraOpThreads()));
            report.put("images", images.size());
            report.put("queries", queries.length);
            report.put("encode_seconds", encodeSeconds);
            report.put("rounds", rounds);
            report.put("qsearch", rows);
            if (!noPeers) {
                report.put("peers", runPeers(work.path(), runGraphs));
            }
            String md = markdown(report, rows);
            BenchReport.write(out, report, md);
            System.out.println(md);
        }
        return 0;
    }

    /**
     * The query vectors of the collection's first {@code limit} images (generated in random order, so a
     * uniform sample), encoded in batches; trunk tokens are dropped, as the benchmark's indexes recompute.
     */
    static List<ImageFeatures> encodeCollection(Blip2Encoder enc, Path collection, int limit, int batch) throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(collection.resolve("images"))) {
            files = listing.filter(p -> p.getFileName().toString().endsWith(".png")).sorted().limit(limit).toList();
        }
        List<ImageFeatures> out = new ArrayList<>(files.size());
        for (int from = 0; from < files.size(); from += batch) {
            List<float[]> pixels = files.subList(from, Math.min(files.size(), from + batch)).parallelStream()
                    .map(file -> pixels(enc, file)).toList();
            for (ImageFeatures f : enc.encodePixels(pixels)) {
                out.add(new ImageFeatures(new float[0], f.queryEmbeds(), f.numQueries(), f.embedDim()));
            }
            if (out.size() % 10_000 < batch) {
                System.err.printf("encoded %d of %d images%n", out.size(), files.size());
            }
        }
        return out;
    }

    /**
     * The query means of the collection's first images: it is generated in random order (and a
     * quick run samples it), so they are a uniform sample.
     */
    static QueryMeans sampleMeans(List<ImageFeatures> images) {
        return QueryMeans.of(images.subList(0, Math.min(QueryMeans.SAMPLE_SIZE, images.size())));
    }

    private static float[] pixels(Blip2Encoder enc, Path file) {
        try {
            return enc.preprocess(Files.readAllBytes(file));
        } catch (IOException | ImageDecodeException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private Map<?, ?> runPeers(Path data, List<GraphChoice> graphs) throws Exception {
        Path script = Path.of(System.getProperty("qsearch.home", "."), "tools", "bench", "ann_peers.py");
        Path result = data.resolve("peers.json");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--data", data.toString(), "--k",
                Integer.toString(sweep.k), "--over-fetch", sweep.overFetchList(), "--graphs",
                String.join(",", graphs.stream().filter(g -> g != GraphChoice.MEANS).map(GraphChoice::label).toList()),
                "--out", result.toString())
                .inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(script + " failed (exit " + p.exitValue() + ")");
        }
        return new ObjectMapper().readValue(result.toFile(), Map.class);
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> r, List<AnnBenchmark.Row> rows) {
        StringBuilder md = BenchReport.header("ANN benchmark, " + r.get("images") + " images", r,
                "qsearch's text->image search and its peers on the same vectors.");
        md.append(String.format("%n## ANN for max-over-32%n%n%s images (augmented renders of the training emoji, "
                + "tools/bench/ann_collection.py) x 32 query vectors, %s text queries; recall@10 against the exact "
                + "max-over-32 top 10; after a warm-up pass, " + r.get("rounds") + " timed passes per row (median QPS, "
                + "pooled latencies); latency and 1-thread QPS of whole searches "
                + "(graph, exact rescoring, stored fields). RAM: the HNSW graph and the vectors it compares.%n%n",
                r.get("images"), r.get("queries")));
        md.append("| graph | format | k' | recall@10 | QPS 1 thread | QPS 2 threads | p50 ms | p99 ms | build s | "
                + "disk bytes/image | RAM bytes/image |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (AnnBenchmark.Row row : rows) {
            md.append(String.format("| %s | %s | %dk | %.3f | %.0f | %.0f | %.2f | %.2f | %.1f | %.0f | %.0f |%n",
                    row.graph(), row.format(), row.overFetch(), row.recall(), row.qps1(), row.qps2(), row.p50Ms(),
                    row.p99Ms(), row.buildSeconds(), row.diskBytesPerImage(), row.ramBytesPerImage()));
        }
        if (!(r.get("peers") instanceof Map<?, ?> peers)) {
            md.append("\n## Peers on the same vectors\n\nNot run (--no-peers).\n");
            return md.toString();
        }
        List<Map<String, Object>> engines = (List<Map<String, Object>>) peers.get("engines");
        md.append("\n## Peers on the same vectors\n\nFAISS and hnswlib (M and construction beam as qsearch's) "
                + "search the child vectors for k' hits, group them to images and rescore those exactly (numpy), as "
                + "qsearch does; FAISS flat fetches 32k children, which always hold the exact top k. Search-only QPS: "
                + "one batched call on the engine's threads, grouping and rescoring excluded; latency: one-query "
                + "calls with rescoring, in Python. Graph `auto`: the HNSW index holds only the vectors qsearch's auto graph "
                + "holds.\n\n| engine | graph | threads | k' | recall@10 | search-only QPS | p50 ms | p99 ms | build s "
                + "| bytes/image |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> e : engines) {
            md.append(String.format("| %s | %s | %s | %sk | %.3f | %.0f | %.2f | %.2f | %.1f | %.0f |%n", e.get("engine"),
                    e.get("graph"), e.get("threads"), e.get("over_fetch"), num(e, "recall"), num(e, "qps_search_only"), num(e, "p50_ms"),
                    num(e, "p99_ms"), num(e, "build_s"), num(e, "bytes_per_image")));
        }
        md.append("\n### Matched recall\n\nFor each qsearch row, each peer on the same graph (all vectors, or those of "
                + "qsearch's auto graph) at its smallest k' whose recall@10 is at least qsearch's; QPS on 1 thread. "
                + "Search-only: the peer's batched search, no grouping or rescoring; with rescoring: one-query calls "
                + "that also group and rescore (numpy), like qsearch's whole search. Ratios are qsearch QPS / peer QPS.\n\n"
                + "| qsearch graph/format | k' | recall@10 | QPS | FAISS HNSW k' | search-only QPS | ratio | with rescoring QPS "
                + "| ratio | hnswlib k' | search-only QPS | ratio | with rescoring QPS | ratio |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (AnnBenchmark.Row row : rows) {
            md.append(String.format("| %s/%s | %dk | %.3f | %.0f", row.graph(), row.format(), row.overFetch(), row.recall(),
                    row.qps1()));
            for (String engine : List.of("faiss-hnsw-flat", "hnswlib")) {
                Map<String, Object> peer = matching(engines, engine, row);
                md.append(peer == null ? " | not reached | - | - | - | -" : String.format(" | %sk | %.0f | %.2f | %.0f | %.2f",
                        peer.get("over_fetch"), num(peer, "qps_search_only"), row.qps1() / num(peer, "qps_search_only"),
                        num(peer, "qps_1_query_calls"), row.qps1() / num(peer, "qps_1_query_calls")));
            }
            md.append(" |\n");
        }
        return md.toString();
    }

    /** A peer's 1-thread row on the same graph at its smallest over-fetch reaching {@code row}'s recall, or null. */
    private static Map<String, Object> matching(List<Map<String, Object>> engines, String engine, AnnBenchmark.Row row) {
        return engines.stream().filter(e -> engine.equals(e.get("engine")) && row.graph().equals(e.get("graph"))
                && ((Number) e.get("threads")).intValue() == 1 && num(e, "recall") >= row.recall()).findFirst().orElse(null);
    }

    private static double num(Map<String, Object> e, String key) {
        return ((Number) e.get(key)).doubleValue();
    }
}
