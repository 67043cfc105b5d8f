"""Unit tests of the bundle-writing helpers (onnx + numpy only).

    /usr/bin/python3 -m unittest discover -s tools/bundle -t tools/bundle
"""
import os
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import onnx_bundle


def small_graph(weight):
    """y = MatMul(x, W) + b; ids passes through a Gather so an int64 input exists."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 16])
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 16])
    e = helper.make_tensor_value_info("e", TensorProto.FLOAT, ["batch", 3, 16])
    nodes = [helper.make_node("MatMul", ["x", "W"], ["xw"]),
             helper.make_node("Add", ["xw", "b"], ["y"]),
             helper.make_node("Gather", ["W", "input_ids"], ["e"])]
    inits = [numpy_helper.from_array(weight, "W"), numpy_helper.from_array(np.ones(16, np.float32), "b")]
    graph = helper.make_graph(nodes, "g", [x, ids], [y, e], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", onnx_bundle.OPSET)])


class Float16Tests(unittest.TestCase):
    def setUp(self):
        self.w = (np.arange(256, dtype=np.float32).reshape(16, 16) * 0.0123).astype(np.float32)

    def test_io_becomes_float16_with_casts_and_same_names(self):
        m = small_graph(self.w)
        changed = onnx_bundle.float16_io(m)
        self.assertEqual(changed, ["x", "y", "e"])
        spec = onnx_bundle.io_spec(m)
        self.assertEqual([(t["name"], t["dtype"]) for t in spec["inputs"]],
                         [("x", "float16"), ("input_ids", "int64")])
        self.assertEqual([(t["name"], t["dtype"]) for t in spec["outputs"]],
                         [("y", "float16"), ("e", "float16")])
        self.assertEqual(spec["inputs"][0]["shape"], ["batch", 16])
        first, last = m.graph.node[0], m.graph.node[-1]
        self.assertEqual((first.op_type, list(first.input)), ("Cast", ["x"]))
        self.assertEqual(m.graph.node[1].input[0], first.output[0])  # MatMul reads the cast
        self.assertEqual((last.op_type, list(last.output)), ("Cast", ["e"]))
        onnx.checker.check_model(m)
        inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
        self.assertEqual(inferred.graph.output[0].type.tensor_type.elem_type, TensorProto.FLOAT16)

    def test_weights_rounded_to_float16_values(self):
        m = small_graph(self.w)
        self.assertEqual(onnx_bundle.round_initializers_to_fp16(m), 1)  # b is 64 bytes: left alone
        w = numpy_helper.to_array(m.graph.initializer[0])
        self.assertEqual(w.dtype, np.float32)
        np.testing.assert_array_equal(w, self.w.astype(np.float16).astype(np.float32))
        np.testing.assert_allclose(w, self.w, rtol=2 ** -11)

    def test_shared_weights_store_each_tensor_once_as_float16(self):
        with tempfile.TemporaryDirectory() as tmp:
            shared = onnx_bundle.SharedWeights(os.path.join(tmp, onnx_bundle.WEIGHTS_FILE))
            models = []
            for _ in range(2):
                m = small_graph(self.w)
                onnx_bundle.round_initializers_to_fp16(m)
                onnx_bundle.float16_io(m)
                shared.externalize(m)
                models.append(m)
            shared.close()
            self.assertEqual(os.path.getsize(shared.path), 256 * 2)  # one float16 copy
            for i, m in enumerate(models):
                path = os.path.join(tmp, "g%d.onnx" % i)
                onnx.save(m, path)
                onnx.checker.check_model(path)
                back = onnx.load(path)
                w16 = [t for t in back.graph.initializer if t.name == "W_fp16"][0]
                np.testing.assert_array_equal(numpy_helper.to_array(w16).astype(np.float32),
                                              self.w.astype(np.float16).astype(np.float32))
            sums = onnx_bundle.file_checksums(tmp)
            self.assertEqual(sorted(sums), ["g0.onnx", "g1.onnx", "weights.bin"])
            self.assertEqual(sums["weights.bin"]["bytes"], 512)


class DeclareShapesTests(unittest.TestCase):
    def test_declare_shapes_checks_rank(self):
        m = small_graph(np.zeros((16, 16), np.float32))
        with self.assertRaises(ValueError):
            onnx_bundle.declare_shapes(m, {"x": ["batch"], "input_ids": ["batch", 3], "y": ["batch", 16],
                                           "e": ["batch", 3, 16]})


if __name__ == "__main__":
    unittest.main()
