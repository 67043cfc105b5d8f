package org.qsearch.index;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * One image found by a search.
 *
 * @param score          exact BLIP-2 ITC similarity (a dot product in [-1, 1], not Lucene's (1 + dot) / 2)
 * @param bestQueryIndex which of this image's query vectors gave the score
 * @param features       where its trunk tokens are stored, or null when the index recomputes them
 */
public record ImageHit(String id, String uri, float score, int bestQueryIndex, String contentHash, int width, int height,
                       List<String> captions, String generatedCaption, String metadataJson, Instant indexedAt,
                       FeatureAddress features) {
    /** The stored metadata object ({} when none). */
    public JsonNode metadata() {
        return StoredMetadata.read(metadataJson);
    }
}
