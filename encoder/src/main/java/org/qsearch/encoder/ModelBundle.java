package org.qsearch.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model bundle directory (docs/bundle.md): bundle.json read and checked
 * against the files beside it. Loading fails with one {@link BundleException}
 * naming the file and the problem; optional graphs may be absent.
 */
public final class ModelBundle {
    public static final int FORMAT_VERSION = 1;
    public static final String MANIFEST = "bundle.json";

    public record ImageSpec(int size, float[] mean, float[] std, AlphaRule alpha) {}

    /** T trunk tokens of width Dv; E = ITC dimension; H = Q-Former width; Dl = LLM width. */
    public record Dims(int tokens, int visionWidth, int embedDim, int hidden, int llmWidth, int numQueries) {}

    public record LlmSpec(Path tokenizer, int layers, int heads, int headDim, int vocabSize, int maxPositions,
                          long bosTokenId, long stopTokenId, String captionPrompt, String questionPrompt) {}

    /**
     * The rerank the bundle was tuned for: the default depth (ITC candidates reranked) and the
     * weight w of the fusion ITC + w x ITM class-1 logit (LAVIS's sum is w = 1).
     */
    public record RerankDefaults(int depth, double itmWeight) {
        /** LAVIS's own: k_test 128 candidates, the plain sum. */
        public static final RerankDefaults LAVIS = new RerankDefaults(128, 1.0);
    }

    private final Path dir;
    private final String name;
    private final RerankDefaults rerank;
    private final ImageSpec image;
    private final int textMaxLength;
    private final Path textTokenizer;
    private final Dims dims;
    private final LlmSpec llm;
    private final Map<String, GraphSpec> graphs;

    private ModelBundle(Path dir, JsonNode root) {
        this.dir = dir;
        this.name = text(root, "name");
        JsonNode img = field(root, "image");
        this.image = new ImageSpec(integer(img, "size"), floats(img, "mean", 3), floats(img, "std", 3),
                alpha(img));
        if (!"bicubic_squash".equals(text(img, "resize"))) {
            throw invalid("image.resize must be \"bicubic_squash\"");
        }
        JsonNode txt = field(root, "text");
        this.textMaxLength = integer(txt, "max_length");
        this.textTokenizer = existing(text(txt, "tokenizer"));
        JsonNode d = field(root, "dims");
        this.dims = new Dims(integer(d, "T"), integer(d, "Dv"), integer(d, "E"), integer(d, "H"),
                integer(d, "Dl"), integer(d, "num_queries"));
        this.graphs = readGraphs(field(root, "graphs"));
        this.rerank = rerankDefaults(root.get("rerank"));
        JsonNode l = root.get("llm");
        this.llm = l == null || !graphs.containsKey(Graph.LLM.id) ? null : new LlmSpec(existing(text(l, "tokenizer")),
                integer(l, "layers"), integer(l, "heads"), integer(l, "head_dim"), integer(l, "vocab_size"),
                integer(l, "max_positions"), integer(l, "bos_token_id"), integer(l, "stop_token_id"),
                text(l, "caption_prompt"), text(l, "question_prompt"));
        for (Graph g : Graph.values()) {
            GraphSpec spec = graphs.get(g.id);
            if (spec != null) {
                g.check(spec, this);
            } else if (g.required) {
                throw invalid("graph \"" + g.id + "\" is required but not listed in graphs");
            }
        }
        if (hasCaptions() != (graphs.containsKey(Graph.CAPTION_PREFIX.id) || graphs.containsKey(Graph.LLM_EMBED.id)
                || graphs.containsKey(Graph.LLM.id))) {
            throw invalid("captions need all of caption_prefix, llm_embed, llm and the llm section; some are missing");
        }
        verifyFiles(field(root, "files"));
    }

