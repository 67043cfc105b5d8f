package org.qsearch.search;

/** Which collection a query searches. */
public enum Target { IMAGES, TEXTS }
