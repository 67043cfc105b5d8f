package org.qsearch.server;

import io.javalin.http.Context;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What /metrics exposes, in Prometheus' text format: request latency histograms per endpoint
 * (the route template, so ids do not explode the label set), latency per pipeline step, how many
 * candidates each reranked query sends through ITM, items per write batch, the pool's queue,
 * the index size, and the JVM's memory pools (heap used and committed).
 */
final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    ServerMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
    }

    void recordRequest(Context ctx, float millis) {
        Timer.builder("qsearch.http.requests")
                .description("HTTP request latency by endpoint")
                .tag("method", ctx.method().name())
                .tag("route", route(ctx))
                .tag("status", Integer.toString(ctx.statusCode()))
                .publishPercentileHistogram()
                .register(registry)
                .record(Duration.ofNanos((long) (millis * 1_000_000)));
    }

    /** The step timings of one pipeline call (step name to milliseconds). */
    void recordSteps(String operation, Map<String, Double> stepMillis) {
        stepMillis.forEach((step, ms) -> Timer.builder("qsearch.pipeline.step")
                .description("query pipeline latency by step")
                .tag("operation", operation)
                .tag("step", step)
                .publishPercentileHistogram()
                .register(registry)
                .record(Duration.ofNanos((long) (ms * 1_000_000))));
    }

    /** Candidates one reranked query sent through the ITM encoder. */
    void recordRerankBatch(int candidates) {
        batch("itm").record(candidates);
    }

    /** Images and texts one write request sent through the encoders. */
    void recordWriteBatch(int items) {
        batch("write").record(items);
    }

    private DistributionSummary batch(String encoder) {
        return DistributionSummary.builder("qsearch.encoder.batch.size")
                .description("items per encoder batch")
                .tag("encoder", encoder)
                .publishPercentileHistogram()
                .register(registry);
    }

    void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    String scrape() {
        return registry.scrape();
    }

    private static String route(Context ctx) {
        try {
            return ctx.endpoint().path;
        } catch (RuntimeException e) {
            return "unmatched"; // no endpoint matched (404) or the request failed before routing
        }
    }
}
