package org.qsearch.search;

import java.util.List;
import java.util.Map;

/**
 * The answer to one query.
 *
 * @param query              "text", "image", "like" or "embedding"
 * @param fusion             "itc" when nothing was reranked, else the fusion's label ("lavis" or "itm")
 * @param reranked           candidates that went through ITM
 * @param droppedByThreshold reranked candidates the ITM threshold removed
 * @param deduplicated       duplicate images removed (see Deduplicator)
 * @param exhausted          the page holds fewer than k results because the index has no further
 *                           (distinct) candidates
 * @param timingsMs          step -> milliseconds in order (validate, encode, ann, rescore, rerank,
 *                           dedupe, captions, total; steps that did not run are absent); empty unless debug
 */
public record SearchResponse(String query, Target target, List<ResultItem> results, String fusion, int reranked,
                             int droppedByThreshold, int deduplicated, boolean exhausted,
                             Map<String, Double> timingsMs) {}
