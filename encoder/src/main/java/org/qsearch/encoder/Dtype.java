package org.qsearch.encoder;

import ai.onnxruntime.OnnxJavaType;

import java.util.Arrays;
import java.util.List;

/**
 * The element types a bundle graph may declare for an input or output
 * (bundle.json {@code dtype}, the lower-case ONNX TensorProto name). Float
 * tensors are float32 or float16; ids and masks are int64. The engine always
 * works in Java float[]/long[]; {@link OrtTensors} converts float16 at the
 * graph boundary.
 */
enum Dtype {
    FLOAT32("float", OnnxJavaType.FLOAT),
    FLOAT16("float16", OnnxJavaType.FLOAT16),
    INT64("int64", OnnxJavaType.INT64);

    /** How bundle.json spells it. */
    final String manifestName;
    final OnnxJavaType ort;

    Dtype(String manifestName, OnnxJavaType ort) {
        this.manifestName = manifestName;
        this.ort = ort;
    }

    boolean isFloat() {
        return this != INT64;
    }

    /** The dtype bundle.json names, or null when the engine does not support it. */
    static Dtype ofManifest(String name) {
        for (Dtype d : values()) {
            if (d.manifestName.equals(name)) {
                return d;
            }
        }
        return null;
    }

    static List<String> floatNames() {
        return Arrays.stream(values()).filter(Dtype::isFloat).map(d -> d.manifestName).toList();
    }
}
