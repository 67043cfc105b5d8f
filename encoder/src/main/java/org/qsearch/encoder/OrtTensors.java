package org.qsearch.encoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs one graph on flat float/long arrays; every native tensor is closed before returning. */
final class OrtTensors {
    private OrtTensors() {}

    /** A named input: float32 or int64 data with its shape. */
    record Input(String name, Object data, long[] shape) {
        static Input floats(String name, float[] data, long... shape) {
            return new Input(name, data, shape);
        }

        static Input longs(String name, long[] data, long... shape) {
            return new Input(name, data, shape);
        }
    }

    /** Runs the session and copies the named float outputs out, in the order asked. */
    static float[][] run(OrtEnvironment env, OrtSession session, List<Input> inputs, List<String> outputs) {
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            for (Input in : inputs) {
                feed.put(in.name(), in.data() instanceof float[] f
                        ? OnnxTensor.createTensor(env, FloatBuffer.wrap(f), in.shape())
                        : OnnxTensor.createTensor(env, LongBuffer.wrap((long[]) in.data()), in.shape()));
            }
            try (OrtSession.Result result = session.run(feed, new java.util.LinkedHashSet<>(outputs))) {
                float[][] out = new float[outputs.size()][];
                for (int i = 0; i < out.length; i++) {
                    OnnxValue v = result.get(outputs.get(i)).orElseThrow();
                    FloatBuffer buf = ((OnnxTensor) v).getFloatBuffer();
                    out[i] = new float[buf.remaining()];
                    buf.get(out[i]);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    static long[] flatten(long[][] rows) {
        int w = rows.length == 0 ? 0 : rows[0].length;
        long[] out = new long[rows.length * w];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * w, w);
        }
        return out;
    }

    static float[] concat(List<float[]> parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
