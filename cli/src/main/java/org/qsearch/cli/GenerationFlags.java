package org.qsearch.cli;

import org.qsearch.search.GenerationOptions;
import picocli.CommandLine.Option;

/** Decoding flags shared by caption and ask; the defaults are LAVIS's caption settings. */
final class GenerationFlags {
    @Option(names = "--beams", defaultValue = "5", description = "beam width; 1 = greedy (default: ${DEFAULT-VALUE})")
    int beams;

    @Option(names = "--max-tokens", defaultValue = "30", description = "new tokens at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--min-tokens", defaultValue = "1", description = "new tokens at least (default: ${DEFAULT-VALUE})")
    int minTokens;

    GenerationOptions options() {
        return new GenerationOptions(beams, maxTokens, minTokens);
    }
}
