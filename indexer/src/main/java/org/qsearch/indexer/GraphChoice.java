package org.qsearch.indexer;

import java.io.IOException;
import java.util.Locale;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.QueryMeans;
import org.qsearch.indexer.bulk.InputReader;
import org.qsearch.indexer.bulk.InputSample;

/** Which query vectors of an image enter the HNSW graph (the others are still scored exactly). */
public enum GraphChoice {
    /** All of them. */
    ALL,
    /** All but those near their query's mean over a sample of the input's images. */
    MEANS,
    /** As MEANS, and also not those near one of the image's own vectors already in the graph: the default. */
    AUTO;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code means}: the query means of the collection, unused by {@link #ALL}. */
    public IndexSettings apply(IndexSettings settings, QueryMeans means) {
        return switch (this) {
            case ALL -> settings.withGraph(QueryMeans.NONE, 1, 1);
            case MEANS -> settings.withGraph(means, IndexSettings.DEFAULT_GRAPH_MEAN_COSINE, 1);
            case AUTO -> settings.withGraph(means, IndexSettings.DEFAULT_GRAPH_MEAN_COSINE,
                    IndexSettings.DEFAULT_GRAPH_DEDUPE_COSINE);
        };
    }

    /** Settings for a new index of {@code input}: the query means are sampled from it unless this is ALL. */
    public IndexSettings forNewIndex(IndexSettings settings, InputReader input, Blip2Encoder encoder)
            throws IOException, InterruptedException {
        return apply(settings, this == ALL ? QueryMeans.NONE : sampleMeans(input, encoder));
    }

    /** The query means of a collection, from a uniform sample of its images. */
    public static QueryMeans sampleMeans(InputReader input, Blip2Encoder encoder) throws IOException, InterruptedException {
        System.err.println("qsearch: query means from a sample of " + QueryMeans.SAMPLE_SIZE + " images ...");
        return QueryMeans.of(InputSample.images(input, encoder, QueryMeans.SAMPLE_SIZE));
    }
}
