package org.qsearch.encoder;

import java.util.List;

/** One ONNX graph of a bundle: its file and declared inputs and outputs, in order. */
public record GraphSpec(String name, String file, List<TensorSpec> inputs, List<TensorSpec> outputs) {}
