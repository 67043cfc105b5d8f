package org.qsearch.reranker;

import java.util.List;

/**
 * The outcome of reranking a candidate list.
 *
 * @param ranked             the candidates that passed the threshold, best fused score first
 * @param droppedByThreshold how many candidates the ITM threshold removed
 */
public record Reranking<T>(List<Ranked<T>> ranked, int droppedByThreshold) {
    public Reranking {
        ranked = List.copyOf(ranked);
    }
}
