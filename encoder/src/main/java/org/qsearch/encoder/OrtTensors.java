package org.qsearch.encoder;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one graph on flat float/long arrays; every native tensor is closed
 * before returning. The only place that builds ONNX tensors: a float input or
 * output the bundle declares as float16 is converted here, at the graph
 * boundary, so the rest of the engine works in float32 whatever the bundle.
 */
final class OrtTensors {
    private OrtTensors() {}

    /** A named input: float or int64 data with its shape. */
    record Input(String name, Object data, long[] shape) {
        static Input floats(String name, float[] data, long... shape) {
            return new Input(name, data, shape);
        }

        static Input longs(String name, long[] data, long... shape) {
            return new Input(name, data, shape);
        }
    }

    /** Runs graph g and copies the named outputs out as float32, in the order asked. */
    static float[][] run(OnnxSessions sessions, Graph g, List<Input> inputs, List<String> outputs) {
        OrtEnvironment env = sessions.env();
        OrtSession session = sessions.session(g);
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            for (Input in : inputs) {
                feed.put(in.name(), tensor(env, in, sessions.dtype(g, in.name(), true)));
            }
            try (OrtSession.Result result = session.run(feed, new java.util.LinkedHashSet<>(outputs))) {
                float[][] out = new float[outputs.size()][];
                for (int i = 0; i < out.length; i++) {
                    OnnxValue v = result.get(outputs.get(i)).orElseThrow();
                    out[i] = floats((OnnxTensor) v, sessions.dtype(g, outputs.get(i), false));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private static OnnxTensor tensor(OrtEnvironment env, Input in, Dtype dtype) throws OrtException {
        return switch (in.data()) {
            case float[] f when dtype == Dtype.FLOAT32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(f), in.shape());
            case float[] f when dtype == Dtype.FLOAT16 ->
                    OnnxTensor.createTensor(env, ShortBuffer.wrap(toFloat16(f)), in.shape(), OnnxJavaType.FLOAT16);
            case long[] l when dtype == Dtype.INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(l), in.shape());
            default -> throw new IllegalStateException("input " + in.name() + ": "
                    + in.data().getClass().getSimpleName() + " data for a graph input of dtype " + dtype.manifestName);
        };
    }

    private static float[] floats(OnnxTensor t, Dtype dtype) {
        return switch (dtype) {
            case FLOAT32 -> {
                FloatBuffer buf = t.getFloatBuffer();
                float[] out = new float[buf.remaining()];
                buf.get(out);
                yield out;
            }
            case FLOAT16 -> {
                ShortBuffer buf = t.getShortBuffer();
                short[] bits = new short[buf.remaining()];
                buf.get(bits);
                yield fromFloat16(bits);
            }
            case INT64 -> throw new IllegalStateException("an int64 graph output where floats were expected");
        };
    }

    /** float32 -> IEEE 754 binary16 bits, round to nearest even (overflow gives infinity). */
    static short[] toFloat16(float[] f) {
        short[] out = new short[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.floatToFloat16(f[i]);
        }
        return out;
    }

    static float[] fromFloat16(short[] bits) {
        float[] out = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            out[i] = Float.float16ToFloat(bits[i]);
        }
        return out;
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
