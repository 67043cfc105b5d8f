package org.qsearch.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qsearch.server.SearchApiTest.assertProblem;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.index.ImageRecord;
import org.qsearch.indexer.TestCollections;

/**
 * The read endpoints besides search: originals, thumbnails, documents, caption / ask / classify,
 * health, metrics, the OpenAPI document and the page; and that no id or stored path reaches
 * outside the collection root.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadApiTest {
    private FruitServer fruit;
    private String apple;
    private Path outside;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        fruit = FruitServer.start(tmp, FruitServer.settings());
        apple = fruit.idOf("red-apple");
        // a file beside the collection, and an index entry whose stored URI points at it
        outside = Files.copy(TestCollections.fruitFolder().resolve("banana.png"), tmp.resolve("secret.png"));
        var features = fruit.collection.encoder().encodeImage(Files.readAllBytes(outside));
        fruit.collection.writer().putImage(new ImageRecord("escapee", "../secret.png", "0".repeat(64), 64, 64,
                List.of("escapee"), null, null, Instant.now(), features));
        fruit.collection.writer().commit();
        fruit.collection.writer().refresh();
    }

    @AfterAll
    void stop() throws IOException {
        fruit.close();
    }

    @Test
    void originalIsStreamedWithItsContentTypeAndEtag() throws IOException {
        HttpResponse<byte[]> r = fruit.sendForBytes(HttpRequest.newBuilder(fruit.uri("/api/images/" + apple)).build());
        assertEquals(200, r.statusCode());
        assertEquals("image/png", r.headers().firstValue("Content-Type").orElse(null));
        byte[] file = Files.readAllBytes(fruit.root.resolve("red-apple.png"));
        assertArrayEquals(file, r.body());
        assertEquals(Long.toString(file.length), r.headers().firstValue("Content-Length").orElse(null));
        String etag = r.headers().firstValue("ETag").orElseThrow();
        HttpResponse<byte[]> again = fruit.sendForBytes(HttpRequest.newBuilder(fruit.uri("/api/images/" + apple))
                .header("If-None-Match", etag).build());
        assertEquals(304, again.statusCode());
    }

    @Test
    void thumbnailsFitTheSizeAreCachedAndValidated() throws IOException {
        HttpResponse<byte[]> r = fruit.sendForBytes(HttpRequest.newBuilder(fruit.uri("/api/images/" + apple + "/thumb?size=32")).build());
        assertEquals(200, r.statusCode());
        assertEquals("image/png", r.headers().firstValue("Content-Type").orElse(null));
        BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(r.body()));
        assertEquals(32, Math.max(thumb.getWidth(), thumb.getHeight()), "fits 32 x 32");
        assertTrue(thumb.getColorModel().hasAlpha(), "transparency kept");
        HttpResponse<byte[]> big = fruit.sendForBytes(HttpRequest.newBuilder(fruit.uri("/api/images/" + apple + "/thumb?size=512")).build());
        BufferedImage notEnlarged = ImageIO.read(new ByteArrayInputStream(big.body()));
        BufferedImage original = ImageIO.read(fruit.root.resolve("red-apple.png").toFile());
        assertEquals(original.getWidth(), notEnlarged.getWidth(), "never enlarged");
        HttpResponse<byte[]> cached = fruit.sendForBytes(HttpRequest.newBuilder(fruit.uri("/api/images/" + apple + "/thumb?size=32")).build());
        assertArrayEquals(r.body(), cached.body());
        assertProblem(fruit.get("/api/images/" + apple + "/thumb?size=8"), 400, "size");
        assertProblem(fruit.get("/api/images/" + apple + "/thumb?size=huge"), 400, "size");
        assertProblem(fruit.get("/api/images/nope/thumb"), 404, "nope");
    }

    @Test
    void docsGivesImagesAndTextsAndUnknownIdsAre404() {
        JsonNode image = FruitServer.json(fruit.get("/api/docs/" + apple));
        assertEquals("image", image.get("kind").asText());
        assertEquals("red-apple.png", image.get("uri").asText());
        assertEquals(List.of("red apple"), List.of(image.get("captions").get(0).asText()));
        assertEquals("/api/images/" + apple + "/thumb", image.get("thumb_url").asText());
        JsonNode text = FruitServer.json(fruit.get("/api/docs/" + apple + "%230"));
        assertEquals("text", text.get("kind").asText());
        assertEquals("red apple", text.get("text").asText());
        assertEquals(apple, text.get("image_id").asText());
        assertProblem(fruit.get("/api/docs/no-such-doc"), 404, "no-such-doc");
        assertProblem(fruit.get("/api/images/no-such-image"), 404, "no-such-image");
    }

    @Test
    void neitherIdsNorStoredPathsLeaveTheCollection() {
        for (String path : List.of("/api/images/..%2F..%2Fsecret.png", "/api/images/..%2Fsecret.png/thumb",
                "/api/images/%2E%2E%2Fsecret.png", "/api/docs/..%2F..%2Fetc%2Fpasswd")) {
            HttpResponse<String> r = fruit.get(path);
            assertEquals(404, r.statusCode(), path + ": " + r.body());
        }
        // the index itself points outside: still refused, and the file's bytes never sent
        assertProblem(fruit.get("/api/images/escapee"), 404, "not in the collection");
        assertProblem(fruit.get("/api/images/escapee/thumb"), 404, "not in the collection");
    }

    @Test
    void captionAskAndClassifyAnIndexedOrUploadedImage() throws IOException {
        JsonNode caption = FruitServer.json(fruit.postJson("/api/caption", Map.of("id", apple, "beams", 1, "max_tokens", 8)));
        assertFalse(caption.get("caption").asText().isBlank(), caption.toString());
        assertEquals(apple, caption.get("id").asText());

        byte[] banana = Files.readAllBytes(fruit.root.resolve("banana.png"));
        Multipart ask = new Multipart().file("image", "b.png", "image/png", banana).field("question", "what is this?")
                .field("beams", "1").field("max_tokens", "6");
        HttpResponse<String> asked = fruit.send(HttpRequest.newBuilder(fruit.uri("/api/ask"))
                .header("Content-Type", ask.contentType()).POST(ask.publisher()).build());
        assertEquals(200, asked.statusCode(), asked.body());
        assertEquals("what is this?", FruitServer.json(asked).get("question").asText());
        assertTrue(FruitServer.json(asked).has("answer"));

        JsonNode classes = FruitServer.json(fruit.postJson("/api/classify",
                Map.of("id", apple, "labels", List.of("red apple", "banana", "grapes"), "itm", true)));
        JsonNode labels = classes.get("labels");
        assertEquals(3, labels.size());
        Set<String> names = new HashSet<>();
        double previous = Double.MAX_VALUE;
        for (JsonNode l : labels) {
            names.add(l.get("label").asText());
            assertTrue(l.get("itm").isNumber(), "itm requested: " + l);
            assertTrue(l.get("score").asDouble() <= previous, "best first");
            previous = l.get("score").asDouble();
        }
        assertEquals(Set.of("red apple", "banana", "grapes"), names);

        assertProblem(fruit.postJson("/api/caption", Map.of()), 400, "exactly one image");
        assertProblem(fruit.postJson("/api/caption", Map.of("id", "nope")), 404, "nope");
        assertProblem(fruit.postJson("/api/caption", Map.of("id", apple, "beams", 50)), 400, "beams");
        assertProblem(fruit.postJson("/api/ask", Map.of("id", apple)), 400, "question");
        assertProblem(fruit.postJson("/api/classify", Map.of("id", apple, "labels", List.of("one"))), 400, "labels");
        assertProblem(fruit.postJson("/api/classify", Map.of("id", apple, "labels", List.of("a", "b"), "template", "x")),
                400, "{}");
    }

    @Test
    void healthTellsModelIndexAndWrites() {
        JsonNode health = FruitServer.json(fruit.get("/api/health"));
        assertEquals("ok", health.get("status").asText());
        assertEquals("tiny-blip2", health.get("model").get("name").asText());
        assertEquals("CPU", health.get("model").get("execution_provider").asText());
        assertEquals(13, health.get("index").get("images").asInt(), "12 fruit and the escapee");
        assertEquals(12, health.get("index").get("texts").asInt());
        assertTrue(health.get("writes").asBoolean());
    }

    @Test
    void metricsHaveLatencyHistogramsPerEndpointAndStepAndTheIndexSize() {
        fruit.postJson("/api/search", Map.of("text", "pear", "k", 3));
        fruit.get("/api/docs/" + apple);
        String metrics = fruit.get("/metrics").body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("qsearch_http_requests_seconds_bucket{")
                && l.contains("route=\"/api/search\"") && l.contains("le=\"")), "a latency histogram per endpoint");
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("qsearch_http_requests_seconds_count")
                && l.contains("route=\"/api/search\"") && l.contains("status=\"200\"")), metrics);
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("qsearch_http_requests_seconds_count")
                && l.contains("route=\"/api/docs/{id}\"")), "route templates, not ids");
        for (String step : List.of("encode", "ann", "rescore", "rerank", "total")) {
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("qsearch_pipeline_step_seconds_count")
                    && l.contains("step=\"" + step + "\"")), step);
        }
        assertTrue(metrics.contains("qsearch_encoder_batch_size_count{encoder=\"itm\"}"), metrics);
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("qsearch_index_images ") && l.endsWith(" 13.0")), metrics);
    }

    @Test
    void everyRouteIsInTheOpenApiDocument() {
        JsonNode doc = FruitServer.json(fruit.get("/api/openapi.json"));
        assertEquals("3.1.0", doc.get("openapi").asText());
        Set<String> documented = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(method -> documented.add(method.toUpperCase() + " " + path.getKey()));
        }
        assertEquals(Set.copyOf(fruit.server.routes()), documented);
    }

    @Test
    void thePageAndItsFilesAreServed() {
        HttpResponse<String> page = fruit.get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("id=\"q\""));
        assertEquals(200, fruit.get("/app.js").statusCode());
        assertEquals(200, fruit.get("/style.css").statusCode());
    }
}
