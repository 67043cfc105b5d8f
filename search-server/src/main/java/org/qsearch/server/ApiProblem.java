package org.qsearch.server;

import java.util.Map;

/**
 * A request the API refuses, with the HTTP status and the RFC 7807 title and detail it is
 * answered with. Thrown by handlers; {@link ProblemResponses} writes it.
 */
public final class ApiProblem extends RuntimeException {
    private final int status;
    private final String title;
    private final Map<String, String> headers;

    public ApiProblem(int status, String title, String detail, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
        this.headers = Map.copyOf(headers);
    }

    public ApiProblem(int status, String title, String detail) {
        this(status, title, detail, Map.of());
    }

    public static ApiProblem badRequest(String detail) {
        return new ApiProblem(400, "Bad request", detail);
    }

    public static ApiProblem notFound(String detail) {
        return new ApiProblem(404, "Not found", detail);
    }

    public static ApiProblem tooLarge(String detail) {
        return new ApiProblem(413, "Payload too large", detail);
    }

    public static ApiProblem unsupportedMediaType(String detail) {
        return new ApiProblem(415, "Unsupported media type", detail);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
