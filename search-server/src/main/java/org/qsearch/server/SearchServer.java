package org.qsearch.server;

import static io.javalin.apibuilder.ApiBuilder.path;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.qsearch.indexer.CollectionWriter;
import org.qsearch.search.CollectionStatus;
import org.qsearch.search.SearchCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: the JSON API under /api, /metrics, and the search page (the web module's
 * classpath resources) at /. Model work runs on a bounded pool; everything else on Jetty's
 * (virtual) request threads.
 */
public final class SearchServer implements AutoCloseable {
    /** Where the web module keeps the page in its jar. */
    static final String WEB_RESOURCES = "/org/qsearch/web";
    private static final Logger LOG = LoggerFactory.getLogger(SearchServer.class);

    private final Javalin app;
    private final ModelWorkPool pool;
    private final String host;

    private SearchServer(Javalin app, ModelWorkPool pool, String host) {
        this.app = app;
        this.pool = pool;
        this.host = host;
    }

    /** Starts serving {@code collection}; port 0 picks a free port (see {@link #port()}). */
    public static SearchServer start(SearchCollection collection, ServerSettings settings) {
        if (collection.root() == null) {
            throw new IllegalArgumentException("the " + collection.location().describe()
                    + " does not record where its images are: give the collection root with --root");
        }
        ObjectMapper json = ApiJson.mapper();
        ServerMetrics metrics = new ServerMetrics();
        BearerAuth auth = new BearerAuth(settings);
        RequestReader reader = new RequestReader(json, settings.maxUploadBytes());
        ModelWorkPool pool = new ModelWorkPool(settings.workers(), settings.queueLimit());
        ThumbnailCache thumbnails = new ThumbnailCache(settings.thumbnailCacheBytes());
        CollectionWriter writer = collection.writer() != null && settings.writesEnabled()
                ? new CollectionWriter(collection.encoder(), collection.writer(), collection.location().localFiles(), collection.root(), json)
                : null;
        if (writer != null) {
            try {
                int removed = writer.removeOrphanUploads();
                if (removed > 0) {
                    LOG.info("removed {} uploads no committed image refers to (left by interrupted writes)", removed);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        metrics.gauge("qsearch.index.images", "images in the index", () -> status(collection).images());
        metrics.gauge("qsearch.index.texts", "texts in the index", () -> status(collection).texts());
        metrics.gauge("qsearch.pool.queued", "model tasks waiting for a worker", pool::queued);
        metrics.gauge("qsearch.pool.active", "model tasks running", pool::active);
        ProblemResponses problems = new ProblemResponses(json);
        ServerContext context = new ServerContext(collection, writer, settings, reader, pool, metrics, thumbnails, json);
        OpsRoutes ops = new OpsRoutes(context);

        Javalin app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.jetty.host = settings.host();
            cfg.jetty.port = settings.port();
            cfg.jetty.multipartConfig.maxFileSize(settings.maxUploadBytes(), SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxTotalRequestSize(reader.maxMultipartBytes(), SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxInMemoryFileSize((int) Math.min(Integer.MAX_VALUE, settings.maxUploadBytes()), SizeUnit.BYTES);
            cfg.http.prefer405over404 = true;
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JettyProblems(json)));
            cfg.jetty.modifyServletContextHandler(servlets -> servlets.addFilter(new FilterHolder(new MethodOverrideIgnored()), "/*",
                    EnumSet.of(DispatcherType.REQUEST)));
            cfg.jsonMapper(new JavalinJackson(json, false));
            cfg.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = WEB_RESOURCES;
                files.location = Location.CLASSPATH;
            });
            cfg.requestLogger.http(metrics::recordRequest);
            problems.register(cfg.routes);
            if (settings.loopback()) {
                cfg.routes.before(LoopbackHost::requireLoopbackHost);
            }
            // every route declares its role, checked here; the page's own files (not routes) are public
            cfg.routes.beforeMatched("/api/*", auth::check);
            cfg.routes.beforeMatched("/metrics", auth::check);
            cfg.routes.apiBuilder(() -> {
                path("/api", () -> {
                    new SearchRoutes(context).register();
                    new ImageRoutes(context).register();
                    new DocRoutes(context).register();
                    new ModelRoutes(context).register();
                    ops.register();
                });
                ops.registerMetrics();
            });
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new SearchServer(app, pool, settings.host());
    }

    private static CollectionStatus status(SearchCollection collection) {
        try {
            return collection.status();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "METHOD /path" of every API route, as registered (the OpenAPI document must list each). */
    List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream().filter(e -> e.endpoint.method.isHttpMethod())
                .map(e -> e.endpoint.method.name() + " " + e.endpoint.path).toList();
    }

    public int port() {
        return app.port();
    }

    public String url() {
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    /** Stops taking requests, then the model pool. The collection stays open: its owner closes it. */
    @Override
    public void close() {
        try {
            app.stop();
        } finally {
            pool.close();
        }
    }
}
