package org.qsearch.cli;

import org.qsearch.search.PipelineSettings;
import picocli.CommandLine.Option;

/** --near-duplicates AGREEMENT: the opt-in vector rule of dedupe, for the commands that search. */
final class NearDuplicatesOption {
    @Option(names = "--near-duplicates", paramLabel = "AGREEMENT",
            description = "dedupe also drops images whose query vectors agree at least this much (0-1]; off by default "
                    + "(only the same file is a duplicate): measure a model with `bench dedupe` first")
    Double agreement;

    PipelineSettings apply(PipelineSettings settings) {
        return agreement == null ? settings : settings.withNearDuplicates(agreement);
    }
}
