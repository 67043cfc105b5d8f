package org.qsearch.opensearch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
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
    private static final int ATTEMPTS = 8;
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
            Response response = rest.performRequest(request);
            return JSON.readTree(EntityUtils.toString(response.getEntity()));
        } catch (ResponseException e) {
            throw new IOException("OpenSearch answered " + e.getResponse().getStatusLine().getStatusCode() + " to " + method
                    + " " + endpoint + ": " + entity(e.getResponse()));
        } catch (ParseException e) {
            throw new IOException("unreadable answer from OpenSearch to " + method + " " + endpoint, e);
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
        long backoff = FIRST_BACKOFF_MILLIS;
        for (int attempt = 1; ; attempt++) {
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
            if (!(RETRIED.contains(status) || status >= 500 && lostANode(failed.toString())) || attempt == ATTEMPTS) {
                throw new IOException("OpenSearch failed a kNN search (" + status + "): " + failed.path("error"));
            }
            sleep(backoff);
            backoff = Math.min(2 * backoff, MAX_BACKOFF_MILLIS);
        }
    }

    private JsonNode send(String method, String endpoint, String body, boolean ndjson, int... absent) throws IOException {
        long backoff = FIRST_BACKOFF_MILLIS;
        for (int attempt = 1; ; attempt++) {
            Request request = new Request(method, endpoint);
            if (body != null) {
                request.setEntity(new StringEntity(body, ndjson ? NDJSON : ContentType.APPLICATION_JSON));
            }
            try {
                Response response = rest.performRequest(request);
                return response.getEntity() == null ? JSON.createObjectNode() : JSON.readTree(EntityUtils.toString(response.getEntity()));
            } catch (ResponseException e) {
                int status = e.getResponse().getStatusLine().getStatusCode();
                String answer = entity(e.getResponse());
                for (int a : absent) {
                    if (status == a) {
                        return null;
                    }
                }
                if (!(RETRIED.contains(status) || lostANode(answer)) || attempt == ATTEMPTS) {
                    throw new IOException("OpenSearch answered " + status + " to " + method + " " + endpoint + ": " + answer);
                }
            } catch (ParseException | JsonProcessingException e) {
                throw new IOException("unreadable answer from OpenSearch to " + method + " " + endpoint, e);
            } catch (IOException e) { // no node answered: refused, reset or timed out
                if (attempt == ATTEMPTS) {
                    throw new IOException("cannot reach the OpenSearch cluster at " + nodes + ": " + e.getMessage(), e);
                }
            }
            sleep(backoff);
            backoff = Math.min(2 * backoff, MAX_BACKOFF_MILLIS);
        }
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

    /** Waits before the next attempt; an interrupt ends the retries. */
    static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry an OpenSearch request");
        }
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
