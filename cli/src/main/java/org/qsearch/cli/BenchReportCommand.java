package org.qsearch.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.qsearch.bench.SuiteReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The last step of bench/all.sh: the benchmarks' separate reports assembled into one. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Assembles the reports of one bench/all.sh run (ann-N, encoder, index, pipeline, serve/wrk) into "
                + "OUT.md and OUT.json, with a headline.")
final class BenchReportCommand implements Callable<Integer> {
    @Option(names = "--sections", required = true, paramLabel = "DIR", description = "the run's reports")
    Path sections;

    @Option(names = "--suite-command", required = true, paramLabel = "TEXT", description = "the command line that ran the suite")
    String suiteCommand;

    @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "writes PREFIX.json and PREFIX.md")
    Path out;

    @Override
    public Integer call() throws Exception {
        new SuiteReport(sections).write(out, suiteCommand);
        System.out.println("wrote " + out + ".md and " + out + ".json");
        return 0;
    }
}
