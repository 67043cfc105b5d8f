package org.qsearch.reranker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reorders ITC candidates by the ITM head, BLIP-2 style: one text against its candidate images,
 * or one image against its candidate texts, through {@link ItmScorer}'s batches. The candidates
 * are of any type: {@link ImageCandidates} and {@link TextCandidates} say how to read them.
 * Thread-safe.
 */
public final class Reranker {
    private final ItmScorer itm;

    public Reranker(ItmScorer itm) {
        this.itm = itm;
    }

    /** Text to images: each candidate image's trunk tokens against the text. */
    public <T> Reranking<T> rerankImages(String text, List<T> candidates, ImageCandidates<T> images, Fusion fusion,
                                         Double itmThreshold) {
        requireThreshold(itmThreshold);
        List<ItmScore> scores = new ArrayList<>(candidates.size());
        // tokens are fetched one batch at a time: a real ViT-g image is 1.4 MB of them
        for (int from = 0; from < candidates.size(); from += itm.batchSize()) {
            List<T> batch = candidates.subList(from, Math.min(candidates.size(), from + itm.batchSize()));
            float[][] logits = itm.logits(images.tokens(batch), text);
            for (int i = 0; i < batch.size(); i++) {
                scores.add(ItmScore.of(images.itc(batch.get(i)), logits[i], fusion, itm.itmWeight()));
            }
        }
        return rank(candidates, scores, itmThreshold);
    }

    /** Image to texts: the query image's trunk tokens against each candidate text. */
    public <T> Reranking<T> rerankTexts(float[] imageTokens, List<T> candidates, TextCandidates<T> texts, Fusion fusion,
                                        Double itmThreshold) {
        requireThreshold(itmThreshold);
        float[][] logits = itm.logits(imageTokens, candidates.stream().map(texts::text).toList());
        List<ItmScore> scores = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            scores.add(ItmScore.of(texts.itc(candidates.get(i)), logits[i], fusion, itm.itmWeight()));
        }
        return rank(candidates, scores, itmThreshold);
    }

    /** The rule for an ITM threshold: a match probability in [0, 1], or null for none. */
    public static void requireThreshold(Double itmThreshold) {
        if (itmThreshold != null && !(itmThreshold >= 0 && itmThreshold <= 1)) {
            throw new IllegalArgumentException("the ITM threshold is a probability in [0, 1]: " + itmThreshold);
        }
    }

    private static <T> Reranking<T> rank(List<T> candidates, List<ItmScore> scores, Double itmThreshold) {
        List<Ranked<T>> kept = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            if (itmThreshold == null || scores.get(i).itmProbability() >= itmThreshold) {
                kept.add(new Ranked<>(candidates.get(i), scores.get(i)));
            }
        }
        // stable: equal fused scores keep their ITC order
        kept.sort(Comparator.comparingDouble((Ranked<T> r) -> -r.itm().fused()));
        return new Reranking<>(kept, candidates.size() - kept.size());
    }
}
