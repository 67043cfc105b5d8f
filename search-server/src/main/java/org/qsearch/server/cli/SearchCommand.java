package org.qsearch.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.indexer.ImageHit;
import org.qsearch.indexer.ImageIndexSearcher;
import org.qsearch.indexer.SearchFilter;
import org.qsearch.indexer.SearchRequest;
import org.qsearch.indexer.TextHit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Searches an index with a text or an image (ITC, exact rescoring of the HNSW candidates). */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Search an index: a text finds images; an image finds similar images, or texts with --target texts."})
final class SearchCommand implements Callable<Integer> {
    enum Target { IMAGES, TEXTS }

    static final class Targets extends EnumConverter<Target> {
        Targets() {
            super(Target.class);
        }
    }

    static final class Query {
        @Option(names = "--text", required = true, paramLabel = "TEXT", description = "find images for this text")
        String text;

        @Option(names = "--image", required = true, paramLabel = "FILE", description = "find images or texts for this image")
        Path image;
    }

    @Mixin
    ModelOption model;

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "index directory")
    Path index;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Query query;

    @Option(names = "--k", defaultValue = "10", description = "results (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--candidates", paramLabel = "N", description = "HNSW candidates to rescore (default: max(k, 100))")
    Integer candidates;

    @Option(names = "--target", defaultValue = "images", converter = Targets.class, description = "images or texts (default: ${DEFAULT-VALUE})")
    Target target;

    @Option(names = "--filter", paramLabel = "KEY=VALUE",
            description = "metadata filter (repeatable: values of one key are OR-ed, keys AND-ed)")
    List<String> filters = new ArrayList<>();

    @Option(names = "--exact", description = "score every indexed vector instead of searching the graph")
    boolean exact;

    @Option(names = "--json", description = "print one JSON object instead of lines")
    boolean json;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        if (target == Target.TEXTS && query.image == null) {
            throw new IllegalArgumentException("--target texts searches with an image: give --image");
        }
        SearchRequest request = request();
        try (ImageIndexSearcher searcher = ImageIndexSearcher.open(index); Blip2Encoder enc = model.open()) {
            long start = System.nanoTime();
            List<Map<String, Object>> results = new ArrayList<>();
            List<String> lines = new ArrayList<>();
            if (query.text != null || target == Target.IMAGES) {
                List<ImageHit> hits = query.text != null
                        ? searcher.searchImages(enc.encodeTexts(List.of(query.text))[0], request)
                        : searcher.searchSimilarImages(enc.encodeImage(Files.readAllBytes(query.image)), request);
                hits.forEach(h -> {
                    results.add(row(h));
                    lines.add(line(lines.size() + 1, h));
                });
            } else {
                ImageFeatures features = enc.encodeImage(Files.readAllBytes(query.image));
                searcher.searchTexts(features, request).forEach(h -> {
                    results.add(row(h));
                    lines.add(line(lines.size() + 1, h));
                });
            }
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("results", results);
                out.put("took_ms", tookMs);
                System.out.println(Json.write(out));
            } else {
                lines.forEach(System.out::println);
                System.out.println(results.size() + " results in " + tookMs + " ms");
            }
        }
        return 0;
    }

    private SearchRequest request() {
        SearchFilter filter = SearchFilter.NONE;
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (String f : filters) {
            int eq = f.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--filter wants KEY=VALUE, got \"" + f + "\"");
            }
            byKey.computeIfAbsent(f.substring(0, eq), key -> new ArrayList<>()).add(f.substring(eq + 1));
        }
        for (Map.Entry<String, List<String>> e : byKey.entrySet()) {
            filter = filter.and(e.getKey(), e.getValue().toArray(String[]::new));
        }
        SearchRequest request = SearchRequest.top(k).withFilter(filter);
        if (candidates != null) {
            request = request.withCandidates(candidates);
        }
        return exact ? request.exactly() : request;
    }

    private static Map<String, Object> row(ImageHit hit) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", hit.id());
        row.put("uri", hit.uri());
        row.put("score", hit.score());
        row.put("best_query", hit.bestQueryIndex());
        row.put("captions", hit.captions());
        row.put("generated_caption", hit.generatedCaption());
        row.put("width", hit.width());
        row.put("height", hit.height());
        row.put("metadata", metadata(hit.metadataJson()));
        return row;
    }

    private static Map<String, Object> row(TextHit hit) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", hit.id());
        row.put("text", hit.text());
        row.put("image_id", hit.imageId());
        row.put("score", hit.score());
        row.put("best_query", hit.bestQueryIndex());
        row.put("metadata", metadata(hit.metadataJson()));
        return row;
    }

    private static JsonNode metadata(String json) {
        try {
            return JSON.readTree(json == null ? "{}" : json);
        } catch (IOException e) {
            throw new IllegalStateException("stored metadata is not JSON: " + json, e);
        }
    }

    private static String line(int rank, ImageHit hit) {
        StringBuilder line = new StringBuilder(String.format("%2d. %.4f  %s  %s", rank, hit.score(), hit.id(), hit.uri()));
        if (!hit.captions().isEmpty()) {
            line.append("  \"").append(String.join("\" | \"", hit.captions())).append('"');
        }
        if (hit.generatedCaption() != null) {
            line.append("  (generated: \"").append(hit.generatedCaption()).append("\")");
        }
        return line.append("  [query ").append(hit.bestQueryIndex()).append(']').toString();
    }

    private static String line(int rank, TextHit hit) {
        StringBuilder line = new StringBuilder(String.format("%2d. %.4f  %s  \"%s\"", rank, hit.score(), hit.id(), hit.text()));
        if (hit.imageId() != null) {
            line.append("  image ").append(hit.imageId());
        }
        return line.append("  [query ").append(hit.bestQueryIndex()).append(']').toString();
    }
}
