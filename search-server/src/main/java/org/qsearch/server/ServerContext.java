package org.qsearch.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.qsearch.indexer.CollectionWriter;
import org.qsearch.search.SearchCollection;
import org.qsearch.search.SearchPipeline;

/**
 * What every route class shares: the served collection and its pipeline, the write path (null
 * when the server takes no writes), and the server's request reader, model-work pool, metrics,
 * thumbnails, settings and JSON conventions.
 */
record ServerContext(SearchCollection collection, CollectionWriter writer, ServerSettings settings, RequestReader reader,
                     ModelWorkPool pool, ServerMetrics metrics, ThumbnailCache thumbnails, ObjectMapper json) {
    SearchPipeline pipeline() {
        return collection.pipeline();
    }
}
