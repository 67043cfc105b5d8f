package org.qsearch.reranker;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.indexer.ImageHit;
import org.qsearch.indexer.TextHit;

/**
 * Reorders ITC candidates by the ITM head, BLIP-2 style: one text against its candidate images,
 * or one image against its candidate texts. Pairs go through the itm graph in batches, so k
 * candidates cost ceil(k / batch) graph runs. Thread-safe.
 */
public final class Reranker {
    private final Blip2Encoder encoder;
    private final ImageTokenSource tokens;
    private final int batchSize;

    public Reranker(Blip2Encoder encoder, ImageTokenSource tokens, int batchSize) {
        if (!encoder.hasItm()) {
            throw new IllegalArgumentException("bundle " + encoder.bundle().name() + " has no itm graph: reranking is off");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("rerank batch size must be at least 1: " + batchSize);
        }
        this.encoder = encoder;
        this.tokens = tokens;
        this.batchSize = batchSize;
    }

    /** Text to images: each candidate image's tokens (stored or recomputed) against the text. */
    public Reranking<ImageHit> rerankImages(String text, List<ImageHit> candidates, Fusion fusion, Double itmThreshold) {
        checkThreshold(itmThreshold);
        List<ItmScore> scores = new ArrayList<>(candidates.size());
        for (int from = 0; from < candidates.size(); from += batchSize) {
            List<ImageHit> batch = candidates.subList(from, Math.min(candidates.size(), from + batchSize));
            float[][] logits = encoder.itmLogits(tokens.tokens(batch), Collections.nCopies(batch.size(), text));
            for (int i = 0; i < batch.size(); i++) {
                scores.add(ItmScore.of(batch.get(i).score(), logits[i], fusion));
            }
        }
        return rank(candidates, scores, itmThreshold);
    }

    /** Image to texts: the query image's trunk tokens against each candidate text. */
    public Reranking<TextHit> rerankTexts(float[] imageTokens, List<TextHit> candidates, Fusion fusion,
                                          Double itmThreshold) {
        checkThreshold(itmThreshold);
        float[][] logits = itmLogits(imageTokens, candidates.stream().map(TextHit::text).toList());
        List<ItmScore> scores = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            scores.add(ItmScore.of(candidates.get(i).score(), logits[i], fusion));
        }
        return rank(candidates, scores, itmThreshold);
    }

    /** ITM logits [n][2] of one image against each text, in batches. */
    public float[][] itmLogits(float[] imageTokens, List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int from = 0; from < texts.size(); from += batchSize) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + batchSize));
            float[][] logits = encoder.itmLogits(imageTokens, batch);
            System.arraycopy(logits, 0, out, from, logits.length);
        }
        return out;
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
