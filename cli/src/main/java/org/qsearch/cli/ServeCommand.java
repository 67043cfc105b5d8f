package org.qsearch.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.SearchCollection;
import org.qsearch.server.ServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Serves an index over HTTP: the JSON API, /metrics, and the search page. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve an index: the search page at /, the JSON API under /api (see /api/openapi.json), /metrics.",
                "Writes (POST /api/docs, DELETE /api/docs/ID) need --token, or --insecure-writes on loopback."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Mixin
    ListenOptions listen;

    @Mixin
    NearDuplicatesOption nearDuplicates;

    @Mixin
    IndexLocationOptions index;

    @Option(names = "--root", paramLabel = "DIR",
            description = "collection root the index's image URIs are relative to (default: the one its last `qsearch index` run recorded)")
    Path root;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "bearer token for writes (default: the QSEARCH_TOKEN environment variable, which keeps it out of `ps`)")
    String token;

    @Option(names = "--protect-reads", description = "reads need the token too (health, metrics and the OpenAPI document stay open)")
    boolean protectReads;

    @Option(names = "--insecure-writes", description = "take writes without a token (refused unless --host is loopback)")
    boolean insecureWrites;

    @Option(names = "--max-upload-mb", defaultValue = "20", description = "largest image upload in MB (default: ${DEFAULT-VALUE})")
    int maxUploadMb;

    @Option(names = "--workers", paramLabel = "N", description = "threads for model work (default: half the cores)")
    Integer workers;

    @Option(names = "--queue", defaultValue = "64", paramLabel = "N",
            description = "model tasks that may wait; past it requests get 503 (default: ${DEFAULT-VALUE})")
    int queue;

    @Override
    public Integer call() throws Exception {
        String t = token != null ? token : System.getenv("QSEARCH_TOKEN");
        ServerSettings defaults = ServerSettings.defaults();
        ServerSettings settings = defaults.withAddress(listen.host, listen.port)
                .withAuth(t, protectReads, insecureWrites)
                .withLimits((long) maxUploadMb << 20, workers == null ? defaults.workers() : workers, queue);
        SearchCollection collection = SearchCollection.open(model.dir(), model.options(), index.location(), root,
                settings.writesEnabled(), nearDuplicates.apply(PipelineSettings.defaults()));
        Serving.untilStopped(collection, settings, "/", false);
        return 0;
    }
}
