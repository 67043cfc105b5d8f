package org.qsearch.cli;

import picocli.CommandLine.Command;

/** bin/qsearch bench SUBJECT: benchmarks that write a JSON and a Markdown report. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (JSON + Markdown reports).",
        subcommands = {BenchEncoderCommand.class, BenchIndexCommand.class, BenchPipelineCommand.class,
                BenchAnnCommand.class, BenchClusterCommand.class, BenchDedupeCommand.class, BenchReportCommand.class})
final class BenchCommand {
}
