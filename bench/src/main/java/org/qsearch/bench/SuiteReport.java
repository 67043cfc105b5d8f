package org.qsearch.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The one report of the whole benchmark suite (bench/all.sh): the five sections of the separate
 * benchmarks' reports in one document, behind a headline computed from their figures. Reads a
 * directory holding ann-*.{json,md} (one per collection size), encoder, index, pipeline and
 * serve/wrk; writes PREFIX.md and PREFIX.json.
 */
public final class SuiteReport {
    /** The recall@10 at which the headline compares qsearch with its peers. */
    public static final double RECALL_TARGET = 0.95;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Map<String, Object>> ann = new ArrayList<>();
    private final List<MarkdownReport> annMd = new ArrayList<>();
    private final Map<String, Object> encoder;
    private final Map<String, Object> index;
    private final Map<String, Object> pipeline;
    private final List<Map<String, Object>> server = new ArrayList<>();
    private final Map<String, MarkdownReport> md = new LinkedHashMap<>();

    @SuppressWarnings("unchecked")
    /**
     * The heading of the scale-out section (bin/qsearch bench cluster, run by bench/cluster.sh on
     * the local two-node cluster). The suite does not start a cluster: it keeps the section the
     * report it replaces had.
     */
    public static final String SCALE_OUT_SECTION = "## 6. Scale-out: the same collection on OpenSearch";

    public SuiteReport(Path sections) throws IOException {
        List<Path> annFiles;
        try (Stream<Path> files = Files.list(sections)) {
            annFiles = files.filter(p -> p.getFileName().toString().matches("ann-\\d+\\.json")).toList();
        }
        if (annFiles.isEmpty()) {
            throw new IllegalArgumentException("no ann-N.json in " + sections);
        }
        List<Path> sorted = annFiles.stream().sorted(Comparator.comparingInt(p -> imagesOf(p))).toList();
        for (Path p : sorted) {
            ann.add(JSON.readValue(p.toFile(), Map.class));
            annMd.add(MarkdownReport.parse(Files.readString(Path.of(p.toString().replaceAll("\\.json$", ".md")))));
        }
        encoder = read(sections, "encoder");
        index = read(sections, "index");
        pipeline = read(sections, "pipeline");
        for (String line : Files.readAllLines(sections.resolve("serve").resolve("wrk.json"))) {
            if (!line.isBlank()) {
                server.add(JSON.readValue(line, Map.class));
            }
        }
        md.put("serve", MarkdownReport.parse(Files.readString(sections.resolve("serve").resolve("wrk.md"))));
    }

