package org.qsearch.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.FeatureMode;
import org.qsearch.index.VectorFormat;
import org.qsearch.indexer.GraphChoice;
import org.qsearch.index.IndexLocation;
import org.qsearch.indexer.IndexCreation;
import org.qsearch.indexer.bulk.BulkIndexer;
import org.qsearch.indexer.bulk.BulkOptions;
import org.qsearch.indexer.bulk.BulkSummary;
import org.qsearch.indexer.bulk.InputFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Builds or updates an index from a folder or a manifest; safe to stop and run again. */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = {"Index a folder of images, a JSONL or CSV manifest, or a COCO captions file.",
                "Re-running skips what is already indexed unchanged, so a stopped run resumes where it was.",
                "Prints a JSON summary on stdout; progress goes to stderr."})
final class IndexCommand implements Callable<Integer> {
    static final class Formats extends EnumConverter<InputFormat> {
        Formats() {
            super(InputFormat.class);
        }
    }

    static final class VectorFormats extends EnumConverter<VectorFormat> {
        VectorFormats() {
            super(VectorFormat.class);
        }
    }

    static final class FeatureModes extends EnumConverter<FeatureMode> {
        FeatureModes() {
            super(FeatureMode.class);
        }
    }

    @Mixin
    ModelOption model;

    @Mixin
    GenerationFlags generation;

    @Mixin
    IndexLocationOptions index;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "folder, .jsonl, .csv or COCO .json")
    Path input;

    @Option(names = "--format", defaultValue = "auto", converter = Formats.class, description = "auto, folder, jsonl, csv or coco (default: ${DEFAULT-VALUE})")
    InputFormat format;

    @Option(names = "--batch", defaultValue = "16", description = "images per encoder call (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--threads", paramLabel = "N", description = "decoding threads (default: half the cores)")
    Integer threads;

    @Option(names = "--commit-every", defaultValue = "" + BulkOptions.DEFAULT_COMMIT_EVERY, paramLabel = "N",
            description = "commit after N items (default: ${DEFAULT-VALUE})")
    int commitEvery;

    @Option(names = "--commit-seconds", defaultValue = "" + BulkOptions.DEFAULT_COMMIT_SECONDS, paramLabel = "S",
            description = "or after S seconds (default: ${DEFAULT-VALUE})")
    long commitSeconds;

    @Option(names = "--errors", paramLabel = "FILE",
            description = "append skipped items and why, as JSONL (default: errors.jsonl in the index directory, or for a cluster in ~/.local/state/qsearch/opensearch/NAME)")
    Path errors;

    @Option(names = "--captions", description = "generate a caption per image with the bundle's LLM (see --beams)")
    boolean captions;

    @Option(names = "--index-captions-as-texts", description = "also index each image's captions as texts linked to it")
    boolean captionsAsTexts;

    @Option(names = "--prune", description = "delete indexed images whose source the input no longer names")
    boolean prune;

    @Option(names = "--vector-format", converter = VectorFormats.class, description = "float32, int8, int4 or int1 (new index only; default float32)")
    VectorFormat vectorFormat;

    @Option(names = "--hnsw-m", description = "HNSW max connections (new index only)")
    Integer hnswM;

    @Option(names = "--hnsw-beam", description = "HNSW construction beam width (new index only)")
    Integer hnswBeam;

    @Option(names = "--features", converter = FeatureModes.class, description = "stored or recompute: keep image tokens for reranking (new index only; default stored)")
    FeatureMode features;

    @Option(names = "--graph", converter = GraphChoices.class,
            description = "which query vectors enter the HNSW graph, the others still scored exactly: all, means (not "
                    + "those near their query's mean over a sample of the input) or auto (means, and not near-duplicates "
                    + "within an image) (new index only; default auto)")
    GraphChoice graph;

    @Option(names = "--merge-to", paramLabel = "N", description = "after indexing, merge the index down to N segments "
            + "(1: one HNSW graph per search, the fastest to search; the merge takes about as long as building the graph)")
    Integer mergeTo;

    @Override
    public Integer call() throws Exception {
        if (mergeTo != null && mergeTo < 1) {
            throw new IllegalArgumentException("--merge-to must be at least 1");
        }
        IndexLocation location = index.location();
        BulkOptions defaults = BulkOptions.defaults();
        BulkOptions options = defaults.withBatchSize(batch)
                .withThreads(threads == null ? defaults.threads() : threads)
                .withCommits(commitEvery, Duration.ofSeconds(commitSeconds))
                .withErrorsFile(errors == null ? location.localFiles().resolve("errors.jsonl") : errors)
                .withCaptions(captions ? generation.options().settings() : null)
                .withCaptionsAsTexts(captionsAsTexts)
                .withPrune(prune);
        var reader = format.open(input);
        IndexCreation creation = new IndexCreation(vectorFormat, hnswM, hnswBeam, features, graph);
        try (Blip2Encoder enc = model.open(); CollectionIndexWriter writer = creation.open(location, enc, reader)) {
            BulkSummary summary = new BulkIndexer(enc, writer, options).run(reader);
            System.err.println(summary);
            if (mergeTo != null) {
                long t0 = System.nanoTime();
                writer.forceMerge(mergeTo);
                System.err.printf("merged to at most %d segments in %.1f s%n", mergeTo, (System.nanoTime() - t0) / 1e9);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("indexed", summary.indexed());
            out.put("updated", summary.updated());
            out.put("skipped", summary.skipped());
            out.put("failed", summary.failed());
            out.put("pruned", summary.pruned());
            out.put("texts", summary.texts());
            out.put("seconds", summary.seconds());
            out.put("images_per_second", summary.imagesPerSecond());
            out.put("errors_file", options.errorsFile().toString());
            System.out.println(Json.write(out));
        }
        return 0;
    }
}
