package org.qsearch.opensearch;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.qsearch.encoder.ModelBundle;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.FeatureMode;
import org.qsearch.index.IndexLocation;
import org.qsearch.index.IndexSettings;

/**
 * A collection on an OpenSearch cluster: the indices {@code NAME-images} and {@code NAME-texts}
 * (see {@link ClusterSchema}) on the nodes at {@code urls}. A new collection gets {@code shards}
 * primary shards per index and {@code replicas} copies of each. Image features are recomputed
 * from the source images (the cluster keeps only search documents), so every server needs the
 * collection root.
 *
 * @param localFiles the local folder for the files beside the collection (bulk errors, a server's write log)
 */
public record OpenSearchLocation(List<URI> urls, String name, int shards, int replicas, Path localFiles)
        implements IndexLocation {
    public static final int DEFAULT_SHARDS = 2;
    public static final int DEFAULT_REPLICAS = 1;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,200}");

    public OpenSearchLocation {
        urls = List.copyOf(urls);
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("an OpenSearch collection name is lowercase letters, digits, - and _: " + name);
        }
        if (shards < 1 || replicas < 0) {
            throw new IllegalArgumentException("shards must be at least 1 and replicas at least 0: " + shards + ", " + replicas);
        }
    }

    /** {@code urls}: comma-separated node URLs ("http://127.0.0.1:9200,http://127.0.0.1:9201"). */
    public static List<URI> parseUrls(String urls) {
        return Arrays.stream(urls.split(",")).map(String::strip).filter(s -> !s.isEmpty()).map(URI::create).toList();
    }

    @Override
    public CollectionIndex openIndex() throws IOException {
        ClusterClient client = ClusterClient.connect(urls);
        try {
            return new OpenSearchIndex(client, name, ClusterMeta.read(client, name).settings(), true);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public CollectionIndexWriter openWriter() throws IOException {
        return openWriter(null);
    }

    @Override
    public CollectionIndexWriter openWriter(IndexSettings settings) throws IOException {
        if (settings != null && settings.featureMode() != FeatureMode.RECOMPUTE) {
            throw new IllegalArgumentException("an OpenSearch collection recomputes image features from the source images:"
                    + " give --features recompute (or leave it out)");
        }
        ClusterClient client = ClusterClient.connect(urls);
        try {
            return OpenSearchIndexWriter.open(client, name, settings, shards, replicas);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public Optional<IndexSettings> recordedSettings() throws IOException {
        try (ClusterClient client = ClusterClient.connect(urls)) {
            return ClusterMeta.find(client, name).map(ClusterMeta::settings);
        }
    }

    /** Bytes the collection's primary shards hold on disk (replicas each add as much): for sizing. */
    public long primaryStoreBytes() throws IOException {
        try (ClusterClient client = ClusterClient.connect(urls)) {
            return client.send("GET", "/" + ClusterSchema.images(name) + "," + ClusterSchema.texts(name) + "/_stats/store", null)
                    .path("_all").path("primaries").path("store").path("size_in_bytes").asLong();
        }
    }

    @Override
    public IndexSettings defaultSettings(ModelBundle.Dims dims) {
        return IndexSettings.forDims(dims).withFeatureMode(FeatureMode.RECOMPUTE);
    }

    @Override
    public String describe() {
        return "OpenSearch collection " + name + " at " + String.join(",", urls.stream().map(URI::toString).toList());
    }
}
