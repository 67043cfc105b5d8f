package org.qsearch.server;

import static io.javalin.apibuilder.ApiBuilder.get;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.qsearch.search.CollectionStatus;

/** GET /api/health, GET /metrics and GET /api/openapi.json: open to monitoring even when reads need a token. */
final class OpsRoutes {
    static final String OPENAPI_RESOURCE = "/org/qsearch/server/openapi.json";

    private final ServerContext server;
    private final byte[] openApi;

    OpsRoutes(ServerContext server) {
        this.server = server;
        try (InputStream in = OpsRoutes.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document " + OPENAPI_RESOURCE + " is missing from the jar");
            }
            this.openApi = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Inside the /api group. */
    void register() {
        get("/health", this::health, Role.OPEN);
        get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi), Role.OPEN);
    }

    /** GET /metrics, outside the /api group. */
    void registerMetrics() {
        get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(server.metrics().scrape()), Role.OPEN);
    }

    private void health(Context ctx) throws IOException {
        CollectionStatus status = server.collection().status();
        ObjectNode body = server.json().createObjectNode().put("status", "ok");
        body.putObject("model")
                .put("name", status.model())
                .put("execution_provider", status.executionProvider())
                .put("rerank", status.rerank())
                .put("captions", status.captions());
        body.putObject("index")
                .put("images", status.images())
                .put("texts", status.texts())
                .put("vector_format", status.vectorFormat().name().toLowerCase(Locale.ROOT))
                .put("features", status.features().name().toLowerCase(Locale.ROOT));
        body.put("writes", server.writer() != null)
                .put("reads_need_token", server.settings().protectReads());
        ctx.json(body);
    }
}