    private static int imagesOf(Path annJson) {
        return Integer.parseInt(annJson.getFileName().toString().replaceAll("\\D", ""));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> read(Path sections, String name) throws IOException {
        md.put(name, MarkdownReport.parse(Files.readString(sections.resolve(name + ".md"))));
        return JSON.readValue(sections.resolve(name + ".json").toFile(), Map.class);
    }

    /** Writes PREFIX.md and PREFIX.json; {@code command} is the command line that ran the suite. */
    public void write(Path prefix, String command) throws IOException {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("command", command);
        report.put("date", Instant.now().toString());
        report.put("machine", ann.getFirst().get("machine"));
        Headline headline = headline();
        report.put("headline", headline);
        Map<String, Object> sections = new LinkedHashMap<>();
        sections.put("ann", ann);
        sections.put("encoder", encoder);
        sections.put("index", index);
        sections.put("pipeline", pipeline);
        sections.put("server", server);
        report.put("sections", sections);
        Path previous = Path.of(prefix + ".md");
        String scaleOut = Files.exists(previous) ? BenchReport.section(Files.readString(previous), SCALE_OUT_SECTION) : "";
        BenchReport.write(prefix, report, markdown(report, headline) + (scaleOut.isEmpty() ? "" : "\n" + scaleOut));
    }

    /** The figures the headline quotes. */
    public record Headline(List<PeerComparison> ann, List<Map<String, Object>> bytesPerImage,
                           List<Map<String, Object>> indexingOverhead, List<Map<String, Object>> captions,
                           List<Map<String, Object>> server) {}

    /**
     * qsearch and one peer, each at its smallest over-fetch reaching {@link #RECALL_TARGET} on the
     * same vectors (qsearch's auto graph), 1 thread; null fields where one never reaches it.
     */
    public record PeerComparison(int images, String format, String peer, Integer qsearchOverFetch, Double qsearchRecall,
                                 Double qsearchQps, Integer peerOverFetch, Double peerRecall, Double peerQpsSearchOnly,
                                 Double peerQpsWithRescoring) {
        public Double ratioSearchOnly() {
            return qsearchQps == null || peerQpsSearchOnly == null ? null : qsearchQps / peerQpsSearchOnly;
        }

        public Double ratioWithRescoring() {
            return qsearchQps == null || peerQpsWithRescoring == null ? null : qsearchQps / peerQpsWithRescoring;
        }
    }

    @SuppressWarnings("unchecked")
    Headline headline() {
        List<PeerComparison> comparisons = new ArrayList<>();
        for (Map<String, Object> run : ann) {
            int images = ((Number) run.get("images")).intValue();
            List<Map<String, Object>> rows = (List<Map<String, Object>>) run.get("qsearch");
            List<Map<String, Object>> engines = run.get("peers") instanceof Map<?, ?> peers
                    ? (List<Map<String, Object>>) peers.get("engines") : List.of();
            List<String> formats = rows.stream().filter(r -> "auto".equals(r.get("graph")))
                    .map(r -> (String) r.get("format")).distinct().toList();
            for (String format : formats) {
                Map<String, Object> q = first(rows.stream().filter(r -> "auto".equals(r.get("graph"))
                        && format.equals(r.get("format"))), "recall");
                for (String peer : List.of("faiss-hnsw-flat", "hnswlib", "faiss-flat-ip")) {
                    String graph = peer.equals("faiss-flat-ip") ? "-" : "auto";
                    Map<String, Object> p = first(engines.stream().filter(e -> peer.equals(e.get("engine"))
                            && graph.equals(e.get("graph")) && ((Number) e.get("threads")).intValue() == 1), "recall");
                    if (engines.stream().noneMatch(e -> peer.equals(e.get("engine")))) {
                        continue;
                    }
                    comparisons.add(new PeerComparison(images, format, peer, integer(q, "overFetch"), number(q, "recall"),
                            number(q, "qps1"), integer(p, "over_fetch"), number(p, "recall"), number(p, "qps_search_only"),
                            number(p, "qps_1_query_calls")));
                }
            }
        }
        List<Map<String, Object>> bytes = new ArrayList<>();
        Map<String, Object> largest = ann.getLast();
        for (Map<String, Object> row : (List<Map<String, Object>>) largest.get("qsearch")) {
            if (bytes.stream().noneMatch(b -> b.get("graph").equals(row.get("graph")) && b.get("format").equals(row.get("format")))) {
                Map<String, Object> b = new LinkedHashMap<>();
                b.put("images", largest.get("images"));
                b.put("graph", row.get("graph"));
                b.put("format", row.get("format"));
                b.put("ram_bytes_per_image", row.get("ramBytesPerImage"));
                b.put("disk_bytes_per_image", row.get("diskBytesPerImage"));
                bytes.add(b);
            }
        }
        double encoderOnly = ((Number) index.get("encoder_only_images_per_second")).doubleValue();
        List<Map<String, Object>> overhead = new ArrayList<>();
        for (Map<String, Object> row : (List<Map<String, Object>>) index.get("formats")) {
            double bulk = ((Number) row.get("imagesPerSecond")).doubleValue();
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("graph", row.get("graph"));
            o.put("format", row.get("format"));
            o.put("bulk_images_per_second", bulk);
            o.put("encoder_only_images_per_second", encoderOnly);
            o.put("overhead_percent", 100 * (1 - bulk / encoderOnly));
            overhead.add(o);
        }
        List<Map<String, Object>> captions = new ArrayList<>();
        for (Map<String, Object> row : (List<Map<String, Object>>) pipeline.get("captions")) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("mode", row.get("mode"));
            c.put("captions_per_second", 1000 / ((Number) row.get("meanMs")).doubleValue());
            captions.add(c);
        }
        List<Map<String, Object>> load = new ArrayList<>();
        for (Map<String, Object> run : server) {
            Map<String, Object> result = (Map<String, Object>) run.get("result");
            Map<String, Object> errors = (Map<String, Object>) result.get("errors");
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("connections", run.get("connections"));
            s.put("rerank", run.get("rerank"));
            s.put("qps", result.get("qps"));
            s.put("p50_ms", result.get("p50_ms"));
            s.put("p99_ms", result.get("p99_ms"));
            s.put("errors", errors.values().stream().mapToLong(v -> ((Number) v).longValue()).sum());
            load.add(s);
        }
        return new Headline(comparisons, bytes, overhead, captions, load);
    }

    /** The first row (they come in ascending over-fetch) whose {@code recallKey} reaches the target, or null. */
    private static Map<String, Object> first(Stream<Map<String, Object>> rows, String recallKey) {
        return rows.filter(r -> ((Number) r.get(recallKey)).doubleValue() >= RECALL_TARGET).findFirst().orElse(null);
    }

    private static Double number(Map<String, Object> row, String key) {
        return row == null ? null : ((Number) row.get(key)).doubleValue();
    }

    private static Integer integer(Map<String, Object> row, String key) {
        return row == null ? null : ((Number) row.get(key)).intValue();
    }

