package org.qsearch.search;

/**
 * One label of a zero-shot classification.
 *
 * @param itc   ITC similarity of the image and the filled prompt template
 * @param itm   ITM match probability, or null when ITM was not asked for
 * @param score what the labels are ranked by: itc, or LAVIS fusion (itc + ITM class-1 logit) with ITM
 */
public record LabelScore(String label, double itc, Double itm, double score) {}
