package org.qsearch.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Locale;
import org.qsearch.search.SearchPipeline;
import org.qsearch.search.SearchResponse;

/** POST /api/search: a text, an image, an indexed image or an embedding finds images or texts. */
final class SearchRoutes {
    private final SearchPipeline pipeline;
    private final RequestReader reader;
    private final ModelWorkPool pool;
    private final BearerAuth auth;
    private final ServerMetrics metrics;
    private final ObjectMapper json;

    SearchRoutes(SearchPipeline pipeline, RequestReader reader, ModelWorkPool pool, BearerAuth auth, ServerMetrics metrics,
                 ObjectMapper json) {
        this.pipeline = pipeline;
        this.reader = reader;
        this.pool = pool;
        this.auth = auth;
        this.metrics = metrics;
        this.json = json;
    }

    void register(RoutesConfig routes) {
        routes.post("/api/search", this::search);
    }

    private void search(Context ctx) throws Exception {
        auth.requireRead(ctx);
        SearchCall call = SearchCall.parse(reader.read(ctx, true), pipeline.defaultOptions());
        long start = System.nanoTime();
        SearchResponse response = pool.call(() -> switch (call.kind()) {
            case TEXT -> pipeline.searchText(call.text(), call.target(), call.options());
            case IMAGE -> pipeline.searchImage(call.image(), call.target(), call.options());
            case LIKE -> pipeline.searchLike(call.like(), call.target(), call.options());
            case EMBEDDING -> pipeline.searchEmbedding(call.embedding(), call.target(), call.options());
        });
        double tookMs = (System.nanoTime() - start) / 1e6;
        metrics.recordSteps("search_" + call.kind().name().toLowerCase(Locale.ROOT), response.timingsMs());
        if (response.reranked() > 0) {
            metrics.recordRerankBatch(response.reranked());
        }
        ObjectNode body = json.valueToTree(response);
        if (!call.debug()) {
            body.remove("timings_ms");
        }
        body.put("took_ms", Math.round(tookMs * 10) / 10.0);
        ctx.json(body);
    }
}
