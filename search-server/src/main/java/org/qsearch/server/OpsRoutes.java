package org.qsearch.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.qsearch.search.SearchCollection;

/** GET /api/health, GET /metrics and GET /api/openapi.json: open to monitoring even when reads need a token. */
final class OpsRoutes {
    static final String OPENAPI_RESOURCE = "/org/qsearch/server/openapi.json";

    private final SearchCollection collection;
    private final ServerSettings settings;
    private final ServerMetrics metrics;
    private final ObjectMapper json;
    private final byte[] openApi;

    OpsRoutes(SearchCollection collection, ServerSettings settings, ServerMetrics metrics, ObjectMapper json) {
        this.collection = collection;
        this.settings = settings;
        this.metrics = metrics;
        this.json = json;
        try (InputStream in = OpsRoutes.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document " + OPENAPI_RESOURCE + " is missing from the jar");
            }
            this.openApi = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void register(RoutesConfig routes) {
        routes.get("/api/health", this::health);
        routes.get("/metrics", this::metrics);
        routes.get("/api/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
    }

    private void health(Context ctx) throws IOException {
        ObjectNode body = json.createObjectNode().put("status", "ok");
        body.putObject("model")
                .put("name", collection.encoder().bundle().name())
                .put("execution_provider", collection.encoder().executionProvider())
                .put("rerank", collection.encoder().hasItm())
                .put("captions", collection.encoder().hasCaptions());
        body.putObject("index")
                .put("images", collection.index().imageCount())
                .put("texts", collection.index().textCount())
                .put("vector_format", collection.index().settings().vectorFormat().name().toLowerCase(Locale.ROOT))
                .put("features", collection.index().settings().featureMode().name().toLowerCase(Locale.ROOT));
        body.put("writes", collection.writer() != null && settings.writesEnabled())
                .put("reads_need_token", settings.protectReads());
        ctx.json(body);
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }
}
