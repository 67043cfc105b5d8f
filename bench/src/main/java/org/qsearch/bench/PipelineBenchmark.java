package org.qsearch.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qsearch.index.ImageHit;
import org.qsearch.search.GenerationOptions;
import org.qsearch.search.QueryOptions;
import org.qsearch.search.SearchCollection;
import org.qsearch.search.SearchPipeline;
import org.qsearch.search.SearchResponse;
import org.qsearch.search.Target;

/**
 * Query pipeline latencies: each step of a text query at several rerank depths, and caption
 * generation per image (one image at a time, and batched across a result page as snippets are).
 * Timings are wall clock on whatever else the machine runs: report its load with them.
 * Each timed pass follows one untimed warm-up pass.
 */
public final class PipelineBenchmark {
    private final SearchCollection collection;
    private final SearchPipeline pipeline;

    public PipelineBenchmark(SearchCollection collection) {
        this.collection = collection;
        this.pipeline = collection.pipeline();
    }

    /** Milliseconds per query of one pipeline step (or "total"), over the timed queries. */
    public record StepStats(double meanMs, double p50Ms, double p99Ms) {}

    /** The per-step latency of text queries at one rerank depth (0: no rerank). */
    public record StepsRow(String features, int depth, int queries, int graphRunsPerQuery, Map<String, StepStats> steps) {}

    /** Milliseconds per generated caption. */
    public record CaptionRow(String mode, int beams, int maxTokens, int images, double meanMs, double p50Ms,
                             double p99Ms) {}

    /** Text->image queries (k = 10, no dedupe, no captions) at one rerank depth, each step timed. */
    public StepsRow steps(String features, List<String> queries, int depth) {
        QueryOptions o = QueryOptions.defaults().withK(10).withRerank(depth).withDedupe(false).withCaptions(false)
                .withDebug(true);
        queries.forEach(q -> pipeline.searchText(q, Target.IMAGES, o));
        Map<String, double[]> ms = new LinkedHashMap<>();
        for (int i = 0; i < queries.size(); i++) {
            SearchResponse r = pipeline.searchText(queries.get(i), Target.IMAGES, o);
            int query = i;
            r.timingsMs().forEach((step, t) -> ms.computeIfAbsent(step, x -> new double[queries.size()])[query] = t);
        }
        Map<String, StepStats> steps = new LinkedHashMap<>();
        ms.forEach((step, v) -> steps.put(step, new StepStats(mean(v), percentile(v, 50), percentile(v, 99))));
        int batch = pipeline.settings().rerankBatch();
        return new StepsRow(features, depth, queries.size(), (depth + batch - 1) / batch, steps);
    }

    /** One indexed image at a time through {@link SearchPipeline#caption(String, GenerationOptions)}; ids must not repeat content. */
    public CaptionRow captionEach(List<String> warmup, List<String> imageIds, GenerationOptions g) {
        warmup.forEach(id -> pipeline.caption(id, g));
        long before = pipeline.captionsGenerated();
        double[] ms = new double[imageIds.size()];
        for (int i = 0; i < imageIds.size(); i++) {
            long t0 = System.nanoTime();
            pipeline.caption(imageIds.get(i), g);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        if (pipeline.captionsGenerated() - before != imageIds.size()) {
            throw new IllegalStateException("some captions came from the cache: the image ids repeat content");
        }
        return new CaptionRow(g.beams() == 1 ? "greedy, one image per call" : g.beams() + " beams, one image per call",
                g.beams(), g.maxTokens(), imageIds.size(), mean(ms), percentile(ms, 50), percentile(ms, 99));
    }

    /**
     * Greedy captions batched across a page, as the pipeline makes snippets for images without a
     * stored caption: one generate call per page of trunk tokens (read from the feature store).
     */
    public CaptionRow captionPages(List<ImageHit> images, int pageSize, GenerationOptions g) {
        List<float[]> tokens = new ArrayList<>(images.size());
        for (ImageHit hit : images) {
            tokens.add(imageTokens(hit));
        }
        collection.encoder().captions().caption(tokens.subList(0, pageSize), g.settings()); // warm-up
        List<Double> perImage = new ArrayList<>();
        for (int from = 0; from + pageSize <= tokens.size(); from += pageSize) {
            long t0 = System.nanoTime();
            collection.encoder().captions().caption(tokens.subList(from, from + pageSize), g.settings());
            perImage.add((System.nanoTime() - t0) / 1e6 / pageSize);
        }
        double[] ms = perImage.stream().mapToDouble(Double::doubleValue).toArray();
        return new CaptionRow("greedy, batched across a page of " + pageSize + " (snippets)", g.beams(), g.maxTokens(),
                ms.length * pageSize, mean(ms), percentile(ms, 50), percentile(ms, 99));
    }

    private float[] imageTokens(ImageHit hit) {
        try {
            return collection.index().imageTokens(hit);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElseThrow(() -> new IllegalArgumentException("nothing was measured"));
    }

    private static double percentile(double[] v, int p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }
}
