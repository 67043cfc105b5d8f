package org.qsearch.server;

import static io.javalin.apibuilder.ApiBuilder.delete;
import static io.javalin.apibuilder.ApiBuilder.get;
import static io.javalin.apibuilder.ApiBuilder.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.qsearch.encoder.CaptionGenerator;
import org.qsearch.index.ImageHit;
import org.qsearch.index.TextHit;
import org.qsearch.indexer.CollectionWriter;
import org.qsearch.indexer.bulk.SourceItem;
import org.qsearch.search.GenerationOptions;

/** GET /api/docs/{id}; and the writes, POST /api/docs and DELETE /api/docs/{id}, when the server takes writes. */
final class DocRoutes {
    static final int MAX_ITEMS_PER_WRITE = 1000;

    private final ServerContext server;

    DocRoutes(ServerContext server) {
        this.server = server;
    }

    /** Inside the /api group. */
    void register() {
        get("/docs/{id}", this::find, Role.READ);
        post("/docs", this::add, Role.WRITE);
        delete("/docs/{id}", this::remove, Role.WRITE);
    }

    private void find(Context ctx) throws IOException {
        ObjectMapper json = server.json();
        String id = ctx.pathParam("id");
        Optional<ImageHit> image = server.pipeline().image(id);
        if (image.isPresent()) {
            ImageHit hit = image.get();
            ObjectNode body = json.createObjectNode().put("kind", "image").put("id", hit.id()).put("uri", hit.uri())
                    .put("content_hash", hit.contentHash()).put("width", hit.width()).put("height", hit.height())
                    .put("generated_caption", hit.generatedCaption())
                    .put("indexed_at", hit.indexedAt() == null ? null : hit.indexedAt().toString())
                    .put("image_url", "/api/images/" + hit.id()).put("thumb_url", "/api/images/" + hit.id() + "/thumb");
            body.set("captions", json.valueToTree(hit.captions()));
            body.set("metadata", hit.metadata());
            ctx.json(body);
            return;
        }
        TextHit text = server.pipeline().text(id).orElseThrow(() -> ApiProblem.notFound("no image or text with id \"" + id + "\""));
        ObjectNode body = json.createObjectNode().put("kind", "text").put("id", text.id()).put("text", text.text())
                .put("image_id", text.imageId());
        body.set("metadata", text.metadata());
        ctx.json(body);
    }

    private void add(Context ctx) throws Exception {
        CollectionWriter w = writable();
        ApiRequest request = server.reader().read(ctx, true);
        CollectionWriter.Result result;
        int count;
        if (request.hasImage()) {
            // multipart (or base64): one uploaded image with its fields, kept and indexed in one step
            request.allowOnly(Set.of("image", "id", "captions", "metadata", "generate_captions"));
            ObjectNode metadata = request.object("metadata");
            byte[] bytes = request.image();
            String id = request.string("id");
            List<String> given = captions(request.strings("captions"));
            CaptionGenerator.Settings generate = generatedCaptions(request);
            result = server.pool().call(() -> w.addUpload(bytes, id, given, metadata == null ? null : metadata.toString(), generate));
            count = 1;
        } else {
            request.allowOnly(Set.of("images", "texts", "generate_captions"));
            List<SourceItem> items = listed(w, request);
            if (items.isEmpty()) {
                throw ApiProblem.badRequest("nothing to add: give \"images\" and/or \"texts\", or upload an \"image\"");
            }
            if (items.size() > MAX_ITEMS_PER_WRITE) {
                throw ApiProblem.badRequest(items.size() + " items; one write takes at most " + MAX_ITEMS_PER_WRITE);
            }
            CaptionGenerator.Settings generate = generatedCaptions(request);
            result = server.pool().call(() -> w.add(items, generate));
            count = items.size();
        }
        server.metrics().recordWriteBatch(count);
        ObjectMapper json = server.json();
        ObjectNode body = json.createObjectNode()
                .put("indexed", result.summary().indexed()).put("updated", result.summary().updated())
                .put("skipped", result.summary().skipped()).put("failed", result.summary().failed())
                .put("texts", result.summary().texts());
        body.set("ids", json.valueToTree(result.ids()));
        body.set("errors", json.valueToTree(result.errors()));
        ctx.status(result.summary().failed() == count ? 422 : 200).json(body);
    }

    /** Greedy snippets when asked for: a write should not run a beam search per image. */
    private static CaptionGenerator.Settings generatedCaptions(ApiRequest request) {
        Boolean generate = request.bool("generate_captions");
        return generate != null && generate ? GenerationOptions.SNIPPET.settings() : null;
    }

    private void remove(Context ctx) throws Exception {
        CollectionWriter w = writable();
        String id = ctx.pathParam("id");
        String kind = server.pool().call(() -> w.delete(id))
                .orElseThrow(() -> ApiProblem.notFound("no image or text with id \"" + id + "\""));
        ctx.json(server.json().createObjectNode().put("deleted", id).put("kind", kind));
    }

    private CollectionWriter writable() {
        CollectionWriter writer = server.writer();
        if (writer == null) {
            throw new ApiProblem(403, "Writes disabled", "this server serves its index read-only");
        }
        return writer;
    }

    /** {"images": [{"uri", "id"?, "captions"?, "metadata"?}], "texts": [{"text", "id"?, "metadata"?}]} */
    private List<SourceItem> listed(CollectionWriter w, ApiRequest request) {
        List<SourceItem> items = new ArrayList<>();
        for (JsonNode image : request.objects("images")) {
            String uri = field(image, "uri", true);
            items.add(w.image(uri, field(image, "id", false), captions(ApiRequest.stringArray(image.get("captions"), "captions")),
                    metadataJson(image)));
        }
        for (JsonNode text : request.objects("texts")) {
            String words = TextLimit.check(field(text, "text", true).strip(), TextLimit.MAX_CHARS, "a text");
            items.add(w.text(words, field(text, "id", false), metadataJson(text)));
        }
        return items;
    }

    private static String field(JsonNode item, String name, boolean required) {
        JsonNode value = item.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiProblem.badRequest("every item needs \"" + name + "\": " + item);
            }
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw ApiProblem.badRequest("\"" + name + "\" must be a non-empty string: " + item);
        }
        return value.asText();
    }

    private static List<String> captions(List<String> given) {
        return given == null ? List.of() : given.stream().map(String::strip).filter(c -> !c.isEmpty())
                .map(c -> TextLimit.check(c, TextLimit.MAX_CHARS, "a caption")).toList();
    }

    private static String metadataJson(JsonNode item) {
        JsonNode metadata = item.get("metadata");
        if (metadata == null || metadata.isNull()) {
            return null;
        }
        if (!metadata.isObject()) {
            throw ApiProblem.badRequest("\"metadata\" must be an object: " + item);
        }
        return metadata.toString();
    }
}
