package org.qsearch.encoder;

import java.util.ArrayList;
import java.util.List;

/**
 * The graphs of the bundle contract (docs/bundle.md) with their input and
 * output names and the static dimensions each must have.
 */
public enum Graph {
    VISION("vision", true, List.of("pixel_values"), List.of("image_tokens")),
    ITC_IMAGE("itc_image", true, List.of("image_tokens"), List.of("query_embeds")),
    ITC_TEXT("itc_text", true, List.of("input_ids", "attention_mask"), List.of("text_embeds")),
    ITM("itm", false, List.of("image_tokens", "input_ids", "attention_mask"), List.of("itm_logits")),
    CAPTION_PREFIX("caption_prefix", false, List.of("image_tokens"), List.of("prefix_embeds")),
    LLM_EMBED("llm_embed", false, List.of("input_ids"), List.of("inputs_embeds")),
    LLM("llm", false, List.of("inputs_embeds", "attention_mask"), List.of("logits"));

    public final String id;
    final boolean required;
    private final List<String> inputs;
    private final List<String> outputs;

    Graph(String id, boolean required, List<String> inputs, List<String> outputs) {
        this.id = id;
        this.required = required;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    /** Input names in order; the llm graph adds past_key_values.{i}.key/value per layer. */
    public List<String> inputNames(int llmLayers) {
        return this == LLM ? withCache(inputs, "past_key_values.%d.%s", llmLayers) : inputs;
    }

    /** Output names in order; the llm graph adds present.{i}.key/value per layer. */
    public List<String> outputNames(int llmLayers) {
        return this == LLM ? withCache(outputs, "present.%d.%s", llmLayers) : outputs;
    }

    private static List<String> withCache(List<String> head, String pattern, int layers) {
        List<String> out = new ArrayList<>(head);
        for (int i = 0; i < layers; i++) {
            out.add(pattern.formatted(i, "key"));
            out.add(pattern.formatted(i, "value"));
        }
        return out;
    }

    /** Static shapes (-1 = dynamic) the bundle dimensions imply for each input and output. */
    long[][] expectedShapes(ModelBundle b, boolean input) {
        ModelBundle.Dims d = b.dims();
        long s = b.image().size();
        long[] tokens = {-1, d.tokens(), d.visionWidth()};
        long[] text = {-1, -1};
        return switch (this) {
            case VISION -> input ? new long[][] {{-1, 3, s, s}} : new long[][] {tokens};
            case ITC_IMAGE -> input ? new long[][] {tokens} : new long[][] {{-1, d.numQueries(), d.embedDim()}};
            case ITC_TEXT -> input ? new long[][] {text, text} : new long[][] {{-1, d.embedDim()}};
            case ITM -> input ? new long[][] {tokens, text, text} : new long[][] {{-1, 2}};
            case CAPTION_PREFIX -> input ? new long[][] {tokens} : new long[][] {{-1, d.numQueries(), d.llmWidth()}};
            case LLM_EMBED -> input ? new long[][] {text} : new long[][] {{-1, -1, d.llmWidth()}};
            case LLM -> llmShapes(b, input);
        };
    }

    private static long[][] llmShapes(ModelBundle b, boolean input) {
        ModelBundle.LlmSpec l = b.llm();
        List<long[]> out = new ArrayList<>();
        if (input) {
            out.add(new long[] {-1, -1, b.dims().llmWidth()});
            out.add(new long[] {-1, -1});
        } else {
            out.add(new long[] {-1, -1, l.vocabSize()});
        }
        for (int i = 0; i < 2 * l.layers(); i++) {
            out.add(new long[] {-1, l.heads(), -1, l.headDim()});
        }
        return out.toArray(long[][]::new);
    }

    /** Checks a graph's manifest entry against the contract; throws naming the graph file. */
    void check(GraphSpec spec, ModelBundle bundle) {
        int layers = this == LLM ? bundle.llm().layers() : 0;
        checkSide(spec, bundle, spec.inputs(), inputNames(layers), expectedShapes(bundle, true), "input");
        checkSide(spec, bundle, spec.outputs(), outputNames(layers), expectedShapes(bundle, false), "output");
    }

    private static void checkSide(GraphSpec spec, ModelBundle bundle, List<TensorSpec> actual, List<String> names,
                                  long[][] shapes, String side) {
        List<String> got = actual.stream().map(TensorSpec::name).toList();
        if (!got.equals(names)) {
            throw bundle.invalid("graph " + spec.file() + " has " + side + "s " + got + ", expected " + names);
        }
        for (int i = 0; i < names.size(); i++) {
            checkShape(spec.file() + " " + side + " " + names.get(i), actual.get(i).dims(), shapes[i], bundle);
            checkDtype(spec.file() + " " + side + " " + names.get(i), actual.get(i), bundle);
        }
    }

    /** ids and masks are int64; every other tensor is float32 or float16 (docs/bundle.md, dtypes). */
    static boolean isIndexTensor(String name) {
        return name.equals("input_ids") || name.equals("attention_mask");
    }

    private static void checkDtype(String what, TensorSpec t, ModelBundle bundle) {
        Dtype d = t.type();
        if (isIndexTensor(t.name()) ? d != Dtype.INT64 : d == null || !d.isFloat()) {
            throw bundle.invalid(what + " has dtype \"" + t.dtype() + "\"; the engine supports "
                    + (isIndexTensor(t.name()) ? "\"int64\"" : Dtype.floatNames()) + " there");
        }
    }

    static void checkShape(String what, long[] actual, long[] expected, ModelBundle bundle) {
        if (actual.length != expected.length) {
            throw bundle.invalid(what + " has rank " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] >= 0 && actual[i] != expected[i]) {
                throw bundle.invalid(what + " has dimension " + i + " = " + actual[i] + ", expected " + expected[i]
                        + " from the bundle dims");
            }
        }
    }
}
