package org.qsearch.reranker;

/**
 * A candidate in its final order: its ITM scores when it was reranked, null when it kept its ITC
 * place (below the reranked ones).
 */
public record Ranked<T>(T hit, ItmScore itm) {}
