package org.qsearch.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.UUID;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.encoder.ImageTooLargeException;
import org.qsearch.search.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps every failure to an RFC 7807 problem document ({@code application/problem+json}) whose
 * detail tells the caller what to change. Unexpected failures are logged with an id and answered
 * with that id only: no stack trace or internal message reaches the client.
 */
final class ProblemResponses {
    static final String CONTENT_TYPE = "application/problem+json";
    private static final Logger LOG = LoggerFactory.getLogger(ProblemResponses.class);
    /** How much of a refused body is read and discarded before answering 413 (Tomcat's maxSwallowSize). */
    static final long SWALLOW_BYTES = 4L << 20;

    private final ObjectMapper json;

    ProblemResponses(ObjectMapper json) {
        this.json = json;
    }

    void register(RoutesConfig routes) {
        routes.exception(ApiProblem.class, (e, ctx) -> write(ctx, e));
        routes.exception(JsonProcessingException.class, (e, ctx) -> write(ctx, ApiProblem.badRequest(
                "malformed JSON: " + e.getOriginalMessage()
                        + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                        + ", column " + e.getLocation().getColumnNr()))));
        routes.exception(IllegalArgumentException.class, (e, ctx) -> write(ctx, ApiProblem.badRequest(e.getMessage())));
        routes.exception(NotFoundException.class, (e, ctx) -> write(ctx, ApiProblem.notFound(e.getMessage())));
        // a stored path that would leave the collection root: answered as absent, whatever it names
        routes.exception(SecurityException.class, (e, ctx) -> write(ctx, ApiProblem.notFound("not in the collection")));
        routes.exception(ImageTooLargeException.class, (e, ctx) -> write(ctx, ApiProblem.tooLarge(e.getMessage())));
        routes.exception(ImageDecodeException.class, (e, ctx) -> write(ctx,
                new ApiProblem(422, "Not a usable image", e.getMessage())));
        routes.exception(UnsupportedOperationException.class, (e, ctx) -> write(ctx,
                new ApiProblem(501, "Not available", e.getMessage())));
        routes.exception(HttpResponseException.class, (e, ctx) -> write(ctx, e.getStatus() == 405 ? methodNotAllowed(ctx)
                : new ApiProblem(e.getStatus(), reason(e.getStatus()), e.getMessage())));
        routes.exception(Exception.class, (e, ctx) -> {
            String id = UUID.randomUUID().toString();
            LOG.error("request {} {} failed (error id {})", ctx.method(), ctx.path(), id, e);
            write(ctx, new ApiProblem(500, "Internal error", "the server failed; the log has error id " + id));
        });
        routes.error(404, ctx -> {
            if (!ctx.res().isCommitted() && !CONTENT_TYPE.equals(ctx.res().getContentType())) {
                write(ctx, ApiProblem.notFound("no such resource: " + ctx.method() + " " + ctx.path()));
            }
        });
    }

    /** Javalin answers a known path with another method's route by a 405 (prefer405over404). */
    private static ApiProblem methodNotAllowed(Context ctx) {
        return new ApiProblem(405, "Method not allowed", ctx.req().getMethod() + " is not allowed on " + ctx.path());
    }

    void write(Context ctx, ApiProblem problem) {
        if (problem.status() == 413) {
            swallowUnreadBody(ctx);
        }
        ObjectNode body = body(json, problem, ctx.path());
        for (Map.Entry<String, String> header : problem.headers().entrySet()) {
            ctx.header(header.getKey(), header.getValue());
        }
        ctx.status(problem.status()).contentType(CONTENT_TYPE).result(body.toString());
    }

    /** The problem document of {@code problem} at {@code path} (null when the request had no usable path). */
    static ObjectNode body(ObjectMapper json, ApiProblem problem, String path) {
        return json.createObjectNode()
                .put("type", "about:blank")
                .put("title", problem.title())
                .put("status", problem.status())
                .put("detail", problem.getMessage())
                .put("instance", path);
    }

    /**
     * A refused body may be partly unread, and the server may close the connection after
     * answering: say so (Connection: close), or a client reuses a connection that is about to go
     * and its next request gets no answer at all. Draining what is left first (up to
     * SWALLOW_BYTES) lets a client that is still sending read the answer instead of a reset.
     */
    private static void swallowUnreadBody(Context ctx) {
        ctx.header("Connection", "close");
        if (ctx.req().getContentLengthLong() > SWALLOW_BYTES) {
            return;
        }
        try (InputStream in = ctx.req().getInputStream()) {
            // read, not skip: a servlet stream may skip 0 bytes while the client is still sending
            byte[] buffer = new byte[64 * 1024];
            long left = SWALLOW_BYTES;
            for (int n = in.read(buffer); n >= 0 && left > 0; n = in.read(buffer)) {
                left -= n;
            }
        } catch (IOException | IllegalStateException e) {
            // the body is gone or was taken by a multipart parser: the connection closes anyway
        }
    }

    static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad request";
            case 404 -> "Not found";
            case 405 -> "Method not allowed";
            case 413 -> "Payload too large";
            case 414 -> "URI too long";
            case 415 -> "Unsupported media type";
            case 431 -> "Request header fields too large";
            default -> "HTTP " + status;
        };
    }
}
