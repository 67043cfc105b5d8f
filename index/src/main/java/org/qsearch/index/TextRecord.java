package org.qsearch.index;

/**
 * One text as the indexer receives it.
 *
 * @param id           stable id chosen by the caller; adding the same id again replaces the text
 * @param embedding    the normalized ITC text embedding
 * @param imageId      the image this text describes (for instance a caption), or null
 * @param metadataJson a JSON object, or null; its top-level scalar values become filterable
 */
public record TextRecord(String id, String text, float[] embedding, String imageId, String metadataJson) {
    public TextRecord {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("text id is required");
        }
        if (text == null || embedding == null) {
            throw new IllegalArgumentException("text and embedding are required (text " + id + ")");
        }
    }
}
