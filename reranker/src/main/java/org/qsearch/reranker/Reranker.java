package org.qsearch.reranker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.qsearch.indexer.ImageHit;
import org.qsearch.indexer.TextHit;

/**
 * Reorders ITC candidates by the ITM head, BLIP-2 style: one text against its candidate images,
 * or one image against its candidate texts, through {@link ItmScorer}'s batches. Thread-safe.
 */
public final class Reranker {
    private final ItmScorer itm;
    private final ImageTokenSource tokens;

    public Reranker(ItmScorer itm, ImageTokenSource tokens) {
        this.itm = itm;
        this.tokens = tokens;
    }

    /** Text to images: each candidate image's tokens (stored or recomputed) against the text. */
    public Reranking<ImageHit> rerankImages(String text, List<ImageHit> candidates, Fusion fusion, Double itmThreshold) {
        checkThreshold(itmThreshold);
        List<ItmScore> scores = new ArrayList<>(candidates.size());
        // tokens are fetched one batch at a time: a real ViT-g image is 1.4 MB of them
        for (int from = 0; from < candidates.size(); from += itm.batchSize()) {
            List<ImageHit> batch = candidates.subList(from, Math.min(candidates.size(), from + itm.batchSize()));
            float[][] logits = itm.logits(tokens.tokens(batch), text);
            for (int i = 0; i < batch.size(); i++) {
                scores.add(ItmScore.of(batch.get(i).score(), logits[i], fusion, itm.itmWeight()));
            }
        }
        return rank(candidates, scores, itmThreshold);
    }

    /** Image to texts: the query image's trunk tokens against each candidate text. */
    public Reranking<TextHit> rerankTexts(float[] imageTokens, List<TextHit> candidates, Fusion fusion,
                                          Double itmThreshold) {
        checkThreshold(itmThreshold);
        float[][] logits = itm.logits(imageTokens, candidates.stream().map(TextHit::text).toList());
        List<ItmScore> scores = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            scores.add(ItmScore.of(candidates.get(i).score(), logits[i], fusion, itm.itmWeight()));
        }
        return rank(candidates, scores, itmThreshold);
    }

    private static <T> Reranking<T> rank(List<T> candidates, List<ItmScore> scores, Double itmThreshold) {
        List<Reranked<T>> kept = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            if (itmThreshold == null || scores.get(i).itmProbability() >= itmThreshold) {
                kept.add(new Reranked<>(candidates.get(i), scores.get(i)));
            }
        }
        // stable: equal fused scores keep their ITC order
        kept.sort(Comparator.comparingDouble((Reranked<T> r) -> -r.score().fused()));
        return new Reranking<>(kept, candidates.size() - kept.size());
    }

    private static void checkThreshold(Double itmThreshold) {
        if (itmThreshold != null && !(itmThreshold >= 0 && itmThreshold <= 1)) {
            throw new IllegalArgumentException("the ITM threshold is a probability in [0, 1]: " + itmThreshold);
        }
    }
}
