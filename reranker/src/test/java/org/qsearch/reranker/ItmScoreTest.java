package org.qsearch.reranker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The fusion arithmetic, against LAVIS's definition written out by hand. */
class ItmScoreTest {
    @Test
    void lavisFusionIsItcPlusTheMeanClassOneLogit() {
        // LAVIS: score_matrix[i, topk_idx] = compute_itm(...) + topk_sim, compute_itm = itm_logit[:, :, 1].mean(dim=1)
        float[] meanLogits = {1.25f, -0.75f};
        ItmScore s = ItmScore.of(0.4, meanLogits, Fusion.LAVIS, 1.0);
        assertEquals(0.4 + -0.75, s.fused(), 1e-9);
        assertEquals(-0.75, s.itmLogit(), 1e-9);
        assertEquals(0.4, s.itc(), 1e-9);
        assertEquals(Math.exp(-0.75) / (Math.exp(1.25) + Math.exp(-0.75)), s.itmProbability(), 1e-9);
    }

    @Test
    void theBundlesItmWeightScalesTheLogitOnly() {
        ItmScore s = ItmScore.of(0.4, new float[] {1.25f, -0.75f}, Fusion.LAVIS, 0.2);
        assertEquals(0.4 + 0.2 * -0.75, s.fused(), 1e-9);
        assertEquals(-0.75, s.itmLogit(), 1e-9);
        assertEquals(0.4, ItmScore.of(0.4, new float[] {1.25f, -0.75f}, Fusion.LAVIS, 0).fused(), 1e-9);
    }

    @Test
    void itmProbabilityFusionIsTheSoftmaxOfClassOne() {
        ItmScore s = ItmScore.of(0.9, new float[] {-2f, 3f}, Fusion.ITM_PROBABILITY, 0.2);
        assertEquals(1 / (1 + Math.exp(-5)), s.fused(), 1e-9);
        assertEquals(s.itmProbability(), s.fused(), 0);
    }

    @Test
    void hugeLogitsDoNotOverflow() {
        assertEquals(1.0, ItmScore.of(0, new float[] {-1e30f, 1e30f}, Fusion.ITM_PROBABILITY, 1.0).fused(), 0);
        assertEquals(0.0, ItmScore.of(0, new float[] {1e30f, -1e30f}, Fusion.ITM_PROBABILITY, 1.0).fused(), 0);
    }

    @Test
    void fusionLabelsRoundTripAndUnknownOnesAreRefused() {
        for (Fusion f : Fusion.values()) {
            assertEquals(f, Fusion.byLabel(f.label().toUpperCase()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fusion.byLabel("mean"));
        assertEquals("unknown fusion \"mean\": expected lavis or itm", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ItmScore.of(0, new float[3], Fusion.LAVIS, 1.0));
    }
}
