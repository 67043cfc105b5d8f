package org.qsearch.server;

import static io.javalin.apibuilder.ApiBuilder.post;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.util.List;
import java.util.Set;
import org.qsearch.search.GenerationOptions;
import org.qsearch.search.LabelScore;
import org.qsearch.search.SearchPipeline;

/**
 * POST /api/caption, /api/ask and /api/classify, each for an uploaded image (multipart or
 * base64) or an indexed one ("id").
 */
final class ModelRoutes {
    static final int MAX_BEAMS = 10;
    static final int MAX_TOKENS = 100;
    static final int MAX_LABELS = 200;
    static final int MAX_QUESTION_CHARS = 500;
    /** The label as it is: the tiny model's training texts are bare emoji names. */
    private static final String DEFAULT_TEMPLATE = "{}";

    private final ServerContext server;

    ModelRoutes(ServerContext server) {
        this.server = server;
    }

    /** Inside the /api group. */
    void register() {
        post("/caption", this::caption, Role.READ);
        post("/ask", this::ask, Role.READ);
        post("/classify", this::classify, Role.READ);
    }

    private void caption(Context ctx) throws Exception {
        ApiRequest request = read(ctx, Set.of("id", "image", "beams", "max_tokens"));
        GenerationOptions g = generation(request);
        String id = request.string("id");
        byte[] image = id == null ? request.image() : null;
        long start = System.nanoTime();
        SearchPipeline pipeline = server.pipeline();
        String caption = server.pool().call(() -> id != null ? pipeline.caption(id, g) : pipeline.caption(image, g));
        ctx.json(answer(id, start).put("caption", caption));
    }

    private void ask(Context ctx) throws Exception {
        ApiRequest request = read(ctx, Set.of("id", "image", "question", "beams", "max_tokens"));
        String question = request.string("question");
        if (question == null || question.isBlank()) {
            throw ApiProblem.badRequest("\"question\" is required");
        }
        TextLimit.check(question.strip(), MAX_QUESTION_CHARS, "the question");
        GenerationOptions g = generation(request);
        String id = request.string("id");
        byte[] image = id == null ? request.image() : null;
        String q = question.strip();
        long start = System.nanoTime();
        SearchPipeline pipeline = server.pipeline();
        String answer = server.pool().call(() -> id != null ? pipeline.ask(id, q, g) : pipeline.ask(image, q, g));
        ctx.json(answer(id, start).put("question", q).put("answer", answer));
    }

    private void classify(Context ctx) throws Exception {
        ApiRequest request = read(ctx, Set.of("id", "image", "labels", "template", "itm"));
        List<String> labels = request.strings("labels");
        if (labels == null || labels.size() < 2 || labels.size() > MAX_LABELS) {
            throw ApiProblem.badRequest("\"labels\" must list 2.." + MAX_LABELS + " labels");
        }
        if (labels.stream().anyMatch(String::isBlank)) {
            throw ApiProblem.badRequest("\"labels\" holds an empty label");
        }
        String template = request.string("template") == null ? DEFAULT_TEMPLATE : request.string("template");
        if (!template.contains("{}")) {
            throw ApiProblem.badRequest("\"template\" must contain {} where the label goes");
        }
        Boolean itm = request.bool("itm");
        boolean useItm = itm != null && itm;
        String id = request.string("id");
        byte[] image = id == null ? request.image() : null;
        long start = System.nanoTime();
        SearchPipeline pipeline = server.pipeline();
        List<LabelScore> scores = server.pool().call(() -> id != null ? pipeline.classify(id, labels, template, useItm)
                : pipeline.classify(image, labels, template, useItm));
        ObjectNode body = answer(id, start);
        body.set("labels", server.json().valueToTree(scores));
        ctx.json(body);
    }

    /** The request, which names exactly one image: an indexed "id" or an upload. */
    private ApiRequest read(Context ctx, Set<String> fields) throws Exception {
        ApiRequest request = server.reader().read(ctx, true);
        request.allowOnly(fields);
        if (request.has("id") == request.hasImage()) {
            throw ApiProblem.badRequest("give exactly one image: \"id\" (an indexed image) or \"image\" (upload or base64)");
        }
        return request;
    }

    private static GenerationOptions generation(ApiRequest request) {
        Integer beams = request.integer("beams");
        Integer maxTokens = request.integer("max_tokens");
        // BLIP-2's (LAVIS's) caption settings unless asked otherwise
        int b = beams == null ? GenerationOptions.LAVIS.beams() : beams;
        int t = maxTokens == null ? GenerationOptions.LAVIS.maxTokens() : maxTokens;
        if (b < 1 || b > MAX_BEAMS) {
            throw ApiProblem.badRequest("\"beams\" must be 1.." + MAX_BEAMS + ", got " + b);
        }
        if (t < 1 || t > MAX_TOKENS) {
            throw ApiProblem.badRequest("\"max_tokens\" must be 1.." + MAX_TOKENS + ", got " + t);
        }
        return new GenerationOptions(b, t);
    }

    private ObjectNode answer(String id, long startNanos) {
        ObjectNode body = server.json().createObjectNode();
        if (id != null) {
            body.put("id", id);
        }
        body.put("took_ms", Math.round((System.nanoTime() - startNanos) / 1e5) / 10.0);
        return body;
    }
}
