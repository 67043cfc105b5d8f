package org.qsearch.encoder;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A bundle tokenizer.json run by the HF tokenizers library (through DJL), so
 * Java produces the ids the Python side trained and exported with.
 */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;

    /** Token ids of a batch padded on the right: ids and mask are [rows][columns]. */
    public record Batch(long[][] ids, long[][] mask) {
        public int rows() {
            return ids.length;
        }

        public int columns() {
            return ids.length == 0 ? 0 : ids[0].length;
        }
    }

    private TextTokenizer(Path file, Map<String, String> options, int maxLength) {
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(file, options);
        } catch (IOException | RuntimeException e) {
            throw new BundleException(file + ": not a usable tokenizer.json: " + e.getMessage(), e);
        }
        this.maxLength = maxLength;
    }

    /** The Q-Former tokenizer: [CLS] text [SEP], truncated on the right to the bundle's max length. */
    public static TextTokenizer qformer(ModelBundle bundle) {
        int max = bundle.textMaxLength();
        return new TextTokenizer(bundle.textTokenizer(), Map.of("addSpecialTokens", "true", "truncation", "true",
                "padding", "false", "maxLength", Integer.toString(max)), max);
    }

    /** The LLM tokenizer: byte-level BPE, no special tokens added, no truncation. */
    public static TextTokenizer llm(ModelBundle bundle) {
        return new TextTokenizer(bundle.llm().tokenizer(), Map.of("addSpecialTokens", "false",
                "truncation", "false", "padding", "false"), 0);
    }

    public long[] encode(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty text: nothing to encode");
        }
        Encoding e = tokenizer.encode(text);
        return e.getIds();
    }

    /** Tokenizes and right-pads a batch (pad id 0, mask 0 on padding). */
    public Batch encodeBatch(List<String> texts) {
        long[][] rows = new long[texts.size()][];
        int width = 0;
        for (int i = 0; i < rows.length; i++) {
            rows[i] = encode(texts.get(i));
            width = Math.max(width, rows[i].length);
        }
        long[][] ids = new long[rows.length][width];
        long[][] mask = new long[rows.length][width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, ids[i], 0, rows[i].length);
            java.util.Arrays.fill(mask[i], 0, rows[i].length, 1L);
        }
        return new Batch(ids, mask);
    }

    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    /** Max tokens per text including specials (0 = unlimited). */
    public int maxLength() {
        return maxLength;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
