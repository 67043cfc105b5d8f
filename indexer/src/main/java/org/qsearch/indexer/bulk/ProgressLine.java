package org.qsearch.indexer.bulk;

import java.io.PrintStream;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The progress line on stderr: items done (of the total when known), items/s, ETA, errors.
 * On a terminal it redraws one line every second; into a file or pipe it writes a line every
 * ten seconds, so logs stay readable.
 */
final class ProgressLine implements AutoCloseable {
    private final PrintStream out;
    private final OptionalLong total;
    private final RunCounters counters;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService timer;

    ProgressLine(PrintStream out, OptionalLong total, RunCounters counters) {
        this.out = out;
        this.total = total;
        this.counters = counters;
        this.terminal = System.console() != null;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("qsearch-progress").unstarted(r));
        long period = terminal ? 1 : 10;
        timer.scheduleAtFixedRate(() -> print(false), period, period, TimeUnit.SECONDS);
    }

    private synchronized void print(boolean last) {
        long done = counters.done.get();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        StringBuilder line = new StringBuilder("indexing: ").append(done);
        if (total.isPresent() && total.getAsLong() > 0) {
            long all = Math.max(total.getAsLong(), done);
            line.append('/').append(all).append(String.format(" (%d%%)", 100 * done / all));
            if (!last && rate > 0) {
                line.append(" ETA ").append(clock(Duration.ofSeconds((long) ((all - done) / rate))));
            }
        }
        line.append(String.format(" | %.1f items/s | %s elapsed | %d errors", rate,
                clock(Duration.ofSeconds((long) seconds)), counters.failed.get()));
        if (terminal) {
            out.print("\r" + line + "   " + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    private static String clock(Duration d) {
        return String.format("%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }

    @Override
    public void close() {
        timer.shutdownNow();
        print(true);
    }
}
