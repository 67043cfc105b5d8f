package org.qsearch.opensearch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.ParseException;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.client.RestClient;

/**
 * JSON over HTTP to an OpenSearch cluster, on the low-level REST client (which spreads requests
 * over the given nodes and moves to another one when a node does not answer). Requests that the
 * cluster refuses for now (429, 502-504), that lost a node on the way, or that find no node are
 * retried with exponential backoff (every request qsearch sends is idempotent: writes carry
 * stable ids); any other error becomes an {@link IOException} that says what the cluster answered.
 */
final class ClusterClient implements Closeable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> RETRIED = Set.of(429, 502, 503, 504);
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 5_000;
    private static final ContentType NDJSON = ContentType.create("application/x-ndjson", StandardCharsets.UTF_8);

    private final RestClient rest;
    private final String nodes;

    private ClusterClient(RestClient rest, String nodes) {
        this.rest = rest;
        this.nodes = nodes;
    }

    static ClusterClient connect(List<URI> urls) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("give the cluster's URL (--url http://host:9200[,http://host2:9200])");
        }
        HttpHost[] hosts = new HttpHost[urls.size()];
        for (int i = 0; i < hosts.length; i++) {
            URI url = urls.get(i);
            if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
                throw new IllegalArgumentException("not an http(s) URL of an OpenSearch node: " + url);
            }
            hosts[i] = new HttpHost(url.getScheme(), url.getHost(), url.getPort() < 0 ? 9200 : url.getPort());
        }
        // uncompressed answers: a search answer is mostly packed vectors, which gzip barely shrinks at a
        // high CPU cost on the node (k' = 200 took 120 ms gzipped vs 35 ms plain on the local cluster)
        RestClient rest = RestClient.builder(hosts).setCompressionEnabled(false)
                .setHttpClientConfigCallback(http -> http.disableContentCompression()).build();
        return new ClusterClient(rest, String.join(",", urls.stream().map(URI::toString).toList()));
    }

    String nodes() {
        return nodes;
    }

    /** Sends a request with a JSON body (or none) and returns the answer; {@code absent} statuses (404) return null. */
    JsonNode send(String method, String endpoint, Object body, int... absent) throws IOException {
        return send(method, endpoint, body == null ? null : JSON.writeValueAsString(body), false, absent);
    }

    /**
     * Sends a request that may take minutes (a force merge), waiting up to {@code minutes} for the
     * answer instead of the client's 30 s, and never sending it twice.
     */
    JsonNode sendLong(String method, String endpoint, int minutes) throws IOException {
        Request request = new Request(method, endpoint);
        request.setOptions(RequestOptions.DEFAULT.toBuilder().setRequestConfig(
                RequestConfig.custom().setResponseTimeout(minutes, TimeUnit.MINUTES).build()));
        try {
            return answer(rest.performRequest(request), method, endpoint);
        } catch (ResponseException e) {
            throw refused(e, method, endpoint);
        }
    }

    /** Sends newline-delimited JSON (the bulk API). */
    JsonNode sendLines(String method, String endpoint, String lines) throws IOException {
        return send(method, endpoint, lines, true);
    }

    /**
     * Runs searches with the multi-search API. It answers 200 even when some searches failed, so
     * the whole request is sent again, as any other, when one failed for a reason that passes
     * (429, 5xx, a lost node); any other failure is an {@link IOException}.
     */
    JsonNode multiSearch(String lines) throws IOException {
        Backoff backoff = new Backoff(FIRST_BACKOFF_MILLIS, MAX_BACKOFF_MILLIS);
        while (true) {
            JsonNode answer = send("POST", "/_msearch", lines, true);
            JsonNode failed = null;
            for (JsonNode response : answer.path("responses")) {
                if (response.has("error")) {
                    failed = response;
                    break;
                }
            }
            if (failed == null) {
                return answer;
            }
            int status = failed.path("status").asInt();
            if (!(RETRIED.contains(status) || status >= 500 && lostANode(failed.toString())) || backoff.exhausted()) {
                throw new IOException("OpenSearch failed a kNN search (" + status + "): " + failed.path("error"));
            }
            backoff.pause();
        }
    }

    private JsonNode send(String method, String endpoint, String body, boolean ndjson, int... absent) throws IOException {
        Backoff backoff = new Backoff(FIRST_BACKOFF_MILLIS, MAX_BACKOFF_MILLIS);
        while (true) {
            Request request = new Request(method, endpoint);
            if (body != null) {
                request.setEntity(new StringEntity(body, ndjson ? NDJSON : ContentType.APPLICATION_JSON));
            }
            try {
                return answer(rest.performRequest(request), method, endpoint);
            } catch (ResponseException e) {
                int status = e.getResponse().getStatusLine().getStatusCode();
                for (int a : absent) {
                    if (status == a) {
                        return null;
                    }
                }
                IOException refusal = refused(e, method, endpoint);
                if (!(RETRIED.contains(status) || lostANode(refusal.getMessage())) || backoff.exhausted()) {
                    throw refusal;
                }
            } catch (UnreadableAnswer e) {
                throw e; // the cluster answered: sending it again would not help
            } catch (IOException e) { // no node answered: refused, reset or timed out
                if (backoff.exhausted()) {
                    throw new IOException("cannot reach the OpenSearch cluster at " + nodes + ": " + e.getMessage(), e);
                }
            }
            backoff.pause();
        }
    }

    /** The JSON of an answer ({} when it has no body). */
    private static JsonNode answer(Response response, String method, String endpoint) throws IOException {
        try {
            return response.getEntity() == null ? JSON.createObjectNode() : JSON.readTree(EntityUtils.toString(response.getEntity()));
        } catch (ParseException | JsonProcessingException e) {
            throw new UnreadableAnswer("unreadable answer from OpenSearch to " + method + " " + endpoint, e);
        }
    }

    private static final class UnreadableAnswer extends IOException {
        UnreadableAnswer(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What the cluster answered to a refused request, as the error a caller sees. */
    private static IOException refused(ResponseException e, String method, String endpoint) {
        return new IOException("OpenSearch answered " + e.getResponse().getStatusLine().getStatusCode() + " to " + method
                + " " + endpoint + ": " + entity(e.getResponse()));
    }

    /**
     * Whether an error answer says a node went away under the request (a search's fetch phase on a
     * node that was killed): every request qsearch sends is idempotent, so it is sent again, and
     * the cluster answers from the remaining copies.
     */
    private static boolean lostANode(String answer) {
        return answer.contains("node_disconnected_exception") || answer.contains("node_not_connected_exception")
                || answer.contains("connect_transport_exception") || answer.contains("node_closed_exception");
    }

    private static String entity(Response response) {
        try {
            return response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity());
        } catch (IOException | ParseException e) {
            return "(no readable body)";
        }
    }

    @Override
    public void close() throws IOException {
        rest.close();
    }
}
