package org.qsearch.server.pipeline;

import org.qsearch.reranker.ItmScore;

/** A hit on its way to a result: its ITM scores when it was reranked, else null. */
record Ranked<T>(T hit, ItmScore itm) {}
