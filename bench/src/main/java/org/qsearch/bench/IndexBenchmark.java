package org.qsearch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.ImageHit;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.SearchRequest;
import org.qsearch.indexer.bulk.BulkIndexer;
import org.qsearch.indexer.bulk.BulkOptions;
import org.qsearch.indexer.bulk.BulkSummary;
import org.qsearch.indexer.bulk.FolderReader;

/**
 * Bulk indexing end to end against the encoder alone on the same images, and
 * per index settings (vector format, which vectors enter the graph): index and
 * feature-store bytes per image, ANN recall@k of text->image search against
 * the exact max-over-32 ranking and query latency for several over-fetch
 * factors k'.
 */
public final class IndexBenchmark {
    private static final int WARM_UP_QUERIES = 200;
    private final Blip2Encoder encoder;
    private final Path images;
    private final int batch;

    public IndexBenchmark(Blip2Encoder encoder, Path images, int batch) {
        this.encoder = encoder;
        this.images = images;
        this.batch = batch;
    }

    /** Images/s of decode + preprocess + vision + itc_image on every image, batched as the pipeline batches. */
    public double encoderOnlyImagesPerSecond() throws IOException, ImageDecodeException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(images)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        long t0 = System.nanoTime();
        List<float[]> pixels = new ArrayList<>();
        for (Path f : files) {
            pixels.add(encoder.preprocess(Files.readAllBytes(f)));
            if (pixels.size() == batch) {
                encoder.encodePixels(pixels);
                pixels.clear();
            }
        }
        encoder.encodePixels(pixels);
        return files.size() / ((System.nanoTime() - t0) / 1e9);
    }

    /** Median and 99th percentile of one over-fetch's ANN query times, in milliseconds. */
    public record Latency(double p50Ms, double p99Ms) {}

    /** @param graph which vectors entered the graph (the label of the index command's --graph choice) */
    public record FormatRow(String graph, String format, double imagesPerSecond, long indexed, double luceneBytesPerImage,
                            double featureBytesPerImage, Map<String, Double> recall, Map<String, Latency> latency) {}

    /** Builds a fresh index in `dir` with `settings` and measures it with the query embeddings. */
    public FormatRow format(String graph, IndexSettings settings, Path dir, float[][] queries, int k, int[] overFetch)
            throws IOException, InterruptedException {
        BulkSummary summary;
        try (CollectionIndexWriter writer = CollectionIndexWriter.open(dir, settings)) {
            summary = new BulkIndexer(encoder, writer, BulkOptions.defaults().withBatchSize(batch)
                    .withErrorsFile(dir.resolve("errors.jsonl")).withProgress(false)).run(new FolderReader(images));
        }
        Map<String, Double> recall = new LinkedHashMap<>();
        Map<String, Latency> latency = new LinkedHashMap<>();
        try (CollectionIndex searcher = CollectionIndex.open(dir)) {
            List<Set<String>> exact = new ArrayList<>();
            for (float[] q : queries) {
                exact.add(ids(searcher.searchImages(q, SearchRequest.top(k).exactly())));
            }
            for (int f : overFetch) {
                SearchRequest request = SearchRequest.top(k).withCandidates(f * k);
                for (int i = 0; i < Math.min(WARM_UP_QUERIES, queries.length); i++) {
                    searcher.searchImages(queries[i], request);
                }
                double sum = 0;
                long[] nanos = new long[queries.length];
                for (int i = 0; i < queries.length; i++) {
                    long t0 = System.nanoTime();
                    List<ImageHit> hits = searcher.searchImages(queries[i], request);
                    nanos[i] = System.nanoTime() - t0;
                    Set<String> got = ids(hits);
                    got.retainAll(exact.get(i));
                    sum += (double) got.size() / Math.min(k, exact.get(i).size());
                }
                recall.put("k'=" + f + "k", sum / queries.length);
                Arrays.sort(nanos);
                latency.put("k'=" + f + "k", new Latency(Percentiles.of(nanos, 0.50) / 1e6, Percentiles.of(nanos, 0.99) / 1e6));
            }
        }
        long n = summary.indexed();
        return new FormatRow(graph, settings.vectorFormat().name().toLowerCase(), summary.imagesPerSecond(), n,
                (double) DirectoryBytes.of(dir.resolve("lucene"), "") / n,
                (double) DirectoryBytes.of(dir.resolve("features"), "") / n, recall, latency);
    }

    private static Set<String> ids(List<ImageHit> hits) {
        Set<String> out = new HashSet<>();
        hits.forEach(h -> out.add(h.id()));
        return out;
    }
}
