package org.qsearch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qsearch.server.SearchApiTest.assertProblem;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.indexer.CollectionWriter;
import org.qsearch.indexer.TestCollections;

/** POST and DELETE /api/docs: the token rules, dedupe and idempotence, paths kept inside the collection. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WriteApiTest {
    private FruitServer fruit;

    @BeforeAll
    void start(@TempDir Path tmp) throws IOException {
        fruit = FruitServer.start(tmp, FruitServer.settings());
    }

    @AfterAll
    void stop() throws IOException {
        fruit.close();
    }

    private HttpResponse<String> write(String method, String path, String body, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(fruit.uri(path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return fruit.send(request.build());
    }

    @Test
    void writesNeedTheToken() {
        String body = "{\"texts\": [{\"text\": \"a ripe mango\"}]}";
        int texts = FruitServer.json(fruit.get("/api/health")).get("index").get("texts").asInt();
        HttpResponse<String> none = write("POST", "/api/docs", body, null);
        assertProblem(none, 401, "Bearer");
        assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(null));
        assertProblem(write("POST", "/api/docs", body, "wrong-token"), 401, "wrong");
        assertProblem(write("DELETE", "/api/docs/anything", null, null), 401, "Bearer");
        assertEquals(texts, FruitServer.json(fruit.get("/api/health")).get("index").get("texts").asInt(),
                "nothing written without the token");
    }

    @Test
    void addSearchAndDeleteATextIdempotently() {
        String body = "{\"texts\": [{\"text\": \"a slice of kiwi\", \"metadata\": {\"source\": \"api\"}}]}";
        HttpResponse<String> added = write("POST", "/api/docs", body, FruitServer.TOKEN);
        assertEquals(200, added.statusCode(), added.body());
        JsonNode summary = FruitServer.json(added);
        assertEquals(1, summary.get("texts").asInt());
        String id = summary.get("ids").get(0).asText();
        JsonNode doc = FruitServer.json(fruit.get("/api/docs/" + id));
        assertEquals("a slice of kiwi", doc.get("text").asText());
        assertEquals("api", doc.get("metadata").get("source").asText());

        JsonNode again = FruitServer.json(write("POST", "/api/docs", body, FruitServer.TOKEN));
        assertEquals(1, again.get("skipped").asInt(), "the same text again is skipped: " + again);
        assertEquals(id, again.get("ids").get(0).asText());

        HttpResponse<String> deleted = write("DELETE", "/api/docs/" + id, null, FruitServer.TOKEN);
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertEquals("text", FruitServer.json(deleted).get("kind").asText());
        assertProblem(fruit.get("/api/docs/" + id), 404, id);
        assertProblem(write("DELETE", "/api/docs/" + id, null, FruitServer.TOKEN), 404, id);
    }

    @Test
    void methodOverrideHeadersAreIgnored() {
        String id = FruitServer.json(write("POST", "/api/docs", "{\"texts\": [{\"text\": \"an overridden quince\"}]}",
                FruitServer.TOKEN)).get("ids").get(0).asText();
        HttpResponse<String> r = fruit.send(HttpRequest.newBuilder(fruit.uri("/api/docs/" + id))
                .header("Authorization", "Bearer " + FruitServer.TOKEN).header("X-HTTP-Method-Override", "DELETE")
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertProblem(r, 405, "POST");
        assertEquals(200, fruit.get("/api/docs/" + id).statusCode(), "still there");
    }

    @Test
    void writtenTextsAndCaptionsHaveTheQueryLengthLimit() {
        String longText = "{\"texts\": [{\"text\": \"" + "a".repeat(100_000) + "\"}]}";
        assertProblem(write("POST", "/api/docs", longText, FruitServer.TOKEN), 400, "limit is 1000");
        assertProblem(write("POST", "/api/docs", "{\"images\": [{\"uri\": \"pear.png\", \"captions\": [\""
                + "b".repeat(1001) + "\"]}]}", FruitServer.TOKEN), 400, "a caption has 1001 characters");
        HttpResponse<String> emoji = write("POST", "/api/docs", "{\"texts\": [{\"text\": \"" + "\uD83C\uDF4F".repeat(999)
                + "\"}]}", FruitServer.TOKEN);
        assertEquals(200, emoji.statusCode(), "999 emoji are 999 characters: " + emoji.body());
    }

    @Test
    void uploadAnImageFindItAndDeleteItWithItsCaptions() throws IOException {
        byte[] grapes = Files.readAllBytes(TestCollections.fruitFolder().resolve("grapes.png"));
        Multipart upload = new Multipart().file("image", "g.png", "image/png", grapes).field("captions", "purple grapes")
                .field("metadata", "{\"basket\": \"upload\"}");
        HttpRequest request = HttpRequest.newBuilder(fruit.uri("/api/docs")).header("Content-Type", upload.contentType())
                .header("Authorization", "Bearer " + FruitServer.TOKEN).POST(upload.publisher()).build();
        JsonNode added = FruitServer.json(fruit.send(request));
        assertEquals(1, added.get("indexed").asInt(), added.toString());
        String id = added.get("ids").get(0).asText();
        JsonNode doc = FruitServer.json(fruit.get("/api/docs/" + id));
        assertTrue(doc.get("uri").asText().startsWith(CollectionWriter.UPLOADS + "/"), doc.toString());
        assertEquals("upload", doc.get("metadata").get("basket").asText());
        JsonNode filtered = FruitServer.json(fruit.postJson("/api/search",
                Map.of("text", "grapes", "filter", Map.of("basket", "upload"), "rerank", 0)));
        assertEquals(List.of(id), List.of(filtered.get("results").get(0).get("id").asText()), "searchable at once");
        assertEquals(1, filtered.get("results").size());

        Multipart same = new Multipart().file("image", "other-name.png", "image/png", grapes).field("captions", "purple grapes")
                .field("metadata", "{\"basket\": \"upload\"}");
        JsonNode twice = FruitServer.json(fruit.send(HttpRequest.newBuilder(fruit.uri("/api/docs"))
                .header("Content-Type", same.contentType()).header("Authorization", "Bearer " + FruitServer.TOKEN)
                .POST(same.publisher()).build()));
        assertEquals(1, twice.get("skipped").asInt(), "the same bytes are the same image: " + twice);

        Path kept = fruit.root.resolve(doc.get("uri").asText());
        assertTrue(Files.isRegularFile(kept), kept.toString());
        assertEquals("image", FruitServer.json(write("DELETE", "/api/docs/" + id, null, FruitServer.TOKEN)).get("kind").asText());
        assertFalse(Files.exists(kept), "a committed delete removes the uploaded file");
        assertProblem(fruit.get("/api/docs/" + id + "%230"), 404, "#0");
        assertProblem(fruit.get("/api/images/" + id), 404, id);
    }

    @Test
    void anUploadNamedByTwoIdsStaysUntilTheLastIsDeleted() throws IOException {
        byte[] cherries = Files.readAllBytes(TestCollections.fruitFolder().resolve("cherries.png"));
        List<String> ids = new ArrayList<>();
        for (String id : List.of("cherry-a", "cherry-b")) {
            Multipart upload = new Multipart().file("image", "c.png", "image/png", cherries).field("id", id);
            ids.add(FruitServer.json(fruit.send(HttpRequest.newBuilder(fruit.uri("/api/docs"))
                    .header("Content-Type", upload.contentType()).header("Authorization", "Bearer " + FruitServer.TOKEN)
                    .POST(upload.publisher()).build())).get("ids").get(0).asText());
        }
        assertEquals(List.of("cherry-a", "cherry-b"), ids);
        Path file = fruit.root.resolve(FruitServer.json(fruit.get("/api/docs/cherry-a")).get("uri").asText());
        write("DELETE", "/api/docs/cherry-a", null, FruitServer.TOKEN);
        assertTrue(Files.exists(file), "cherry-b still names it");
        write("DELETE", "/api/docs/cherry-b", null, FruitServer.TOKEN);
        assertFalse(Files.exists(file));
    }

    @Test
    void startingAWritableServerRemovesUploadsNoCommittedImageRefersTo() throws IOException {
        byte[] banana = Files.readAllBytes(TestCollections.fruitFolder().resolve("banana.png"));
        Multipart upload = new Multipart().file("image", "b.png", "image/png", banana).field("id", "kept-banana");
        fruit.send(HttpRequest.newBuilder(fruit.uri("/api/docs")).header("Content-Type", upload.contentType())
                .header("Authorization", "Bearer " + FruitServer.TOKEN).POST(upload.publisher()).build());
        Path uploads = fruit.root.resolve(CollectionWriter.UPLOADS);
        Path referenced = fruit.root.resolve(FruitServer.json(fruit.get("/api/docs/kept-banana")).get("uri").asText());
        // what a write killed before its commit leaves, and files that are not the server's
        Path orphan = Files.write(uploads.resolve("0123456789abcdef0123456789abcdef.png"), banana);
        Path partial = Files.write(uploads.resolve("fedcba9876543210fedcba9876543210.png1234567.part"), new byte[10]);
        Path notOurs = Files.writeString(uploads.resolve("notes.txt"), "mine");
        try (SearchServer restarted = fruit.another(FruitServer.settings())) {
            assertFalse(Files.exists(orphan), "no committed image refers to it");
            assertFalse(Files.exists(partial));
            assertTrue(Files.exists(referenced), "kept-banana refers to it");
            assertTrue(Files.exists(notOurs), "not named as uploads are");
        }
    }

    @Test
    void imagesByPathStayInsideTheCollection() throws IOException {
        Files.copy(TestCollections.fruitFolder().resolve("lemon.png"), fruit.root.resolve("lemon-2.png"));
        HttpResponse<String> ok = write("POST", "/api/docs", "{\"images\": [{\"uri\": \"lemon-2.png\", \"id\": \"lemon-two\"}]}",
                FruitServer.TOKEN);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("lemon-two", FruitServer.json(ok).get("ids").get(0).asText());
        assertEquals(200, fruit.get("/api/images/lemon-two").statusCode());
        for (String uri : List.of("../secret.png", "/etc/passwd", "a/../../b.png", ".")) {
            assertProblem(write("POST", "/api/docs", "{\"images\": [{\"uri\": \"" + uri + "\"}]}", FruitServer.TOKEN), 400,
                    "inside the collection");
        }
        // a link inside the collection that points outside it is outside it
        Path outside = Files.createTempDirectory("qsearch-outside-");
        Files.copy(TestCollections.fruitFolder().resolve("pear.png"), outside.resolve("secret.png"));
        Files.createSymbolicLink(fruit.root.resolve("evil2.png"), outside.resolve("secret.png"));
        Files.createSymbolicLink(fruit.root.resolve("evil-dir"), outside);
        for (String uri : List.of("evil2.png", "evil-dir/secret.png")) {
            assertProblem(write("POST", "/api/docs", "{\"images\": [{\"uri\": \"" + uri + "\"}]}", FruitServer.TOKEN), 400,
                    "links outside the collection");
        }
        HttpResponse<String> missing = write("POST", "/api/docs", "{\"images\": [{\"uri\": \"no-such.png\"}]}", FruitServer.TOKEN);
        assertEquals(422, missing.statusCode(), "nothing could be indexed: " + missing.body());
        assertTrue(FruitServer.json(missing).get("errors").get(0).get("reason").asText().contains("not found"), missing.body());
        assertProblem(write("POST", "/api/docs", "{\"images\": [{\"id\": \"x\"}]}", FruitServer.TOKEN), 400, "uri");
        assertProblem(write("POST", "/api/docs", "{}", FruitServer.TOKEN), 400, "nothing to add");
    }

    @Test
    void withoutATokenWritesAreRefusedUnlessInsecureOnLoopback() throws IOException {
        try (SearchServer closed = fruit.another(FruitServer.settings().withAuth(null, false, false))) {
            HttpResponse<String> r = fruit.send(HttpRequest.newBuilder(URI.create(closed.url() + "/api/docs"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"texts\": [{\"text\": \"x\"}]}")).build());
            assertProblem(r, 403, "--token");
            assertEquals(403, fruit.send(HttpRequest.newBuilder(URI.create(closed.url() + "/api/docs/x")).DELETE().build())
                    .statusCode());
        }
        try (SearchServer open = fruit.another(FruitServer.settings().withAuth(null, false, true))) {
            HttpResponse<String> r = fruit.send(HttpRequest.newBuilder(URI.create(open.url() + "/api/docs"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"texts\": [{\"text\": \"an insecure plum\"}]}")).build());
            assertEquals(200, r.statusCode(), r.body());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FruitServer.settings().withAddress("0.0.0.0", 0).withAuth(null, false, true));
        assertTrue(e.getMessage().contains("loopback"));
    }

    @Test
    void insecureWritesComeOnlyFromLoopbackHostsAndTheirOwnOrigin() {
        String body = "{\"texts\": [{\"text\": \"a cross-site fig\"}]}";
        try (SearchServer open = fruit.another(FruitServer.settings().withAuth(null, false, true))) {
            String self = "127.0.0.1:" + open.port();
            // DNS rebinding: the attacker's name now points at 127.0.0.1, the browser still says whose page it is
            assertEquals(421, FruitServer.rawStatus(open, "POST", "/api/docs",
                    Map.of("Host", "attacker.example", "Origin", "https://attacker.example"), body));
            // cross-site: a page elsewhere posts to the loopback address
            assertEquals(403, FruitServer.rawStatus(open, "POST", "/api/docs",
                    Map.of("Host", self, "Origin", "https://attacker.example"), body));
            assertEquals(403, FruitServer.rawStatus(open, "POST", "/api/docs", Map.of("Host", self, "Origin", "null"), body));
            assertEquals(0, FruitServer.json(fruit.postJson("/api/search", Map.of("text", "a cross-site fig", "target", "texts",
                    "k", 1, "rerank", 0))).get("results").findValuesAsText("text").stream()
                    .filter("a cross-site fig"::equals).count(), "nothing was written");
            // the server's own page, and clients that send no Origin
            assertEquals(200, FruitServer.rawStatus(open, "POST", "/api/docs", Map.of("Host", self, "Origin", "http://" + self), body));
            assertEquals(200, FruitServer.rawStatus(open, "POST", "/api/docs", Map.of("Host", "localhost:" + open.port()), body));
        }
    }

    @Test
    void onLoopbackEveryRequestMustNameALoopbackHost() {
        assertEquals(421, FruitServer.rawStatus(fruit.server, "GET", "/api/health", Map.of("Host", "attacker.example"), ""));
        assertEquals(421, FruitServer.rawStatus(fruit.server, "GET", "/", Map.of("Host", "attacker.example:7070"), ""));
        assertEquals(421, FruitServer.rawStatus(fruit.server, "POST", "/api/search", Map.of("Host", "127.0.0.1.attacker.example"),
                "{\"text\": \"pear\"}"));
        for (String host : List.of("127.0.0.1:" + fruit.server.port(), "localhost", "[::1]:" + fruit.server.port())) {
            assertEquals(200, FruitServer.rawStatus(fruit.server, "GET", "/api/health", Map.of("Host", host), ""), host);
        }
    }

    @Test
    void protectedReadsNeedTheTokenButHealthStaysOpen() {
        try (SearchServer guarded = fruit.another(FruitServer.settings().withAuth(FruitServer.TOKEN, true, false))) {
            String body = "{\"text\": \"pear\"}";
            HttpRequest.Builder search = HttpRequest.newBuilder(URI.create(guarded.url() + "/api/search"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
            assertProblem(fruit.send(search.build()), 401, "Bearer");
            assertEquals(200, fruit.send(search.header("Authorization", "Bearer " + FruitServer.TOKEN).build()).statusCode());
            assertEquals(401, fruit.send(HttpRequest.newBuilder(URI.create(guarded.url() + "/api/images/x/thumb")).build())
                    .statusCode());
            assertEquals(200, fruit.send(HttpRequest.newBuilder(URI.create(guarded.url() + "/api/health")).build()).statusCode());
        }
    }
}
