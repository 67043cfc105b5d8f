package org.qsearch.index;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A hit's stored metadata as JSON: the object {@link MetadataKeywords} checked at write time, {} when none. */
final class StoredMetadata {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StoredMetadata() {}

    static JsonNode read(String stored) {
        if (stored == null) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not JSON: " + stored, e);
        }
    }
}
