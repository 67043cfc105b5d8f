package org.qsearch.encoder;

import java.util.List;

/**
 * One input or output of a graph as bundle.json declares it. A dimension is
 * either a number or the name of a dynamic axis (held as -1 in {@link #dims()}).
 */
public record TensorSpec(String name, String dtype, List<Object> shape) {
    /** The declared dtype, or null when the engine does not support it (the bundle check refuses those). */
    Dtype type() {
        return Dtype.ofManifest(dtype);
    }

    public long[] dims() {
        return shape.stream().mapToLong(d -> d instanceof Number n ? n.longValue() : -1L).toArray();
    }
}
