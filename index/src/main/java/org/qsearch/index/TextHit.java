package org.qsearch.index;

import com.fasterxml.jackson.databind.JsonNode;
/**
 * One text found by an image query.
 *
 * @param score          exact BLIP-2 ITC similarity: the max over the query image's vectors of the dot product
 * @param bestQueryIndex which of the query image's vectors gave the score
 * @param imageId        the image the text is linked to, or null
 */
public record TextHit(String id, String text, String imageId, float score, int bestQueryIndex, String metadataJson) {
    /** The stored metadata object ({} when none). */
    public JsonNode metadata() {
        return StoredMetadata.read(metadataJson);
    }
}
