package org.qsearch.cli;

import java.nio.file.Path;
import org.qsearch.index.IndexLocation;
import org.qsearch.index.LocalIndexLocation;
import org.qsearch.opensearch.OpenSearchLocation;
import picocli.CommandLine.Option;

/**
 * Where a command's index is: a local directory ({@code --index DIR}, the default backend) or a
 * collection on an OpenSearch cluster ({@code --backend opensearch --url URL --index-name NAME}).
 */
final class IndexLocationOptions {
    enum Backend { LOCAL, OPENSEARCH }

    static final class Backends extends EnumConverter<Backend> {
        Backends() {
            super(Backend.class);
        }
    }

    @Option(names = "--index", paramLabel = "DIR", description = "index directory (the local backend)")
    Path index;

    @Option(names = "--backend", defaultValue = "local", converter = Backends.class,
            description = "local (a Lucene directory: --index) or opensearch (a cluster: --url, --index-name) (default: ${DEFAULT-VALUE})")
    Backend backend;

    @Option(names = "--url", paramLabel = "URL[,URL...]", description = "OpenSearch nodes, comma-separated (http://127.0.0.1:9200)")
    String url;

    @Option(names = "--index-name", paramLabel = "NAME", defaultValue = "qsearch",
            description = "the collection on the cluster (indices NAME-images and NAME-texts; default: ${DEFAULT-VALUE})")
    String indexName;

    @Option(names = "--shards", defaultValue = "" + OpenSearchLocation.DEFAULT_SHARDS,
            description = "primary shards per index of a new cluster collection (default: ${DEFAULT-VALUE})")
    int shards;

    @Option(names = "--replicas", defaultValue = "" + OpenSearchLocation.DEFAULT_REPLICAS,
            description = "copies of each shard of a new cluster collection (default: ${DEFAULT-VALUE})")
    int replicas;

    boolean given() {
        return index != null || backend == Backend.OPENSEARCH;
    }

    IndexLocation location() {
        return switch (backend) {
            case LOCAL -> {
                if (index == null) {
                    throw new IllegalArgumentException("give --index DIR (or --backend opensearch --url URL)");
                }
                yield new LocalIndexLocation(index);
            }
            case OPENSEARCH -> {
                if (url == null) {
                    throw new IllegalArgumentException("--backend opensearch needs --url http://HOST:PORT[,...]");
                }
                if (index != null) {
                    throw new IllegalArgumentException("--index names a local directory: with --backend opensearch give --index-name");
                }
                // error logs of runs against the cluster: a per-user state folder, one per collection
                Path localFiles = Path.of(System.getProperty("user.home"), ".local", "state", "qsearch", "opensearch", indexName);
                yield new OpenSearchLocation(OpenSearchLocation.parseUrls(url), indexName, shards, replicas, localFiles);
            }
        };
    }
}
