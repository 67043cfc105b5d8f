package org.qsearch.search;

import org.qsearch.encoder.CaptionGenerator;

/**
 * How a caption or an answer is decoded.
 *
 * @param beams     1 = greedy; LAVIS captions with 5
 * @param maxTokens new tokens at most
 * @param minTokens the stop token is blocked before this many (0 allows an empty text)
 */
public record GenerationOptions(int beams, int maxTokens, int minTokens) {
    /** LAVIS's caption settings (5 beams, 30 tokens). */
    public static final GenerationOptions LAVIS = new GenerationOptions(5, 30);
    /** Snippets for a result page: greedy, batched across the page. */
    public static final GenerationOptions SNIPPET = new GenerationOptions(1, 20);

    public GenerationOptions {
        if (beams < 1 || beams > 16) {
            throw new IllegalArgumentException("beams must be in 1..16: " + beams);
        }
        if (maxTokens < 1 || maxTokens > 256) {
            throw new IllegalArgumentException("maxTokens must be in 1..256: " + maxTokens);
        }
        if (minTokens < 0 || minTokens > maxTokens) {
            throw new IllegalArgumentException("minTokens must be in 0..maxTokens: " + minTokens);
        }
    }

    /** The contract's two options; at least one token, as an empty caption is no caption. */
    public GenerationOptions(int beams, int maxTokens) {
        this(beams, maxTokens, 1);
    }

    public CaptionGenerator.Settings settings() {
        return new CaptionGenerator.Settings(beams, maxTokens, minTokens);
    }
}
