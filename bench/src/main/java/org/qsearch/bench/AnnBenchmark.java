package org.qsearch.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.lucene.util.VectorUtil;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.FeatureMode;
import org.qsearch.index.ImageHit;
import org.qsearch.index.ImageRecord;
import org.qsearch.index.IndexLocation;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.LocalIndexLocation;
import org.qsearch.index.LuceneIndex;
import org.qsearch.index.SearchRequest;

/**
 * qsearch's side of the ANN benchmark: text->image search over a collection of image query
 * vectors already encoded (the same arrays the peers read), per index settings and over-fetch:
 * recall@k against the exact max-over-32 top k, QPS on 1 and 2 threads (median of the rounds),
 * latency, build time and bytes per image.
 */
public final class AnnBenchmark {
    private final List<ImageFeatures> images;
    /** images[i].query(q), unpacked once for the brute force */
    private final float[][][] vectors;
    private final float[][] queries;
    private final int k;
    private final int rounds;
    /** segments each built index is merged down to before it is measured; 0: as the writer left it */
    private final int mergeTo;
    private final List<List<String>> truth;

    /**
     * @param images the collection, ids "i" + its position
     * @param rounds timed passes over the queries per row: QPS is their median, latency percentiles pool them
     * @param mergeTo segments each index is merged down to after the build (counted in its build time); 0: not merged
     */
    public AnnBenchmark(List<ImageFeatures> images, float[][] queries, int k, int rounds, int mergeTo) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1");
        }
        this.rounds = rounds;
        this.mergeTo = mergeTo;
        this.images = images;
        this.vectors = images.stream().map(f -> IntStream.range(0, f.numQueries()).mapToObj(f::query)
                .toArray(float[][]::new)).toArray(float[][][]::new);
        this.queries = queries;
        this.k = k;
        this.truth = Arrays.stream(queries).map(this::exactTop).toList();
    }

    /**
     * @param ramBytesPerImage bytes of the files a graph search reads (graph and the vectors it
     *                         compares: quantized ones for the quantized formats), per image
     */
    public record Row(String graph, String format, int overFetch, double recall, double qps1, double qps2,
                      double p50Ms, double p99Ms, double buildSeconds, double diskBytesPerImage, double ramBytesPerImage) {}

    /** Builds a local index with {@code settings} in {@code dir}, then measures it at each over-fetch (multiples of k). */
    public List<Row> run(String graph, IndexSettings settings, Path dir, int[] overFetch) throws Exception {
        double build = build(new LocalIndexLocation(dir), settings);
        try (LuceneIndex searcher = LuceneIndex.open(dir)) {
            return measure(graph, settings, searcher, overFetch, build,
                    (double) DirectoryBytes.of(dir.resolve("lucene"), "") / images.size(),
                    (double) searchedBytes(searcher.imageVectorBytes()) / images.size());
        }
    }

    /**
     * Builds the collection at {@code location} (any backend: a cluster's), then measures it as
     * {@link #run}; its bytes per image are not known here (NaN).
     */
    public List<Row> runOn(String graph, IndexSettings settings, IndexLocation location, int[] overFetch) throws Exception {
        double build = build(location, settings);
        try (CollectionIndex searcher = location.openIndex()) {
            return measure(graph, settings, searcher, overFetch, build, Double.NaN, Double.NaN);
        }
    }

    /** Seconds to write every image and, when asked, merge. */
    private double build(IndexLocation location, IndexSettings settings) throws Exception {
        long t0 = System.nanoTime();
        try (CollectionIndexWriter writer = location.openWriter(settings.withFeatureMode(FeatureMode.RECOMPUTE))) {
            Instant now = Instant.now();
            for (int i = 0; i < images.size(); i++) {
                writer.putImage(new ImageRecord("i" + i, "i" + i, "-", 0, 0, List.of(), null, null, now, images.get(i)));
            }
            if (mergeTo > 0) {
                writer.forceMerge(mergeTo);
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private List<Row> measure(String graph, IndexSettings settings, CollectionIndex searcher, int[] overFetch,
                              double build, double diskBytesPerImage, double ramBytesPerImage) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int f : overFetch) {
            SearchRequest request = SearchRequest.top(k).withCandidates(f * k);
            for (float[] query : queries) { // warm-up: the JIT compiles the search path
                searcher.searchImages(query, request);
            }
            long[] nanos = new long[rounds * queries.length];
            double[] qps1 = new double[rounds];
            double[] qps2 = new double[rounds];
            double recall = 0;
            for (int round = 0; round < rounds; round++) {
                recall = 0;
                long start = System.nanoTime();
                for (int i = 0; i < queries.length; i++) {
                    long q0 = System.nanoTime();
                    List<ImageHit> hits = searcher.searchImages(queries[i], request);
                    nanos[round * queries.length + i] = System.nanoTime() - q0;
                    List<String> expected = truth.get(i);
                    recall += hits.stream().filter(h -> expected.contains(h.id())).count() / (double) k;
                }
                qps1[round] = queries.length / ((System.nanoTime() - start) / 1e9);
                qps2[round] = qpsOnThreads(searcher, request, 2);
            }
            Arrays.sort(nanos);
            rows.add(new Row(graph, settings.vectorFormat().name().toLowerCase(), f, recall / queries.length,
                    Percentiles.median(qps1), Percentiles.median(qps2), Percentiles.of(nanos, 0.50) / 1e6,
                    Percentiles.of(nanos, 0.99) / 1e6, build, diskBytesPerImage, ramBytesPerImage));
        }
        return rows;
    }

    private double qpsOnThreads(CollectionIndex searcher, SearchRequest request, int threads) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            long start = System.nanoTime();
            List<Future<?>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                parts.add(pool.submit(() -> {
                    for (int i = first; i < queries.length; i += threads) {
                        searcher.searchImages(queries[i], request);
                    }
                    return null;
                }));
            }
            for (Future<?> part : parts) {
                part.get();
            }
            return queries.length / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Ids of the exact top k: max over each image's vectors of the dot product, by brute force. */
    private List<String> exactTop(float[] query) {
        float[] best = new float[vectors.length];
        for (int i = 0; i < best.length; i++) {
            best[i] = Float.NEGATIVE_INFINITY;
            for (float[] vector : vectors[i]) {
                best[i] = Math.max(best[i], VectorUtil.dotProduct(query, vector));
            }
        }
        Integer[] order = new Integer[best.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Float.compare(best[b], best[a]));
        return Arrays.stream(order).limit(k).map(i -> "i" + i).toList();
    }

    /** The HNSW graph plus the vectors it compares: the quantized ones when there are some, else the floats. */
    private static long searchedBytes(Map<String, Long> offHeap) {
        long graph = offHeap.getOrDefault("vex", 0L);
        return graph + offHeap.getOrDefault("veq", offHeap.getOrDefault("vec", 0L));
    }
}
