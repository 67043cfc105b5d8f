package org.qsearch.indexer.bulk;

/**
 * What one bulk run did.
 *
 * @param indexed  images new to the index
 * @param updated  images re-indexed because their content changed
 * @param skipped  items already in the index unchanged, or listed twice in the input
 * @param failed   items that could not be indexed (each is in the errors file)
 * @param pruned   images deleted because their source is gone
 * @param texts    texts written (standalone, or captions indexed as texts)
 */
public record BulkSummary(long indexed, long updated, long skipped, long failed, long pruned, long texts,
                          double seconds) {
    public double imagesPerSecond() {
        return seconds > 0 ? (indexed + updated) / seconds : 0;
    }

    @Override
    public String toString() {
        return String.format("indexed %d, updated %d, skipped %d (unchanged or duplicate), failed %d, pruned %d, "
                + "texts %d in %.1f s (%.1f images/s)", indexed, updated, skipped, failed, pruned, texts, seconds,
                imagesPerSecond());
    }
}
