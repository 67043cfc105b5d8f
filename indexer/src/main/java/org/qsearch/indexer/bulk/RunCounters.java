package org.qsearch.indexer.bulk;

import java.util.concurrent.atomic.AtomicLong;

/** The running totals of one bulk run, updated by every pipeline thread and read by the progress line. */
final class RunCounters {
    final AtomicLong indexed = new AtomicLong();
    final AtomicLong updated = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong pruned = new AtomicLong();
    final AtomicLong texts = new AtomicLong();
    /** Input items settled one way or another (written, skipped or failed). */
    final AtomicLong done = new AtomicLong();

    BulkSummary summary(double seconds) {
        return new BulkSummary(indexed.get(), updated.get(), skipped.get(), failed.get(), pruned.get(), texts.get(),
                seconds);
    }
}