    private String markdown(Map<String, Object> report, Headline h) {
        StringBuilder out = BenchReport.header("Benchmarks", report, "Every figure below comes from that one run; "
                + "each section names the benchmark command that measured it. Ratios compare figures of the same run.");
        out.append("\n## Headline\n\nANN, qsearch's auto graph, 1 thread: each engine at its smallest over-fetch k' "
                + "whose recall@10 reaches " + RECALL_TARGET + ". Ratio = qsearch QPS / peer QPS, against the peer's "
                + "search alone and against the peer's search with the same grouping and exact rescoring (numpy) that "
                + "qsearch's QPS includes.\n\n| images | format | qsearch k' | recall | QPS | peer | peer k' | recall "
                + "| search-only QPS | ratio | with rescoring QPS | ratio |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (PeerComparison c : h.ann()) {
            out.append(String.format("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", c.images(),
                    c.format(), k(c.qsearchOverFetch()), f(c.qsearchRecall(), "%.3f"), f(c.qsearchQps(), "%.0f"), c.peer(),
                    k(c.peerOverFetch()), f(c.peerRecall(), "%.3f"), f(c.peerQpsSearchOnly(), "%.0f"),
                    f(c.ratioSearchOnly(), "%.2f"), f(c.peerQpsWithRescoring(), "%.0f"), f(c.ratioWithRescoring(), "%.2f")));
        }
        out.append("\nBytes per image, " + h.bytesPerImage().getFirst().get("images") + " images: RAM = the HNSW graph "
                + "and the vectors a graph search compares; disk = the whole Lucene index.\n\n| graph | format | RAM "
                + "bytes/image | disk bytes/image |\n|---|---|---|---|\n");
        for (Map<String, Object> b : h.bytesPerImage()) {
            out.append(String.format("| %s | %s | %.0f | %.0f |%n", b.get("graph"), b.get("format"),
                    ((Number) b.get("ram_bytes_per_image")).doubleValue(), ((Number) b.get("disk_bytes_per_image")).doubleValue()));
        }
        out.append("\nBulk indexing vs encoder only on the same images (pipeline overhead = 1 - bulk / encoder-only):"
                + "\n\n| graph | format | bulk images/s | encoder-only images/s | overhead |\n|---|---|---|---|---|\n");
        for (Map<String, Object> o : h.indexingOverhead()) {
            out.append(String.format("| %s | %s | %.1f | %.1f | %.1f%% |%n", o.get("graph"), o.get("format"),
                    o.get("bulk_images_per_second"), o.get("encoder_only_images_per_second"), o.get("overhead_percent")));
        }
        out.append("\nCaptions:\n\n| decoding | captions/s |\n|---|---|\n");
        for (Map<String, Object> c : h.captions()) {
            out.append(String.format("| %s | %.1f |%n", c.get("mode"), c.get("captions_per_second")));
        }
        out.append("\nServer under load (text search, loopback):\n\n| connections | rerank | QPS | p50 ms | p99 ms | errors |"
                + "\n|---|---|---|---|---|---|\n");
        for (Map<String, Object> s : h.server()) {
            out.append(String.format("| %s | %s | %.1f | %.1f | %.1f | %s |%n", s.get("connections"), s.get("rerank"),
                    ((Number) s.get("qps")).doubleValue(), ((Number) s.get("p50_ms")).doubleValue(),
                    ((Number) s.get("p99_ms")).doubleValue(), s.get("errors")));
        }

        out.append("\n## 1. ANN for max-over-32\n");
        for (int i = 0; i < ann.size(); i++) {
            out.append("\n### ").append(ann.get(i).get("images")).append(" images\n\n").append(annMd.get(i).generatedBy())
                    .append("\n\n").append(annMd.get(i).section("ANN for max-over-32")).append('\n');
        }
        out.append("\n## 2. Peers on the same vectors\n");
        for (int i = 0; i < ann.size(); i++) {
            out.append("\n### ").append(ann.get(i).get("images")).append(" images\n\n")
                    .append(annMd.get(i).section("Peers on the same vectors")).append('\n');
        }
        out.append("\n## 3. Encoder and bulk indexing\n\n### Encoder\n\n").append(md.get("encoder").generatedBy())
                .append("\n\n").append(md.get("encoder").section("")).append("\n\n### Bulk indexing\n\n")
                .append(md.get("index").generatedBy()).append("\n\n").append(md.get("index").section(""))
                .append("\n\n### Captions\n\n").append(md.get("pipeline").section("Caption time per image")).append('\n');
        out.append("\n## 4. Query pipeline\n\n").append(md.get("pipeline").generatedBy()).append("\n\n")
                .append(md.get("pipeline").section("Latency per step of a text query")).append('\n');
        out.append("\n## 5. Server under load\n\n").append(md.get("serve").generatedBy()).append("\n")
                .append(md.get("serve").section("")).append('\n');
        return out.toString();
    }

    private static String k(Integer overFetch) {
        return overFetch == null ? "not reached" : overFetch + "k";
    }

    private static String f(Double v, String format) {
        return v == null ? "-" : String.format(format, v);
    }
}
