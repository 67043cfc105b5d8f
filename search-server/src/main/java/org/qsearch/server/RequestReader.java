package org.qsearch.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a request body as an {@link ApiRequest}, JSON or multipart, within the upload limit. The
 * limit is enforced while reading: a declared Content-Length over it is refused before any byte
 * is read, and an undeclared (chunked) body is cut off as soon as it passes the limit. Multipart
 * parts are limited by the servlet container's multipart settings, which also count as they parse.
 */
final class RequestReader {
    /** Room for the JSON around a base64 image (4/3 of its bytes) and the other fields. */
    private static final long JSON_OVERHEAD_BYTES = 64 * 1024;
    private static final Map<String, String> CLOSE = Map.of("Connection", "close");
    private static final Pattern TOO_MANY_PARTS = Pattern.compile("too many keys \\[\\d+ > (\\d+)\\]");

    private final ObjectMapper json;
    private final long maxImageBytes;

    RequestReader(ObjectMapper json, long maxImageBytes) {
        this.json = json;
        this.maxImageBytes = maxImageBytes;
    }

    /** The most a multipart request may hold: one image and its form fields. */
    long maxMultipartBytes() {
        return maxImageBytes + JSON_OVERHEAD_BYTES;
    }

    private long maxJsonBytes() {
        return maxImageBytes / 3 * 4 + 4 + JSON_OVERHEAD_BYTES;
    }

    /** A JSON object body, or a multipart form when {@code multipartAllowed}. */
    ApiRequest read(Context ctx, boolean multipartAllowed) throws IOException {
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        if (type.startsWith("application/json")) {
            return new ApiRequest(json, readJsonObject(ctx), null, maxImageBytes);
        }
        if (multipartAllowed && type.startsWith("multipart/form-data")) {
            return readMultipart(ctx);
        }
        throw ApiProblem.unsupportedMediaType("send application/json" + (multipartAllowed ? " or multipart/form-data" : "")
                + ", not " + (type.isEmpty() ? "no content type" : type));
    }

    ObjectNode readJsonObject(Context ctx) throws IOException {
        byte[] body = readBody(ctx, maxJsonBytes());
        if (body.length == 0) {
            throw ApiProblem.badRequest("the request body is empty: send a JSON object");
        }
        JsonNode node = json.readTree(body);
        if (!(node instanceof ObjectNode object)) {
            throw ApiProblem.badRequest("the request body must be a JSON object");
        }
        return object;
    }

    private ApiRequest readMultipart(Context ctx) throws IOException {
        checkDeclaredLength(ctx, maxMultipartBytes());
        List<UploadedFile> files;
        Map<String, List<String>> form;
        try {
            files = ctx.uploadedFiles("image");
            form = ctx.formParamMap();
        } catch (Exception e) { // Jetty's ServletException comes through Kotlin code, undeclared
            throw multipartProblem(e);
        }
        if (files.size() > 1) {
            throw ApiProblem.badRequest("send one \"image\" file, not " + files.size());
        }
        byte[] image = null;
        if (!files.isEmpty()) {
            try (InputStream in = files.getFirst().content()) {
                image = LimitedBody.read(in, maxImageBytes);
            }
        }
        ObjectNode fields = json.createObjectNode();
        form.forEach((name, values) -> {
            if (values.size() == 1) {
                fields.put(name, values.getFirst());
            } else {
                ArrayNode array = fields.putArray(name);
                values.forEach(array::add);
            }
        });
        return new ApiRequest(json, fields, image, maxImageBytes);
    }

    /**
     * Jetty reports its multipart limits (checked as it parses) as an IllegalStateException under
     * a ServletException: the byte limits ("max ...") and the part count ("Form with too many keys
     * [N > M]"); anything else it could not parse is a malformed body. The parser stopped inside
     * the body, so the connection closes after the answer: said in a header, so that a client does
     * not send its next request on it.
     */
    private ApiProblem multipartProblem(Exception failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IllegalStateException && t.getMessage() != null) {
                if (t.getMessage().startsWith("max ")) {
                    return ApiProblem.tooLarge("the upload passes the limit of " + maxImageBytes + " bytes");
                }
                Matcher parts = TOO_MANY_PARTS.matcher(t.getMessage());
                if (parts.find()) {
                    return new ApiProblem(400, "Bad request", "the form has more than " + parts.group(1)
                            + " fields; the limit is " + parts.group(1) + " (the image and its fields)", CLOSE);
                }
            }
        }
        return new ApiProblem(400, "Bad request", "malformed multipart body", CLOSE);
    }

    private static byte[] readBody(Context ctx, long limit) throws IOException {
        checkDeclaredLength(ctx, limit);
        try (InputStream in = ctx.req().getInputStream()) {
            return LimitedBody.read(in, limit);
        }
    }

    private static void checkDeclaredLength(Context ctx, long limit) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw ApiProblem.tooLarge("the request declares " + declared + " bytes; the limit is " + limit);
        }
    }
}
