package org.qsearch.indexer.bulk;

/**
 * Why an item was not indexed: one line of the errors file.
 *
 * @param line the manifest line (1-based), or null
 */
public record ItemError(String source, Integer line, String reason) {
    static ItemError of(SourceItem item, String reason) {
        return new ItemError(item.source(), item.line(), reason);
    }
}
