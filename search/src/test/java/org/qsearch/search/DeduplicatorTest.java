package org.qsearch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.qsearch.index.ImageHit;

/**
 * The two dedupe rules on hand-made vectors. Distinct emoji can agree as much as copies do on the
 * shipped model (bench dedupe: distinct pairs up to 1.0000), so the vector rule must not run
 * unless asked for.
 */
class DeduplicatorTest {
    // two distinct files (different hashes) whose two query vectors are the same: what a model
    // that cannot tell two emoji apart stores; and a third, orthogonal image
    private static final float[][] FAMILY = {{1, 0}, {0, 1}};
    private static final float[][] OTHER = {{0, 1}, {1, 0}};
    private static final Map<String, float[][]> VECTORS = Map.of("family-a", FAMILY, "family-b", FAMILY,
            "family-a-again", FAMILY, "other", OTHER);
    private static final List<ImageHit> RANKED = List.of(hit("family-a", "h1"), hit("family-a-again", "h1"),
            hit("family-b", "h2"), hit("other", "h3"));

    private static ImageHit hit(String id, String hash) {
        return new ImageHit(id, id + ".png", 1f, 0, hash, 8, 8, List.of(), null, "{}", null, null);
    }

    private static List<String> kept(OptionalDouble nearDuplicates, int k) {
        Deduplicator d = new Deduplicator(id -> Optional.ofNullable(VECTORS.get(id)), nearDuplicates);
        return d.firstDistinct(RANKED, Function.identity(), k).kept().stream().map(ImageHit::id).toList();
    }

    @Test
    void byDefaultOnlyTheSameFileIsADuplicate() {
        assertEquals(List.of("family-a", "family-b", "other"), kept(OptionalDouble.empty(), 10),
                "distinct images whose vectors agree both stay");
    }

    @Test
    void theVectorRuleMergesAgreeingImagesWhenAskedFor() {
        assertEquals(List.of("family-a", "other"), kept(OptionalDouble.of(0.99), 10));
        assertEquals(List.of("family-a", "other"), kept(OptionalDouble.of(0.01), 10),
                "orthogonal query vectors agree 0: kept at any threshold");
    }

    @Test
    void stopsAtKAndCountsWhatItPassedOver() {
        Deduplicator d = new Deduplicator(id -> Optional.ofNullable(VECTORS.get(id)), OptionalDouble.empty());
        Deduplicator.Page<ImageHit> page = d.firstDistinct(RANKED, Function.identity(), 2);
        assertEquals(List.of("family-a", "family-b"), page.kept().stream().map(ImageHit::id).toList());
        assertEquals(1, page.removed());
    }

    @Test
    void anAgreementOutsideZeroToOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PipelineSettings.defaults().withNearDuplicates(1.5));
        assertThrows(IllegalArgumentException.class, () -> PipelineSettings.defaults().withNearDuplicates(0));
    }
}
