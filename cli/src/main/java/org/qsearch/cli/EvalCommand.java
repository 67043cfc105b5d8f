package org.qsearch.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qsearch.bench.GroundTruthPairs;
import org.qsearch.bench.RetrievalEval;
import org.qsearch.search.PipelineSettings;
import org.qsearch.search.SearchCollection;
import org.qsearch.search.SearchPipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Retrieval Recall@1/5/10 both ways, ITC alone and with ITM rerank, against ground-truth pairs. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Recall@1/5/10 text->image and image->text on an index, ITC alone and ITC + ITM rerank "
                + "(LAVIS fusion), with the protocol of tools/tinyblip/evaluate.py.",
                "PAIRS: one JSON object per line, {\"image\": URI as indexed, \"text\": TEXT}; the index must hold "
                        + "the texts too (e.g. indexed with --index-captions-as-texts)."})
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Mixin
    IndexOption index;

    @Option(names = "--pairs", required = true, paramLabel = "FILE", description = "ground-truth pairs (JSONL)")
    Path pairs;

    @Option(names = "--rerank", paramLabel = "K",
            description = "rerank depth, 0 = ITC only (default: the bundle's, as the Python eval)")
    Integer rerankOption;

    @Option(names = "--ann", description = "search the HNSW graph instead of scoring every vector (not the Python protocol)")
    boolean ann;

    @Option(names = "--json", description = "print the figures in the schema of models/tiny-blip2/eval.json")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (rerankOption != null && rerankOption < 0) {
            throw new IllegalArgumentException("--rerank must be 0 (off) or more: " + rerankOption);
        }
        List<GroundTruthPairs.Pair> truth = GroundTruthPairs.read(pairs);
        int wanted = rerankOption == null ? Integer.MAX_VALUE : rerankOption;
        PipelineSettings settings = PipelineSettings.defaults().withMaxRerank(Math.max(wanted, 1));
        try (SearchCollection collection = index.open(model, settings)) {
            SearchPipeline pipeline = collection.pipeline();
            int rerank = rerankOption == null ? pipeline.defaultOptions().rerank() : rerankOption;
            if (rerank > 0 && !pipeline.reranking()) {
                throw new IllegalArgumentException("bundle " + collection.encoder().bundle().name()
                        + " has no itm graph: run with --rerank 0");
            }
            RetrievalEval eval = new RetrievalEval(collection, !ann);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("gallery", collection.index().imageCount());
            out.put("texts", collection.index().textCount());
            out.put("pairs", truth.size());
            out.put("search", ann ? "hnsw" : "exact");
            out.put("rerank_k", rerank);
            out.put("itc", eval.recall(truth, 0));
            if (rerank > 0) {
                long start = System.nanoTime();
                out.put("rerank", eval.recall(truth, rerank));
                out.put("rerank_seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
            }
            System.out.println(json ? Json.write(out) : table(out));
        }
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static String table(Map<String, Object> out) {
        Map<String, Double> itc = (Map<String, Double>) out.get("itc");
        Map<String, Double> rer = (Map<String, Double>) out.get("rerank");
        StringBuilder s = new StringBuilder(String.format("%d images, %d texts, %d pairs, %s search%n",
                out.get("gallery"), out.get("texts"), out.get("pairs"), out.get("search")));
        s.append(String.format("%-8s %8s %16s%n", "", "ITC", rer == null ? "" : "ITC+ITM@" + out.get("rerank_k")));
        itc.forEach((key, value) -> s.append(String.format("%-8s %8.4f %16s%n", key, value,
                rer == null ? "" : String.format("%.4f", rer.get(key)))));
        return s.toString().stripTrailing();
    }
}
