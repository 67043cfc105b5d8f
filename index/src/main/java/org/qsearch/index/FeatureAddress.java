package org.qsearch.index;

/** Where one image's feature record lives in the feature store: which segment file, at which byte, how long. */
public record FeatureAddress(int file, long offset, int length) {}
