package org.qsearch.reranker;

/** A candidate with its ITM scores. */
public record Reranked<T>(T hit, ItmScore score) {}
