package org.qsearch.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.qsearch.search.QueryOptions;
import org.qsearch.search.ResultItem;
import org.qsearch.search.SearchCollection;
import org.qsearch.search.SearchPipeline;
import org.qsearch.search.Target;

/**
 * Recall@1/5/10 in both directions through the query pipeline, with the protocol of the tiny
 * model's Python eval (tools/tinyblip/retrieval.py), so the two can be compared figure for figure:
 *
 * <ul>
 *   <li>every pair is one query each way: text i must find image i, image i must find text i;</li>
 *   <li>the rank of the right answer is the number of candidates scored strictly higher, so
 *       ties count in its favour (two identical texts share their score: either one is right);</li>
 *   <li>ITC: exact max-over-queries similarity over the whole index (no HNSW);</li>
 *   <li>rerank: the ITC top k reordered by LAVIS fusion (ITC + mean ITM class-1 logit); a right
 *       answer outside the top k is a miss.</li>
 * </ul>
 */
public final class RetrievalEval {
    public static final int[] CUTOFFS = {1, 5, 10};

    private final SearchCollection collection;
    private final SearchPipeline pipeline;
    private final boolean exact;

    /** @param exact score every indexed vector, as the Python eval does; false searches the HNSW graph */
    public RetrievalEval(SearchCollection collection, boolean exact) {
        this.collection = collection;
        this.pipeline = collection.pipeline();
        this.exact = exact;
    }

    /** Recall figures keyed t2i_r1 ... i2t_r10, as fractions rounded to 4 decimals. */
    public Map<String, Double> recall(List<GroundTruthPairs.Pair> pairs, int rerank) {
        Map<String, String> ids = imageIds();
        // a page well past the last cutoff: identical images (the apple set draws several family
        // emoji alike) tie, and a right answer tied with the 10th must be seen to count as a hit
        int page = Math.max(CUTOFFS[CUTOFFS.length - 1], pipeline.settings().maxK());
        QueryOptions o = QueryOptions.defaults().withK(page).withRerank(rerank).withDedupe(false).withCaptions(false)
                .withExact(exact);
        int[] t2i = new int[pairs.size()];
        int[] i2t = new int[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            GroundTruthPairs.Pair pair = pairs.get(i);
            String id = ids.get(pair.image());
            if (id == null) {
                throw new IllegalArgumentException("pair " + (i + 1) + ": image " + pair.image() + " is not in the index");
            }
            t2i[i] = rank(pipeline.searchText(pair.text(), Target.IMAGES, o).results(), r -> r.id().equals(id));
            i2t[i] = rank(pipeline.searchLike(id, Target.TEXTS, o).results(), r -> r.text().equals(pair.text()));
        }
        Map<String, Double> out = new LinkedHashMap<>();
        put(out, "t2i", t2i);
        put(out, "i2t", i2t);
        return out;
    }

    /** Indexed images by URI. */
    private Map<String, String> imageIds() {
        Map<String, String> ids = new HashMap<>();
        try {
            collection.index().forEachImage(hit -> ids.put(hit.uri(), hit.id()));
            if (collection.index().textCount() == 0) {
                throw new IllegalArgumentException("the index holds no texts to evaluate image->text against: index the "
                        + "pair texts too (captions with --index-captions-as-texts, or text lines)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ids;
    }

    /**
     * Candidates ranked strictly above the right one; beyond the page (a miss at every cutoff)
     * when it is absent. Reranked candidates are above all others (retrieval.py gives the rest
     * sim - 1e4), so fused and ITC scores are compared only within their own group.
     */
    private static int rank(List<ResultItem> page, Predicate<ResultItem> right) {
        ResultItem target = page.stream().filter(right).findFirst().orElse(null);
        if (target == null) {
            return Integer.MAX_VALUE;
        }
        return (int) page.stream().filter(r -> above(r, target)).count();
    }

    private static boolean above(ResultItem r, ResultItem target) {
        boolean reranked = r.itm() != null;
        if (reranked != (target.itm() != null)) {
            return reranked;
        }
        return r.score() > target.score();
    }

    private static void put(Map<String, Double> out, String direction, int[] ranks) {
        for (int k : CUTOFFS) {
            long hits = java.util.Arrays.stream(ranks).filter(r -> r < k).count();
            out.put(direction + "_r" + k, Math.round(10000.0 * hits / ranks.length) / 10000.0);
        }
    }
}
