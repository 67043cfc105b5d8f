package org.qsearch.server;

import static io.javalin.apibuilder.ApiBuilder.get;

import io.javalin.http.Context;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.qsearch.index.ImageHit;
import org.qsearch.indexer.ImageSignature;

/** GET /api/images/{id} (the original, streamed) and GET /api/images/{id}/thumb (cached thumbnails). */
final class ImageRoutes {
    static final int DEFAULT_THUMB_SIZE = 256;
    /** Originals and thumbnails change only when re-indexed, and then their ETag changes. */
    private static final String CACHE_CONTROL = "private, max-age=3600";
    private static final int SIGNATURE_BYTES = 16;

    private final ServerContext server;

    ImageRoutes(ServerContext server) {
        this.server = server;
    }

    /** Inside the /api group. */
    void register() {
        get("/images/{id}", this::original, Role.READ);
        get("/images/{id}/thumb", this::thumb, Role.READ);
    }

    private void original(Context ctx) throws IOException {
        ImageHit hit = find(ctx.pathParam("id"));
        Path file = server.pipeline().resolveImage(hit);
        String etag = '"' + hit.contentHash() + '"';
        if (notModified(ctx, etag)) {
            return;
        }
        long size;
        InputStream in;
        try {
            size = Files.size(file);
            in = new BufferedInputStream(Files.newInputStream(file));
        } catch (NoSuchFileException e) {
            throw ApiProblem.notFound("the file of image " + hit.id() + " is no longer in the collection");
        }
        // the type from the file's signature: peek, then stream the whole file from its start
        byte[] head;
        try {
            in.mark(SIGNATURE_BYTES);
            head = in.readNBytes(SIGNATURE_BYTES);
            in.reset();
        } catch (IOException e) {
            in.close();
            throw e;
        }
        ctx.contentType(ImageSignature.mediaType(head))
                .header("Content-Length", Long.toString(size))
                .header("ETag", etag)
                .header("Cache-Control", CACHE_CONTROL)
                .header("X-Content-Type-Options", "nosniff")
                .result(in);
    }

    private void thumb(Context ctx) throws Exception {
        int size = DEFAULT_THUMB_SIZE;
        String param = ctx.queryParam("size");
        if (param != null) {
            try {
                size = Integer.parseInt(param.strip());
            } catch (NumberFormatException e) {
                throw ApiProblem.badRequest("size must be an integer, got \"" + param + "\"");
            }
        }
        ImageHit hit = find(ctx.pathParam("id"));
        String etag = "\"" + hit.contentHash() + "-" + size + "\"";
        if (notModified(ctx, etag)) {
            return;
        }
        int wanted = size;
        byte[] png = server.pool().call(() -> server.thumbnails().get(hit.id(), hit.contentHash(), wanted,
                () -> server.pipeline().sourcePixels(hit)));
        ctx.contentType("image/png").header("ETag", etag).header("Cache-Control", CACHE_CONTROL).result(png);
    }

    private ImageHit find(String id) {
        return server.pipeline().image(id).orElseThrow(() -> ApiProblem.notFound("no image with id \"" + id + "\""));
    }

    private static boolean notModified(Context ctx, String etag) {
        if (etag.equals(ctx.header("If-None-Match"))) {
            ctx.status(304).header("ETag", etag);
            return true;
        }
        return false;
    }
}
