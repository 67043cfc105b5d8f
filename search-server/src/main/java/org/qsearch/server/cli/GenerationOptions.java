package org.qsearch.server.cli;

import org.qsearch.encoder.CaptionGenerator;
import picocli.CommandLine.Option;

/** Decoding options shared by caption and ask; the defaults are LAVIS's caption settings. */
final class GenerationOptions {
    @Option(names = "--beams", defaultValue = "5", description = "beam width; 1 = greedy (default: ${DEFAULT-VALUE})")
    int beams;

    @Option(names = "--max-tokens", defaultValue = "30", description = "new tokens at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--min-tokens", defaultValue = "1", description = "new tokens at least (default: ${DEFAULT-VALUE})")
    int minTokens;

    CaptionGenerator.Settings settings() {
        return new CaptionGenerator.Settings(beams, maxTokens, minTokens);
    }
}
