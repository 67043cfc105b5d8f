package org.qsearch.index;

import java.time.Instant;
import java.util.List;
import org.qsearch.encoder.ImageFeatures;

/**
 * One image as the indexer receives it.
 *
 * @param id               stable id chosen by the caller; adding the same id again replaces the image
 * @param uri              source location, relative to the collection root
 * @param contentHash      sha256 of the source bytes, lowercase hex
 * @param captions         human captions (may be empty)
 * @param generatedCaption model caption, or null
 * @param metadataJson     a JSON object, or null; its top-level scalar values become filterable
 */
public record ImageRecord(String id, String uri, String contentHash, int width, int height, List<String> captions,
                          String generatedCaption, String metadataJson, Instant indexedAt, ImageFeatures features) {
    public ImageRecord {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("image id is required");
        }
        if (uri == null || contentHash == null || indexedAt == null || features == null) {
            throw new IllegalArgumentException("uri, contentHash, indexedAt and features are required (image " + id + ")");
        }
        captions = captions == null ? List.of() : List.copyOf(captions);
    }
}
