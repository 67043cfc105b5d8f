package org.qsearch.server;

import static io.javalin.apibuilder.ApiBuilder.post;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.util.Locale;
import org.qsearch.search.SearchPipeline;
import org.qsearch.search.SearchResponse;

/** POST /api/search: a text, an image, an indexed image or an embedding finds images or texts. */
final class SearchRoutes {
    private final ServerContext server;

    SearchRoutes(ServerContext server) {
        this.server = server;
    }

    /** Inside the /api group. */
    void register() {
        post("/search", this::search, Role.READ);
    }

    private void search(Context ctx) throws Exception {
        SearchPipeline pipeline = server.pipeline();
        SearchCall call = SearchCall.parse(server.reader().read(ctx, true), pipeline.defaultOptions());
        long start = System.nanoTime();
        SearchResponse response = server.pool().call(() -> switch (call.kind()) {
            case TEXT -> pipeline.searchText(call.text(), call.target(), call.options());
            case IMAGE -> pipeline.searchImage(call.image(), call.target(), call.options());
            case LIKE -> pipeline.searchLike(call.like(), call.target(), call.options());
            case EMBEDDING -> pipeline.searchEmbedding(call.embedding(), call.target(), call.options());
        });
        double tookMs = (System.nanoTime() - start) / 1e6;
        server.metrics().recordSteps("search_" + call.kind().name().toLowerCase(Locale.ROOT), response.timingsMs());
        if (response.reranked() > 0) {
            server.metrics().recordRerankBatch(response.reranked());
        }
        ObjectNode body = server.json().valueToTree(response);
        if (!call.debug()) {
            body.remove("timings_ms");
        }
        body.put("took_ms", Math.round(tookMs * 10) / 10.0);
        ctx.json(body);
    }
}
