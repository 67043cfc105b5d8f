package org.qsearch.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.index.FeatureMode;
import org.qsearch.indexer.TestCollections;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.SearchCollection;
import org.qsearch.index.LocalIndexLocation;

/**
 * A real server for the tests: the held-out fruit emoji (12 images, their names indexed as
 * texts) bulk-indexed with the shipped bundle, served on 127.0.0.1 and a free port, and an HTTP
 * client for it.
 */
final class FruitServer implements AutoCloseable {
    static final String TOKEN = "test-token-7f3a";
    static final ObjectMapper JSON = new ObjectMapper();

    final Path root;
    final SearchCollection collection;
    final SearchServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private FruitServer(Path root, SearchCollection collection, SearchServer server) {
        this.root = root;
        this.collection = collection;
        this.server = server;
    }

    /** Settings the tests start from: loopback, a free port, the token, a small upload limit. */
    static ServerSettings settings() {
        return ServerSettings.defaults().withAddress("127.0.0.1", 0).withAuth(TOKEN, false, false)
                .withLimits(256 * 1024, 2, 64);
    }

    static FruitServer start(Path tmp, ServerSettings settings) throws IOException {
        Path root = tmp.resolve("fruit");
        Path index = tmp.resolve("index");
        try (Blip2Encoder encoder = TestCollections.encoder()) {
            TestCollections.indexFruit(encoder, root, index, FeatureMode.STORED, Map.of(), TestCollections.Names.CAPTIONS);
        }
        SearchCollection collection = SearchCollection.open(TestCollections.bundle(), TestCollections.encoderOptions(),
                new LocalIndexLocation(index), null, true, PipelineSettings.defaults());
        try {
            return new FruitServer(root, collection, SearchServer.start(collection, settings));
        } catch (RuntimeException e) {
            collection.close();
            throw e;
        }
    }

    /** Another server over the same collection, with other settings. */
    SearchServer another(ServerSettings settings) {
        return SearchServer.start(collection, settings);
    }

    URI uri(String path) {
        return URI.create(server.url() + path);
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<byte[]> sendForBytes(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    HttpResponse<String> postJson(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    HttpResponse<String> postJson(String path, Object body) {
        try {
            return postJson(path, JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The status code of {@link #rawResponse}. */
    static int rawStatus(SearchServer server, String method, String path, Map<String, String> headers, String body) {
        return Integer.parseInt(rawResponse(server, method, path, headers, body).lines().findFirst().orElse("").split(" ")[1]);
    }

    /**
     * The whole answer (status line, headers, body) to one request written by hand to {@code
     * server}, for what Java's client will not send (a Host, an over-long URI); the body is JSON.
     */
    static String rawResponse(SearchServer server, String method, String path, Map<String, String> headers, String body) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            if (!headers.containsKey("Host")) {
                head.append("Host: 127.0.0.1\r\n");
            }
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length)
                    .append("\r\nConnection: close\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    /** The id the bulk indexer gave a fruit fixture, by its file stem. */
    String idOf(String stem) {
        JsonNode results = json(postJson("/api/search", Map.of("text", TestCollections.FRUIT.get(stem), "k", 12,
                "rerank", 0, "dedupe", false, "captions", false))).get("results");
        for (JsonNode r : results) {
            if (r.get("uri").asText().equals(stem + ".png")) {
                return r.get("id").asText();
            }
        }
        throw new AssertionError(stem + " is not in the index");
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            collection.close();
        }
    }
}
