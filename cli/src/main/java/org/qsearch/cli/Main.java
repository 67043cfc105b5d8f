package org.qsearch.cli;

import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** bin/qsearch: one launcher, one subcommand per job. */
@Command(name = "qsearch", mixinStandardHelpOptions = true, version = "qsearch 0.1.0",
        description = "Image and text search on BLIP-2's Q-Former.",
        subcommands = {EmbedCommand.class, CaptionCommand.class, AskCommand.class, BenchCommand.class,
                IndexCommand.class, SearchCommand.class, EvalCommand.class, ClassifyCommand.class, ServeCommand.class,
                DemoCommand.class, ListCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand");
    }

    public static void main(String[] args) {
        // INFO lines (Lucene's vector setup, the bundle's sessions) come before every command's
        // output and ask nothing of the user: the console shows warnings and errors only
        Logger.getLogger("").setLevel(Level.WARNING);
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("qsearch " + cmd.getCommandName() + ": " + e.getMessage());
            return 1;
        });
        return cl;
    }
}
