package org.qsearch.server.pipeline;

/** Which collection a query searches. */
public enum Target { IMAGES, TEXTS }
