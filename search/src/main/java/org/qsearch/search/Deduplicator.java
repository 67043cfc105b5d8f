package org.qsearch.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.lucene.util.VectorUtil;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.ImageHit;

/**
 * Removes near-identical images from a ranked list, keeping the best-ranked of each group: the
 * same content hash (one file indexed under two names), or query vectors that agree at least
 * {@code similarity} (the mean over the queries of the dot product of same-index vectors: the
 * 32 queries are learned slots, so a re-encoded copy of an image fills each slot alike, while two
 * different images rarely agree in all of them).
 */
public final class Deduplicator {
    record Page<T>(List<T> kept, int removed) {}

    private final CollectionIndex index;
    private final double similarity;

    Deduplicator(CollectionIndex index, double similarity) {
        this.index = index;
        this.similarity = similarity;
    }

    /** The first {@code k} distinct images of {@code ranked}, and how many duplicates were passed over. */
    <T> Page<T> firstDistinct(List<T> ranked, Function<T, ImageHit> image, int k) {
        List<T> kept = new ArrayList<>(k);
        List<float[][]> keptVectors = new ArrayList<>(k);
        Set<String> hashes = new HashSet<>();
        int removed = 0;
        for (T item : ranked) {
            if (kept.size() == k) {
                break;
            }
            ImageHit hit = image.apply(item);
            if (!hashes.add(hit.contentHash())) {
                removed++;
                continue;
            }
            float[][] vectors = vectors(hit);
            if (keptVectors.stream().anyMatch(v -> agreement(v, vectors) >= similarity)) {
                removed++;
                continue;
            }
            kept.add(item);
            keptVectors.add(vectors);
        }
        return new Page<>(kept, removed);
    }

    private float[][] vectors(ImageHit hit) {
        try {
            return index.queryVectors(hit.id()).orElseThrow(
                    () -> new IllegalStateException("image " + hit.id() + " vanished from the index during the query"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The near-duplicate measure: the mean over the queries of the dot product of same-index vectors. */
    public static double agreement(float[][] a, float[][] b) {
        double sum = 0;
        for (int q = 0; q < a.length; q++) {
            sum += VectorUtil.dotProduct(a[q], b[q]);
        }
        return sum / a.length;
    }
}
