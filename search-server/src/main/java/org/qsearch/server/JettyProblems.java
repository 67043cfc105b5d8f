package org.qsearch.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answers Jetty gives before a request reaches the API (a bad Host, a URI or headers over its
 * limits: 400, 414, 431) as problem documents like every other error, not Jetty's HTML page.
 */
final class JettyProblems extends ErrorHandler {
    private final ObjectMapper json;

    JettyProblems(ObjectMapper json) {
        this.json = json;
    }

    /** Errors of requests the parser could not take (answered on the connection, no request object). */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, ProblemResponses.CONTENT_TYPE);
        return ByteBuffer.wrap(document(status, reason, null));
    }

    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                    Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, ProblemResponses.CONTENT_TYPE);
        response.write(true, ByteBuffer.wrap(document(status, message, request.getHttpURI().getPath())), callback);
    }

    private byte[] document(int status, String reason, String path) {
        String detail = switch (status) {
            case 414 -> "the request URI is longer than this server takes";
            case 431 -> "the request headers are larger than this server takes";
            default -> "the server could not take this request" + (reason == null ? "" : ": " + reason);
        };
        ApiProblem problem = new ApiProblem(status, ProblemResponses.reason(status), detail);
        return ProblemResponses.body(json, problem, path).toString().getBytes(StandardCharsets.UTF_8);
    }
}
