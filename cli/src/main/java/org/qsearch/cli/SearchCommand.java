package org.qsearch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qsearch.index.SearchFilter;
import org.qsearch.reranker.Fusion;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.QueryOptions;
import org.qsearch.search.ResultItem;
import org.qsearch.search.SearchCollection;
import org.qsearch.search.SearchPipeline;
import org.qsearch.search.SearchResponse;
import org.qsearch.search.Target;
import org.qsearch.server.ApiJson;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Searches an index through the query pipeline, as the API does (ITC over the HNSW candidates,
 * exact rescoring, ITM rerank, dedupe, snippet captions); {@code --json} prints the API's answer.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Search an index: a text finds images; an image finds similar images, or texts with --target texts."})
final class SearchCommand implements Callable<Integer> {
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

    @Mixin
    IndexOption index;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Query query;

    @Option(names = "--k", defaultValue = "10", description = "results (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--rerank", paramLabel = "N",
            description = "ITM rerank depth, 0 = ITC only (default: the bundle's; image->images is never reranked)")
    Integer rerank;

    @Option(names = "--fusion", defaultValue = "lavis", description = "lavis (ITC + ITM logit) or itm (ITM probability) (default: ${DEFAULT-VALUE})")
    String fusion;

    @Option(names = "--itm-threshold", paramLabel = "P", description = "drop reranked results whose ITM match probability is below P")
    Double itmThreshold;

    @Option(names = "--over-fetch", paramLabel = "N", description = "HNSW candidates per result wanted before exact rescoring (default: "
            + "the pipeline's)")
    Integer overFetch;

    @Option(names = "--target", defaultValue = "images", converter = Targets.class, description = "images or texts (default: ${DEFAULT-VALUE})")
    Target target;

    @Option(names = "--filter", paramLabel = "KEY=VALUE",
            description = "metadata filter (repeatable: values of one key are OR-ed, keys AND-ed)")
    List<String> filters = new ArrayList<>();

    @Option(names = "--exact", description = "score every indexed vector instead of searching the graph")
    boolean exact;

    @Option(names = "--no-dedupe", description = "keep duplicate images (the same file indexed twice)")
    boolean noDedupe;

    @Option(names = "--no-captions", description = "do not generate snippet captions for images indexed without one")
    boolean noCaptions;

    @Mixin
    NearDuplicatesOption nearDuplicates;

    @Option(names = "--json", description = "print the API's JSON answer instead of lines")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PipelineSettings settings = nearDuplicates.apply(PipelineSettings.defaults());
        if (overFetch != null) {
            settings = settings.withOverfetch(overFetch);
        }
        try (SearchCollection collection = index.open(model, settings)) {
            SearchPipeline pipeline = collection.pipeline();
            QueryOptions defaults = pipeline.defaultOptions();
            QueryOptions options = defaults.withK(k).withRerank(rerank == null ? defaults.rerank() : rerank)
                    .withFusion(Fusion.byLabel(fusion)).withItmThreshold(itmThreshold).withFilter(filter())
                    .withDedupe(!noDedupe).withCaptions(!noCaptions).withExact(exact);
            long start = System.nanoTime();
            SearchResponse response = query.text != null
                    ? pipeline.searchText(query.text, target, options)
                    : pipeline.searchImage(Files.readAllBytes(query.image), target, options);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            if (json) {
                ObjectNode body = ApiJson.mapper().valueToTree(response);
                body.remove("timings_ms");
                body.put("took_ms", tookMs);
                System.out.println(body);
            } else {
                List<ResultItem> results = response.results();
                for (int i = 0; i < results.size(); i++) {
                    System.out.println(line(i + 1, results.get(i)));
                }
                System.out.println(results.size() + " results in " + tookMs + " ms (" + summary(response) + ")");
            }
        }
        return 0;
    }

    private SearchFilter filter() {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (String f : filters) {
            int eq = f.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--filter wants KEY=VALUE, got \"" + f + "\"");
            }
            byKey.computeIfAbsent(f.substring(0, eq), key -> new ArrayList<>()).add(f.substring(eq + 1));
        }
        return SearchFilter.of(byKey);
    }

    private static String summary(SearchResponse r) {
        StringBuilder s = new StringBuilder(r.fusion().equals("itc") ? "ITC" : r.reranked() + " reranked, " + r.fusion());
        if (r.droppedByThreshold() > 0) {
            s.append(", ").append(r.droppedByThreshold()).append(" below the ITM threshold");
        }
        if (r.deduplicated() > 0) {
            s.append(", ").append(r.deduplicated()).append(" duplicates removed");
        }
        if (r.exhausted()) {
            s.append(", no further candidates");
        }
        return s.toString();
    }

    private static String line(int rank, ResultItem item) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%2d. %.4f  %s  ", rank, item.score(), item.id()));
        if (item.text() != null) {
            line.append('"').append(item.text()).append('"');
            if (item.imageId() != null) {
                line.append("  image ").append(item.imageId());
            }
        } else {
            line.append(item.uri());
            if (item.caption() != null) {
                line.append("  \"").append(item.caption()).append('"');
            }
        }
        if (item.itm() != null) {
            line.append(String.format(Locale.ROOT, "  (itc %.4f, itm %.3f)", item.itc(), item.itm()));
        }
        return item.bestQuery() == null ? line.toString() : line.append("  [query ").append(item.bestQuery()).append(']').toString();
    }
}
