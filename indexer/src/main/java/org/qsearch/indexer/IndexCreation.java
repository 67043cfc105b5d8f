package org.qsearch.indexer;

import java.io.IOException;
import java.util.Optional;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.FeatureMode;
import org.qsearch.index.IndexLocation;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.VectorFormat;
import org.qsearch.indexer.bulk.InputReader;

/**
 * The index-creation policy of every bulk run (the index command, the demo): an existing index
 * keeps the settings it was created with unless some are asked for, and then they must agree (a
 * graph built one way cannot be read another); a new index gets the asked ones over the model's
 * defaults, with the graph choice's query means sampled from the input. Null fields ask for
 * nothing.
 */
public record IndexCreation(VectorFormat vectorFormat, Integer hnswM, Integer hnswBeamWidth, FeatureMode featureMode,
                            GraphChoice graph) {
    /** Nothing asked: an existing index as it is, a new one with the defaults and the AUTO graph. */
    public static final IndexCreation DEFAULTS = new IndexCreation(null, null, null, null, null);

    /** Opens the index at {@code location} for a run over {@code input} (read only when a new index samples it). */
    public CollectionIndexWriter open(IndexLocation location, Blip2Encoder encoder, InputReader input) throws IOException, InterruptedException {
        Optional<IndexSettings> recorded = location.recordedSettings();
        if (recorded.isPresent() && equals(DEFAULTS)) {
            return location.openWriter();
        }
        IndexSettings settings = location.defaultSettings(encoder.bundle().dims());
        if (vectorFormat != null) {
            settings = settings.withVectorFormat(vectorFormat);
        }
        if (hnswM != null || hnswBeamWidth != null) {
            settings = settings.withHnsw(hnswM == null ? settings.hnswM() : hnswM,
                    hnswBeamWidth == null ? settings.hnswBeamWidth() : hnswBeamWidth);
        }
        if (featureMode != null) {
            settings = settings.withFeatureMode(featureMode);
        }
        if (recorded.isPresent()) {
            IndexSettings kept = recorded.get(); // a graph choice is checked by its cosines: the means come from the index
            settings = settings.withGraph(kept.queryMeans(), kept.graphMeanCosine(), kept.graphDedupeCosine());
            if (graph != null) {
                settings = graph.apply(settings, kept.queryMeans());
            }
        } else {
            settings = (graph == null ? GraphChoice.AUTO : graph).forNewIndex(settings, input, encoder);
        }
        return location.openWriter(settings);
    }
}
