package org.qsearch.server.bench;

import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.indexer.ImageHit;
import org.qsearch.indexer.ImageIndexSearcher;
import org.qsearch.indexer.ImageIndexWriter;
import org.qsearch.indexer.IndexSettings;
import org.qsearch.indexer.SearchRequest;
import org.qsearch.indexer.VectorFormat;
import org.qsearch.indexer.bulk.BulkIndexer;
import org.qsearch.indexer.bulk.BulkOptions;
import org.qsearch.indexer.bulk.BulkSummary;
import org.qsearch.indexer.bulk.FolderReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Bulk indexing end to end against the encoder alone on the same images, and
 * per vector format: index and feature-store bytes per image and ANN
 * recall@k of text->image search against the exact max-over-32 ranking for
 * several over-fetch factors k'.
 */
public final class IndexBenchmark {
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

    public record FormatRow(String format, double imagesPerSecond, long indexed, double luceneBytesPerImage,
                            double featureBytesPerImage, Map<String, Double> recall) {}

    /** Builds a fresh index in `dir` with `format` and measures it with the query embeddings. */
    public FormatRow format(VectorFormat format, int hnswM, int hnswBeam, Path dir, float[][] queries, int k,
                            int[] overFetch) throws IOException, InterruptedException {
        IndexSettings settings = IndexSettings.forDims(encoder.bundle().dims()).withVectorFormat(format)
                .withHnsw(hnswM, hnswBeam);
        BulkSummary summary;
        try (ImageIndexWriter writer = ImageIndexWriter.open(dir, settings)) {
            summary = new BulkIndexer(encoder, writer, BulkOptions.defaults().withBatchSize(batch)
                    .withErrorsFile(dir.resolve("errors.jsonl")).withProgress(false)).run(new FolderReader(images));
        }
        Map<String, Double> recall = new LinkedHashMap<>();
        try (ImageIndexSearcher searcher = ImageIndexSearcher.open(dir)) {
            List<Set<String>> exact = new ArrayList<>();
            for (float[] q : queries) {
                exact.add(ids(searcher.searchImages(q, SearchRequest.top(k).exactly())));
            }
            for (int f : overFetch) {
                double sum = 0;
                for (int i = 0; i < queries.length; i++) {
                    Set<String> got = ids(searcher.searchImages(queries[i], SearchRequest.top(k).withCandidates(f * k)));
                    got.retainAll(exact.get(i));
                    sum += (double) got.size() / Math.min(k, exact.get(i).size());
                }
                recall.put("k'=" + f + "k", sum / queries.length);
            }
        }
        long n = summary.indexed();
        return new FormatRow(format.name().toLowerCase(), summary.imagesPerSecond(), n,
                (double) bytes(dir.resolve("lucene")) / n, (double) bytes(dir.resolve("features")) / n, recall);
    }

    private static Set<String> ids(List<ImageHit> hits) {
        Set<String> out = new HashSet<>();
        hits.forEach(h -> out.add(h.id()));
        return out;
    }

    private static long bytes(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
