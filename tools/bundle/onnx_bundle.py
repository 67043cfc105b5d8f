"""Writing a model bundle's files (docs/bundle.md), shared by every exporter:
contract shapes on graph I/O, one shared weights.bin, the graph I/O spec of
bundle.json, checksums, and the float16 rewrite of a finished bundle.

Needs only onnx and numpy (no torch), so it imports anywhere the bundle tools
run.
"""
import hashlib
import os

import numpy as np
import onnx
from onnx import numpy_helper

OPSET = 17
WEIGHTS_FILE = "weights.bin"
EXTERNAL_MIN_BYTES = 1024  # smaller initializers stay inside their graph
ALIGN = 64
# files of a bundle directory that bundle.json does not checksum
UNCHECKED = ("bundle.json", "golden.json", "eval.json")


def declare_shapes(model, shapes):
    """Writes the contract's shapes on the graph's inputs and outputs (the
    exporter leaves some output dims symbolic)."""
    for v in list(model.graph.input) + list(model.graph.output):
        dims = v.type.tensor_type.shape.dim
        want = shapes[v.name]
        if len(dims) != len(want):
            raise ValueError("%s has rank %d, contract says %d" % (v.name, len(dims), len(want)))
        for d, w in zip(dims, want):
            if isinstance(w, int):
                d.ClearField("dim_param")
                d.dim_value = w
            else:
                d.ClearField("dim_value")
                d.dim_param = w


class SharedWeights:
    """Moves large initializers of every graph into one file, each distinct
    tensor (by dtype, shape and bytes) stored once."""

    def __init__(self, path):
        self.path = path
        self.location = os.path.basename(path)
        self.f = open(path, "wb")
        self.offsets = {}

    def externalize(self, model):
        for t in model.graph.initializer:
            arr = numpy_helper.to_array(t)
            raw = arr.tobytes()
            if len(raw) < EXTERNAL_MIN_BYTES:
                continue
            if arr.dtype == np.float32 and np.array_equal(arr.astype(np.float16).astype(np.float32), arr):
                raw = self.as_fp16(model, t, arr)
            key = hashlib.sha256(str((t.data_type, list(t.dims))).encode() + raw).hexdigest()
            if key not in self.offsets:
                pad = (-self.f.tell()) % ALIGN
                self.f.write(b"\0" * pad)
                self.offsets[key] = self.f.tell()
                self.f.write(raw)
            t.ClearField("raw_data")
            for field in ("float_data", "int32_data", "int64_data", "double_data"):
                t.ClearField(field)
            t.data_location = onnx.TensorProto.EXTERNAL
            del t.external_data[:]
            for k, v in (("location", self.location), ("offset", str(self.offsets[key])),
                         ("length", str(len(raw)))):
                entry = t.external_data.add()
                entry.key, entry.value = k, v

    @staticmethod
    def as_fp16(model, t, arr):
        """Store a float32 tensor whose values are all exact in fp16 as fp16,
        with a Cast back to float32 in front of its users: half the bytes, the
        same numbers."""
        name = t.name
        t.name = name + "_fp16"
        t.data_type = onnx.TensorProto.FLOAT16
        cast = onnx.helper.make_node("Cast", [t.name], [name], to=onnx.TensorProto.FLOAT,
                                     name=name + "_cast")
        model.graph.node.insert(0, cast)
        return arr.astype(np.float16).tobytes()

    def close(self):
        self.f.close()


def io_spec(model):
    """bundle.json's inputs and outputs of one graph: {name, dtype, shape},
    dtype the lower-case ONNX type name ("float", "float16", "int64")."""
    def spec(v):
        tt = v.type.tensor_type
        dims = [d.dim_param if d.dim_param else d.dim_value for d in tt.shape.dim]
        return {"name": v.name, "dtype": onnx.TensorProto.DataType.Name(tt.elem_type).lower(),
                "shape": dims}
    return {"inputs": [spec(v) for v in model.graph.input],
            "outputs": [spec(v) for v in model.graph.output]}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_checksums(out):
    """bundle.json's files section: every graph, weights and tokenizer file."""
    return {f: {"sha256": sha256(os.path.join(out, f)), "bytes": os.path.getsize(os.path.join(out, f))}
            for f in sorted(os.listdir(out))
            if f.endswith((".onnx", ".bin", ".json")) and f not in UNCHECKED}


# ---- float16 ----------------------------------------------------------------

def round_initializers_to_fp16(model, min_bytes=EXTERNAL_MIN_BYTES):
    """Rounds every float32 initializer of min_bytes or more to the nearest
    float16 value (still held as float32; SharedWeights then stores it as
    float16 with a Cast). Returns how many were rounded. Lossy: this is the
    weight precision of a float16 model, with float32 arithmetic."""
    n = 0
    for t in model.graph.initializer:
        if t.data_type != onnx.TensorProto.FLOAT:
            continue
        arr = numpy_helper.to_array(t)
        if arr.nbytes < min_bytes:
            continue
        t.CopyFrom(numpy_helper.from_array(arr.astype(np.float16).astype(np.float32), t.name))
        n += 1
    return n


def _rename_uses(graph, old, new):
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new


def float16_io(model):
    """Makes every float32 graph input and output float16 with a Cast at the
    boundary: float16 in -> Cast to float32 -> the unchanged graph -> Cast
    to float16 out. Names stay those of the contract. Returns the names
    changed."""
    g = model.graph
    changed = []
    casts_in = []
    for v in g.input:
        tt = v.type.tensor_type
        if tt.elem_type != onnx.TensorProto.FLOAT:
            continue
        inner = v.name + "_f32"
        _rename_uses(g, v.name, inner)
        casts_in.append(onnx.helper.make_node("Cast", [v.name], [inner], to=onnx.TensorProto.FLOAT,
                                              name=v.name + "_to_f32"))
        tt.elem_type = onnx.TensorProto.FLOAT16
        changed.append(v.name)
    for v in g.output:
        tt = v.type.tensor_type
        if tt.elem_type != onnx.TensorProto.FLOAT:
            continue
        inner = v.name + "_f32"
        for node in g.node:
            for i, name in enumerate(node.output):
                if name == v.name:
                    node.output[i] = inner
        _rename_uses(g, v.name, inner)
        g.node.append(onnx.helper.make_node("Cast", [inner], [v.name], to=onnx.TensorProto.FLOAT16,
                                            name=v.name + "_to_f16"))
        tt.elem_type = onnx.TensorProto.FLOAT16
        changed.append(v.name)
    for i, c in enumerate(casts_in):
        g.node.insert(i, c)
    return changed
