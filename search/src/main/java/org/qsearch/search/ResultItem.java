package org.qsearch.search;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One result: an image or a text. Absent scores are null. Reranked results come first; when
 * the rerank depth is below k the rest follow in ITC order (score = itc, itm null), so scores
 * compare only within each group.
 *
 * @param kind      "image" or "text"
 * @param uri       images: the URI relative to the collection; texts: null
 * @param text      texts: the text; images: null
 * @param score     what the list is ordered by: the fused score when reranked, else itc
 * @param itc       BLIP-2 ITC similarity
 * @param itm       ITM match probability, null when not reranked
 * @param itmLogit  mean ITM class-1 logit (what LAVIS adds to itc), null when not reranked
 * @param bestQuery the query index (0..31) that gave itc, null when not applicable
 * @param caption   snippet caption (stored first, generated otherwise), null when captions are off or for texts
 * @param generatedCaption the model's own caption of the image: the one generated at indexing
 *                  ({@code index --captions}), else the snippet when it was generated; null when
 *                  there is none, captions are off, or for texts
 * @param captions  the captions or alt-texts the image was indexed with (empty for texts)
 * @param imageId   texts: the linked image's id, or null
 * @param metadata  the metadata object; empty when none
 */
public record ResultItem(String kind, String id, String uri, String text, double score, double itc, Double itm,
                         Double itmLogit, Integer bestQuery, String caption, String generatedCaption,
                         List<String> captions, String imageId,
                         JsonNode metadata) {}
