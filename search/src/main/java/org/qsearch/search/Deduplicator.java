package org.qsearch.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Function;
import org.apache.lucene.util.VectorUtil;
import org.qsearch.index.ImageHit;

/**
 * Removes duplicate images from a ranked list, keeping the best-ranked of each group: always the
 * same content hash (one file indexed under two names); with a near-duplicate agreement set, also
 * images whose query vectors agree at least that much (the mean over the queries of the dot
 * product of same-index vectors). The second rule is opt-in: it needs a model whose distinct images
 * agree less than re-encoded copies do, which {@code bin/qsearch bench dedupe} measures.
 */
public final class Deduplicator {
    record Page<T>(List<T> kept, int removed) {}

    /** An image's stored query vectors by id. */
    interface VectorLookup {
        Optional<float[][]> queryVectors(String id) throws IOException;
    }

    private final VectorLookup vectors;
    private final OptionalDouble nearDuplicates;

    Deduplicator(VectorLookup vectors, OptionalDouble nearDuplicates) {
        this.vectors = vectors;
        this.nearDuplicates = nearDuplicates;
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
            if (nearDuplicates.isPresent()) {
                float[][] v = vectorsOf(hit);
                if (keptVectors.stream().anyMatch(kv -> agreement(kv, v) >= nearDuplicates.getAsDouble())) {
                    removed++;
                    continue;
                }
                keptVectors.add(v);
            }
            kept.add(item);
        }
        return new Page<>(kept, removed);
    }

    private float[][] vectorsOf(ImageHit hit) {
        try {
            return vectors.queryVectors(hit.id()).orElseThrow(
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
