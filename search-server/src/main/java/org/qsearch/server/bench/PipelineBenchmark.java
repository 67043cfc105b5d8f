package org.qsearch.server.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.qsearch.server.pipeline.GenerationOptions;
import org.qsearch.server.pipeline.QueryOptions;
import org.qsearch.server.pipeline.SearchPipeline;
import org.qsearch.server.pipeline.SearchResponse;
import org.qsearch.server.pipeline.Target;

/**
 * Query pipeline latencies: the rerank step per text query at several depths, and caption
 * generation per image (one image at a time, and batched across a result page as snippets are).
 * Each timed pass follows one untimed warm-up pass.
 */
public final class PipelineBenchmark {
    private final SearchPipeline pipeline;

    public PipelineBenchmark(SearchPipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** Milliseconds per query of the rerank step and of the whole query, at one rerank depth. */
    public record RerankRow(String features, int depth, int queries, int graphRunsPerQuery, double rerankMeanMs,
                            double rerankP50Ms, double rerankP95Ms, double queryMeanMs) {}

    /** Milliseconds per generated caption. */
    public record CaptionRow(String mode, int beams, int maxTokens, int images, double meanMs, double p50Ms,
                             double p95Ms) {}

    public RerankRow rerank(String features, List<String> queries, int depth) {
        QueryOptions o = QueryOptions.defaults().withK(10).withRerank(depth).withDedupe(false).withCaptions(false)
                .withDebug(true);
        queries.forEach(q -> pipeline.searchText(q, Target.IMAGES, o));
        double[] rerank = new double[queries.size()];
        double[] total = new double[queries.size()];
        for (int i = 0; i < queries.size(); i++) {
            SearchResponse r = pipeline.searchText(queries.get(i), Target.IMAGES, o);
            rerank[i] = r.timingsMs().getOrDefault("rerank", 0.0);
            total[i] = r.timingsMs().get("total");
        }
        int batch = pipeline.settings().rerankBatch();
        return new RerankRow(features, depth, queries.size(), (depth + batch - 1) / batch, mean(rerank),
                percentile(rerank, 50), percentile(rerank, 95), mean(total));
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
                g.beams(), g.maxTokens(), imageIds.size(), mean(ms), percentile(ms, 50), percentile(ms, 95));
    }

    /**
     * Snippets as a result page gets them: the page's uncached images captioned in one greedy
     * batch; the captions step's time divided by the captions it generated.
     */
    public CaptionRow snippets(List<String> queries, int pageSize) {
        QueryOptions o = QueryOptions.defaults().withK(pageSize).withRerank(0).withDedupe(false).withDebug(true);
        List<Double> perImage = new ArrayList<>();
        int images = 0;
        for (String q : queries) {
            long before = pipeline.captionsGenerated();
            SearchResponse r = pipeline.searchText(q, Target.IMAGES, o);
            long made = pipeline.captionsGenerated() - before;
            if (made > 0) {
                perImage.add(r.timingsMs().get("captions") / made);
                images += (int) made;
            }
        }
        double[] ms = perImage.stream().mapToDouble(Double::doubleValue).toArray();
        GenerationOptions g = GenerationOptions.SNIPPET;
        return new CaptionRow("greedy, batched across a page of " + pageSize + " (snippets)", g.beams(), g.maxTokens(),
                images, mean(ms), percentile(ms, 50), percentile(ms, 95));
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    private static double percentile(double[] v, int p) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }
}
