package org.qsearch.encoder;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The float16 conversion at the graph boundary. */
class OrtTensorsTest {
    @Test
    void exactValuesRoundTrip() {
        float[] exact = {0f, -0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, 0.099975586f};
        assertArrayEquals(exact, OrtTensors.fromFloat16(OrtTensors.toFloat16(exact)));
    }

    @Test
    void roundsToNearestWithinHalfAnUlp() {
        float[] in = new float[2000];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) Math.sin(i * 0.37) * (1 + i % 7) * 3.3f;
        }
        float[] out = OrtTensors.fromFloat16(OrtTensors.toFloat16(in));
        for (int i = 0; i < in.length; i++) {
            // binary16 has 11 significant bits: relative error <= 2^-11
            assertTrue(Math.abs(out[i] - in[i]) <= Math.abs(in[i]) * 0x1p-11f, in[i] + " -> " + out[i]);
        }
    }

    @Test
    void overflowAndNan() {
        float[] out = OrtTensors.fromFloat16(OrtTensors.toFloat16(new float[] {1e6f, -1e6f, Float.NaN}));
        assertEquals(Float.POSITIVE_INFINITY, out[0]);
        assertEquals(Float.NEGATIVE_INFINITY, out[1]);
        assertTrue(Float.isNaN(out[2]));
    }
}
