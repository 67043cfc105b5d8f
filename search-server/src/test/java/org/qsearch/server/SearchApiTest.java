package org.qsearch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.TestImages;
import org.qsearch.index.SearchFilter;
import org.qsearch.indexer.TestCollections;
import org.qsearch.search.QueryOptions;
import org.qsearch.search.SearchResponse;
import org.qsearch.search.Target;

/** POST /api/search over HTTP: every kind of query, the options, each refusal, and many requests at once. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SearchApiTest {
    private FruitServer fruit;
    private byte[] redApple;

    @BeforeAll
    void start(@TempDir Path tmp) throws IOException {
        fruit = FruitServer.start(tmp, FruitServer.settings());
        redApple = Files.readAllBytes(TestCollections.fruitFolder().resolve("red-apple.png"));
    }

    @AfterAll
    void stop() throws IOException {
        fruit.close();
    }

    private HttpResponse<String> search(Object body) {
        return fruit.postJson("/api/search", body);
    }

    private static List<String> ids(JsonNode response) {
        List<String> ids = new ArrayList<>();
        response.get("results").forEach(r -> ids.add(r.get("id").asText()));
        return ids;
    }

    private static List<String> ids(SearchResponse response) {
        return response.results().stream().map(r -> r.id()).toList();
    }

    @Test
    void textFindsImagesInThePipelinesOrderWithScoresAndCaptions() {
        HttpResponse<String> r = search(Map.of("text", "red apple", "k", 5));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode body = FruitServer.json(r);
        assertEquals("text", body.get("query").asText());
        assertEquals("images", body.get("target").asText());
        assertEquals(5, body.get("results").size());
        assertTrue(body.get("reranked").asInt() > 0, "reranked by default: " + body);
        assertFalse(body.has("timings_ms"), "timings only with debug");
        assertTrue(body.get("took_ms").asDouble() > 0);
        JsonNode first = body.get("results").get(0);
        for (String field : List.of("kind", "id", "uri", "score", "itc", "itm", "itm_logit", "best_query", "caption",
                "captions", "metadata")) {
            assertTrue(first.has(field), field + " in " + first);
        }
        assertEquals("image", first.get("kind").asText());
        assertTrue(first.get("itm").isNumber(), "reranked results carry the ITM probability");
        SearchResponse direct = fruit.collection.pipeline().searchText("red apple", Target.IMAGES,
                QueryOptions.defaults().withK(5));
        assertEquals(ids(direct), ids(body), "the API returns what the pipeline ranks");
    }

    @Test
    void rerankOffDebugOnGivesItcOrderAndStepTimings() {
        JsonNode body = FruitServer.json(search(Map.of("text", "yellow banana", "k", 3, "rerank", false, "debug", true)));
        assertEquals(0, body.get("reranked").asInt());
        assertEquals("itc", body.get("fusion").asText());
        body.get("results").forEach(r -> assertTrue(r.get("itm").isNull()));
        JsonNode timings = body.get("timings_ms");
        for (String step : List.of("encode", "ann", "rescore", "total")) {
            assertTrue(timings.has(step), step + " in " + timings);
        }
        double previous = Double.MAX_VALUE;
        for (JsonNode result : body.get("results")) {
            assertTrue(result.get("score").asDouble() <= previous, "ordered by score");
            assertEquals(result.get("itc").asDouble(), result.get("score").asDouble(), 1e-9, "score is ITC when not reranked");
            previous = result.get("score").asDouble();
        }
    }

    @Test
    void uploadedImageFindsItselfAndItsTexts() throws IOException {
        Multipart images = new Multipart().file("image", "query.png", "image/png", redApple).field("target", "images")
                .field("k", "3");
        HttpResponse<String> r = fruit.send(HttpRequest.newBuilder(fruit.uri("/api/search"))
                .header("Content-Type", images.contentType()).POST(images.publisher()).build());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode similar = FruitServer.json(r);
        assertEquals("image", similar.get("query").asText());
        assertEquals("red-apple.png", similar.get("results").get(0).get("uri").asText(), "the image itself first");
        assertEquals(1.0, similar.get("results").get(0).get("score").asDouble(), 1e-3);

        Multipart texts = new Multipart().file("image", "query.png", "image/png", redApple).field("target", "texts")
                .field("k", "4").field("rerank", "true");
        JsonNode found = FruitServer.json(fruit.send(HttpRequest.newBuilder(fruit.uri("/api/search"))
                .header("Content-Type", texts.contentType()).POST(texts.publisher()).build()));
        assertEquals(4, found.get("results").size());
        found.get("results").forEach(t -> {
            assertEquals("text", t.get("kind").asText());
            assertTrue(TestCollections.FRUIT.containsValue(t.get("text").asText()), t.toString());
        });
        SearchResponse direct;
        try {
            direct = fruit.collection.pipeline().searchImage(redApple, Target.TEXTS, QueryOptions.defaults().withK(4));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals(ids(direct), ids(found));
    }

    @Test
    void base64ImageAndDataUrlSearchLikeAnUpload() {
        String b64 = Base64.getEncoder().encodeToString(redApple);
        JsonNode plain = FruitServer.json(search(Map.of("image", b64, "k", 2)));
        JsonNode dataUrl = FruitServer.json(search(Map.of("image", "data:image/png;base64," + b64, "k", 2)));
        assertEquals("red-apple.png", plain.get("results").get(0).get("uri").asText());
        assertEquals(ids(plain), ids(dataUrl));
    }

    @Test
    void likeAnIndexedImageLeavesItOutAndEmbeddingMatchesText() {
        String apple = fruit.idOf("red-apple");
        JsonNode like = FruitServer.json(search(Map.of("like", apple, "k", 5)));
        assertEquals("like", like.get("query").asText());
        assertEquals(5, like.get("results").size());
        assertFalse(ids(like).contains(apple), "the query image is left out");

        float[] vector = fruit.collection.encoder().encodeTexts(List.of("lemon"))[0];
        JsonNode byVector = FruitServer.json(search(Map.of("embedding", vector, "k", 4, "rerank", 0)));
        JsonNode byText = FruitServer.json(search(Map.of("text", "lemon", "k", 4, "rerank", 0)));
        assertEquals("embedding", byVector.get("query").asText());
        assertEquals(ids(byText), ids(byVector));
    }

    @Test
    void filterRestrictsAndIsValidated() {
        JsonNode none = FruitServer.json(search(Map.of("text", "pear", "filter", Map.of("colour", "blue"))));
        assertEquals(0, none.get("results").size(), "no image has that metadata");
        assertProblem(search(Map.of("text", "pear", "filter", Map.of("colour", Map.of("deep", 1)))), 400, "filter");
        assertProblem(search(Map.of("text", "pear", "filter", "blue")), 400, "filter");
    }

    @Test
    void filtersOverTheKeyOrValueLimitAreRefusedWithTheLimit() {
        Map<String, String> manyKeys = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            manyKeys.put("k" + i, "v");
        }
        assertProblem(search(Map.of("text", "cat", "filter", manyKeys)), 400, "limit is " + SearchFilter.MAX_KEYS);
        List<String> manyValues = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            manyValues.add("v" + i);
        }
        assertProblem(search(Map.of("text", "cat", "filter", Map.of("k", manyValues))), 400, "limit is " + SearchFilter.MAX_VALUES);
        // as many keys as allowed, the same value twice: a normal search
        Map<String, List<String>> atTheLimit = new HashMap<>();
        for (int i = 0; i < SearchFilter.MAX_KEYS; i++) {
            atTheLimit.put("k" + i, List.of("v", "v"));
        }
        assertEquals(200, search(Map.of("text", "cat", "filter", atTheLimit, "rerank", 0)).statusCode());
    }

    @Test
    void badQueriesAreProblemsWithUsefulDetail() {
        assertProblem(search(Map.of("text", "   ")), 400, "empty");
        assertProblem(search(Map.of("text", "a".repeat(1001))), 400, "limit is 1000");
        // characters are code points: 999 emoji are 999 characters (1,998 UTF-16 units)
        assertEquals(200, search(Map.of("text", "\uD83C\uDF4E".repeat(999), "rerank", 0)).statusCode());
        assertProblem(search(Map.of("text", "\uD83C\uDF4E".repeat(1001))), 400, "has 1001 characters");
        assertProblem(search(Map.of("text", "pear", "k", 0)), 400, "k");
        assertProblem(search(Map.of("text", "pear", "k", 101)), 400, "k");
        assertProblem(search(Map.of("text", "pear", "k", "many")), 400, "integer");
        assertProblem(search(Map.of("text", "pear", "target", "videos")), 400, "target");
        assertProblem(search(Map.of("text", "pear", "fusion", "average")), 400, "fusion");
        assertProblem(search(Map.of("text", "pear", "colour", "red")), 400, "unknown field \"colour\"");
        assertProblem(search(Map.of()), 400, "exactly one query");
        assertProblem(search(Map.of("text", "pear", "like", "x")), 400, "exactly one query");
        assertProblem(search(Map.of("like", "no-such-image")), 404, "no-such-image");
        assertProblem(search(Map.of("embedding", List.of(1, 2, 3))), 400, "values");
        assertProblem(fruit.postJson("/api/search", "{\"text\": \"pear\","), 400, "malformed JSON");
        assertProblem(fruit.postJson("/api/search", "[1, 2]"), 400, "JSON object");
        assertProblem(fruit.postJson("/api/search", ""), 400, "empty");
        assertProblem(fruit.send(HttpRequest.newBuilder(fruit.uri("/api/search")).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("pear")).build()), 415, "application/json");
        assertProblem(fruit.get("/api/search"), 405, "GET is not allowed on /api/search");
        assertProblem(fruit.send(HttpRequest.newBuilder(fruit.uri("/api/search")).PUT(HttpRequest.BodyPublishers.ofString("{}"))
                .build()), 405, "PUT");
        assertProblem(fruit.get("/api/nothing-here"), 404, "/api/nothing-here");
    }

    @Test
    void jettysOwnRefusalsAreProblemDocumentsToo() throws IOException {
        for (Map.Entry<Integer, String> raw : Map.of(
                414, FruitServer.rawResponse(fruit.server, "GET", "/api/health?q=" + "x".repeat(20_000), Map.of(), ""),
                431, FruitServer.rawResponse(fruit.server, "GET", "/api/health", Map.of("X-Big", "y".repeat(20_000)), ""),
                400, FruitServer.rawResponse(fruit.server, "GET", "/api/health", Map.of("Content-Length", "-5"), "")).entrySet()) {
            String response = raw.getValue();
            assertTrue(response.startsWith("HTTP/1.1 " + raw.getKey()), response);
            assertTrue(response.toLowerCase().contains("content-type: " + ProblemResponses.CONTENT_TYPE), response);
            JsonNode problem = FruitServer.JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4).strip());
            assertEquals(raw.getKey(), problem.get("status").asInt(), response);
            assertFalse(response.contains("<html"), response);
        }
    }

    @Test
    void aFormWithTooManyFieldsIsToldTheLimit() {
        Multipart form = new Multipart().file("image", "a.png", "image/png", redApple);
        for (int i = 0; i < 1000; i++) {
            form.field("f" + i, "v");
        }
        HttpResponse<String> r = fruit.send(HttpRequest.newBuilder(fruit.uri("/api/search"))
                .header("Content-Type", form.contentType()).POST(form.publisher()).build());
        assertProblem(r, 400, "fields");
        // the rest of the body is unread: a client must not send its next request on this connection
        assertEquals("close", r.headers().firstValue("Connection").orElse(""), r.headers().toString());
    }

    @Test
    void undecodableAndBombImagesAreRefused() {
        Multipart garbage = new Multipart().file("image", "x.png", "image/png", "not an image at all".getBytes());
        assertProblem(fruit.send(HttpRequest.newBuilder(fruit.uri("/api/search"))
                .header("Content-Type", garbage.contentType()).POST(garbage.publisher()).build()), 422, "");
        // a PNG whose header claims 40k x 40k pixels: refused from the header, before decoding
        String bomb = Base64.getEncoder().encodeToString(TestImages.pngHeaderOnly(40_000, 40_000));
        assertProblem(search(Map.of("image", bomb)), 413, "pixels");
        assertProblem(search(Map.of("image", "@@not base64@@")), 400, "base64");
        // a 29-byte GIF that claims 7000x7000 and holds no pixel data: corrupt, not a blank image
        Multipart emptyGif = new Multipart().file("image", "g.gif", "image/gif", TestImages.gifHeaderOnly(7000, 7000));
        assertProblem(fruit.send(HttpRequest.newBuilder(fruit.uri("/api/search"))
                .header("Content-Type", emptyGif.contentType()).POST(emptyGif.publisher()).build()), 422, "rows");
    }

    @Test
    void uploadsOverTheLimitAreRefusedWhileStreaming() {
        byte[] big = new byte[300 * 1024]; // the test server takes 256 KB
        Multipart upload = new Multipart().file("image", "big.png", "image/png", big);
        HttpResponse<String> multipart = fruit.send(HttpRequest.newBuilder(fruit.uri("/api/search"))
                .header("Content-Type", upload.contentType()).POST(upload.publisher()).build());
        assertProblem(multipart, 413, "limit");
        // the refused body may be partly unread: the client must not reuse this connection
        assertEquals(Optional.of("close"), multipart.headers().firstValue("Connection"));
        assertProblem(search(Map.of("image", Base64.getEncoder().encodeToString(big))), 413, "limit");
        // no Content-Length (chunked): cut off while reading, not after
        String json = "{\"image\": \"" + "A".repeat(2_000_000) + "\"}";
        HttpResponse<String> chunked = fruit.send(HttpRequest.newBuilder(fruit.uri("/api/search"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(json.getBytes()))).build());
        assertProblem(chunked, 413, "limit");
    }

    @Test
    void thirtyTwoConcurrentSearchesAreAllAnsweredCorrectly() throws Exception {
        List<String> queries = List.copyOf(TestCollections.FRUIT.values());
        Map<String, List<String>> expected = new HashMap<>();
        for (String q : queries) {
            expected.put(q, ids(FruitServer.json(search(Map.of("text", q, "k", 5)))));
        }
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String q = queries.get(i % queries.size());
                answers.add(clients.submit(() -> search(Map.of("text", q, "k", 5))));
            }
            for (int i = 0; i < 32; i++) {
                HttpResponse<String> r = answers.get(i).get();
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(expected.get(queries.get(i % queries.size())), ids(FruitServer.json(r)), "request " + i);
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void pastTheQueueLimitRequestsGet503WithRetryAfter() throws Exception {
        // one worker, no queue: while it works, every other model request is refused at once
        try (SearchServer busy = fruit.another(FruitServer.settings().withLimits(256 * 1024, 1, 0))) {
            ExecutorService clients = Executors.newFixedThreadPool(16);
            try {
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    answers.add(clients.submit(() -> fruit.send(HttpRequest.newBuilder(
                                    URI.create(busy.url() + "/api/search"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"cherries\", \"rerank\": 128}")).build())));
                }
                int ok = 0;
                int refused = 0;
                for (Future<HttpResponse<String>> answer : answers) {
                    HttpResponse<String> r = answer.get();
                    if (r.statusCode() == 200) {
                        ok++;
                    } else {
                        assertProblem(r, 503, "retry");
                        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
                        refused++;
                    }
                }
                assertTrue(ok >= 1, "the worker answered some");
                assertTrue(refused >= 1, "16 at once cannot all fit one worker and no queue");
            } finally {
                clients.shutdownNow();
            }
        }
    }

    static void assertProblem(HttpResponse<String> r, int status, String detailPart) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals(ProblemResponses.CONTENT_TYPE, r.headers().firstValue("Content-Type").orElse(null), r.body());
        JsonNode problem = FruitServer.json(r);
        assertEquals(status, problem.get("status").asInt());
        assertNotNull(problem.get("title"));
        String detail = problem.get("detail").asText();
        assertTrue(detail.toLowerCase().contains(detailPart.toLowerCase()), "\"" + detailPart + "\" in: " + detail);
        assertFalse(r.body().contains("Exception") || r.body().contains("\tat ") || r.body().contains(".java:"),
                "no stack trace: " + r.body());
    }
}