    /** Reads and checks DIR/bundle.json and every file it lists (existence, size, SHA-256). */
    public static ModelBundle load(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(manifest.toFile());
        } catch (IOException e) {
            throw new BundleException(manifest + ": cannot read the bundle manifest: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BundleException(manifest + ": not a JSON object");
        }
        int version = root.path("format_version").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new BundleException(manifest + ": format_version " + version + " is not supported (expected "
                    + FORMAT_VERSION + ")");
        }
        return new ModelBundle(dir, root);
    }

    public Path dir() { return dir; }
    public String name() { return name; }
    public ImageSpec image() { return image; }
    public int textMaxLength() { return textMaxLength; }
    public Path textTokenizer() { return textTokenizer; }
    public Dims dims() { return dims; }
    /** From bundle.json's optional "rerank" section; LAVIS's when it has none. */
    public RerankDefaults rerankDefaults() { return rerank; }
    public Map<String, GraphSpec> graphs() { return graphs; }

    public GraphSpec graph(Graph g) {
        GraphSpec spec = graphs.get(g.id);
        if (spec == null) {
            throw new UnsupportedOperationException("bundle " + name + " has no " + g.id + " graph");
        }
        return spec;
    }

    public boolean hasItm() { return graphs.containsKey(Graph.ITM.id); }

    public boolean hasCaptions() { return llm != null && graphs.containsKey(Graph.CAPTION_PREFIX.id)
            && graphs.containsKey(Graph.LLM_EMBED.id); }

    /** The LLM section, present when {@link #hasCaptions()}. */
    public LlmSpec llm() {
        if (llm == null) {
            throw new UnsupportedOperationException("bundle " + name + " has no caption graphs");
        }
        return llm;
    }

    private RerankDefaults rerankDefaults(JsonNode r) {
        if (r == null) {
            return RerankDefaults.LAVIS;
        }
        if (!"lavis".equals(text(r, "fusion"))) {
            throw invalid("rerank.fusion must be \"lavis\" (ITC + itm_weight x ITM logit)");
        }
        double weight = field(r, "itm_weight").asDouble(-1);
        int depth = integer(r, "depth");
        if (!(weight >= 0) || depth < 0) {
            throw invalid("rerank.itm_weight and rerank.depth must be 0 or more");
        }
        return new RerankDefaults(depth, weight);
    }

    private Map<String, GraphSpec> readGraphs(JsonNode node) {
        Map<String, GraphSpec> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode g = e.getValue();
            String file = text(g, "file");
            existing(file);
            out.put(e.getKey(), new GraphSpec(e.getKey(), file, tensors(g, "inputs"), tensors(g, "outputs")));
        }
        return out;
    }

    private List<TensorSpec> tensors(JsonNode graph, String key) {
        List<TensorSpec> out = new ArrayList<>();
        for (JsonNode t : field(graph, key)) {
            List<Object> shape = new ArrayList<>();
            for (JsonNode d : field(t, "shape")) {
                shape.add(d.isNumber() ? (Object) d.asLong() : d.asText());
            }
            out.add(new TensorSpec(text(t, "name"), text(t, "dtype"), shape));
        }
        return out;
    }

    private void verifyFiles(JsonNode files) {
        for (Map.Entry<String, JsonNode> e : files.properties()) {
            Path file = existing(e.getKey());
            long bytes = e.getValue().path("bytes").asLong(-1);
            try {
                long actual = Files.size(file);
                if (actual != bytes) {
                    throw new BundleException(file + ": " + actual + " bytes, bundle.json says " + bytes
                            + " (truncated or replaced)");
                }
                String expected = text(e.getValue(), "sha256");
                String sha = sha256(file);
                if (!sha.equalsIgnoreCase(expected)) {
                    throw new BundleException(file + ": SHA-256 " + sha + " does not match bundle.json (" + expected
                            + "): the file is corrupt or from another bundle");
                }
            } catch (IOException ex) {
                throw new BundleException(file + ": cannot read: " + ex.getMessage(), ex);
            }
        }
        for (GraphSpec g : graphs.values()) {
            if (!files.has(g.file())) {
                throw invalid("graph file " + g.file() + " has no checksum in files");
            }
        }
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path existing(String relative) {
        Path p = dir.resolve(relative).normalize();
        if (!p.startsWith(dir.normalize())) {
            throw invalid("file " + relative + " lies outside the bundle directory");
        }
        if (!Files.isRegularFile(p)) {
            throw new BundleException(p + ": missing (listed in " + MANIFEST + ")", new NoSuchFileException(p.toString()));
        }
        return p;
    }

    BundleException invalid(String what) {
        return new BundleException(dir.resolve(MANIFEST) + ": " + what);
    }

    private JsonNode field(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw invalid("missing field \"" + key + "\"");
        }
        return v;
    }

    private String text(JsonNode node, String key) {
        JsonNode v = field(node, key);
        if (!v.isTextual()) {
            throw invalid("field \"" + key + "\" must be a string");
        }
        return v.asText();
    }

    private int integer(JsonNode node, String key) {
        JsonNode v = field(node, key);
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
            throw invalid("field \"" + key + "\" must be a non-negative integer");
        }
        return v.asInt();
    }

    private float[] floats(JsonNode node, String key, int n) {
        JsonNode v = field(node, key);
        if (!v.isArray() || v.size() != n) {
            throw invalid("field \"" + key + "\" must be an array of " + n + " numbers");
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) v.get(i).asDouble();
        }
        return out;
    }

    private AlphaRule alpha(JsonNode img) {
        try {
            return AlphaRule.parse(text(img, "alpha"));
        } catch (IllegalArgumentException e) {
            throw invalid("image." + e.getMessage());
        }
    }
}
