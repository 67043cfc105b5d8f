package org.qsearch.indexer.bulk;

import java.nio.file.Path;
import java.time.Duration;
import org.qsearch.encoder.CaptionGenerator;

/**
 * How a bulk run goes.
 *
 * @param batchSize             images (and texts) per encoder call
 * @param threads               threads reading, decoding and preprocessing
 * @param commitEvery           commit after this many written items...
 * @param commitInterval        ...or after this long, whichever comes first
 * @param errorsFile            where skipped items are appended with their reason, or null
 * @param captions              generate a caption per image with these settings, or null for none
 * @param indexCaptionsAsTexts  also index each image's captions as texts linked to it
 * @param prune                 delete indexed images whose source the input no longer names
 * @param progress              print a progress line on stderr
 */
public record BulkOptions(int batchSize, int threads, int commitEvery, Duration commitInterval, Path errorsFile,
                          CaptionGenerator.Settings captions, boolean indexCaptionsAsTexts, boolean prune,
                          boolean progress) {
    /**
     * Commit every 100 items or 10 s: a run killed early keeps what it did. Measured on 400
     * images (docs/bench/commit-default.md), 1,000 items / 60 s and 100 / 10 s (or 50 / 5 s)
     * index at the same rate within the noise of the machine.
     */
    public static final int DEFAULT_COMMIT_EVERY = 100;
    public static final int DEFAULT_COMMIT_SECONDS = 10;

    public BulkOptions {
        if (batchSize < 1 || threads < 1 || commitEvery < 1) {
            throw new IllegalArgumentException("batch size, threads and commit-every must be at least 1");
        }
        if (commitInterval == null || commitInterval.isNegative() || commitInterval.isZero()) {
            throw new IllegalArgumentException("the commit interval must be positive");
        }
    }

    public static BulkOptions defaults() {
        return new BulkOptions(16, Math.max(1, Runtime.getRuntime().availableProcessors() / 2), DEFAULT_COMMIT_EVERY,
                Duration.ofSeconds(DEFAULT_COMMIT_SECONDS), null, null, false, false, true);
    }

    public BulkOptions withBatchSize(int n) {
        return new BulkOptions(n, threads, commitEvery, commitInterval, errorsFile, captions, indexCaptionsAsTexts, prune, progress);
    }

    public BulkOptions withThreads(int n) {
        return new BulkOptions(batchSize, n, commitEvery, commitInterval, errorsFile, captions, indexCaptionsAsTexts, prune, progress);
    }

    public BulkOptions withCommits(int every, Duration interval) {
        return new BulkOptions(batchSize, threads, every, interval, errorsFile, captions, indexCaptionsAsTexts, prune, progress);
    }

    public BulkOptions withErrorsFile(Path file) {
        return new BulkOptions(batchSize, threads, commitEvery, commitInterval, file, captions, indexCaptionsAsTexts, prune, progress);
    }

    public BulkOptions withCaptions(CaptionGenerator.Settings settings) {
        return new BulkOptions(batchSize, threads, commitEvery, commitInterval, errorsFile, settings, indexCaptionsAsTexts, prune, progress);
    }

    public BulkOptions withCaptionsAsTexts(boolean on) {
        return new BulkOptions(batchSize, threads, commitEvery, commitInterval, errorsFile, captions, on, prune, progress);
    }

    public BulkOptions withPrune(boolean on) {
        return new BulkOptions(batchSize, threads, commitEvery, commitInterval, errorsFile, captions, indexCaptionsAsTexts, on, progress);
    }

    public BulkOptions withProgress(boolean on) {
        return new BulkOptions(batchSize, threads, commitEvery, commitInterval, errorsFile, captions, indexCaptionsAsTexts, prune, on);
    }
}
