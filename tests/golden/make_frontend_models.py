#!/usr/bin/python3
"""Generates the committed frontend golden models (tests/golden/frontends), once.

    /usr/bin/python3 tests/golden/make_frontend_models.py [OUT_DIR]

One small float CNN per source format, a few KB each, with seeded random weights:
  cnn.onnx  written with python3-onnx's helper (Conv, BatchNormalization, Relu, MaxPool,
            grouped Conv, HardSwish, GlobalAveragePool, Flatten, Gemm, Softmax);
            expected outputs from onnxruntime-node (tests/oracles/ort_run.mjs)
  cnn.pb    a frozen GraphDef written with tests/tensorflow/tfgraph.py (Conv2D, BiasAdd,
            Relu6, DepthwiseConv2dNative, AvgPool, Reshape, MatMul, Softmax);
            expected outputs from TensorFlow's definitions in numpy
            (tests/tensorflow/tf_numpy_ref.py)
  cnn.h5    a Keras 2 .h5 written with h5py (tests/keras/keras_files.py: Conv2D,
            BatchNormalization, ReLU activation, DepthwiseConv2D, Add, GlobalAveragePooling2D,
            Dense softmax); expected outputs from Keras' formulas in numpy
            (tests/keras/keras_numpy_ref.py)
and, per model, <file>.in0.npy and <file>.<source>.out0.npy, plus MANIFEST: one line
"FILE SOURCE INPUTS OUTPUTS" (INPUTS/OUTPUTS are GraphDef node names, "-" otherwise) under
a header naming the generator, each source and its version. test_golden_frontends.c
loads each file with npuquant, checks the float outputs, converts it to int8 and checks
that model too.
"""
import datetime
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
for sub in ("oracles", "tensorflow", "keras"):
    sys.path.insert(0, os.path.join(TESTS, sub))
import oracles  # noqa: E402
import keras_files as kf  # noqa: E402
import keras_numpy_ref as KR  # noqa: E402
import tf_numpy_ref as TR  # noqa: E402
from tfgraph import DType, Graph  # noqa: E402

rng = np.random.default_rng(1616)


def rnd(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def onnx_cnn(path):
    import onnx  # noqa: PLC0415 (Debian python3-onnx)
    from onnx import TensorProto, helper, numpy_helper  # noqa: PLC0415
    inits = {
        "w1": rnd(8, 3, 3, 3, scale=0.3), "b1": rnd(8, scale=0.1),
        "bn_s": (1 + 0.1 * rnd(8)), "bn_b": rnd(8, scale=0.1), "bn_m": rnd(8, scale=0.1),
        "bn_v": (0.5 + np.abs(rnd(8))).astype(np.float32),
        "w2": rnd(8, 1, 3, 3, scale=0.3), "b2": rnd(8, scale=0.1),
        "fc_w": rnd(8, 5, scale=0.5), "fc_b": rnd(5, scale=0.1),
    }
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "bn_s", "bn_b", "bn_m", "bn_v"], ["bn"], epsilon=1e-3),
        helper.make_node("Relu", ["bn"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1], group=8),
        helper.make_node("HardSwish", ["c2"], ["hs"]),
        helper.make_node("GlobalAveragePool", ["hs"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["flat"]),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["y"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "golden_cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 12, 12])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, path)
    x = rnd(1, 3, 12, 12)
    return x, oracles.run("ort", path, [x])[0], "ort"


def graphdef_cnn(path):
    w1, b1 = rnd(3, 3, 3, 6, scale=0.3), rnd(6, scale=0.1)
    w2, b2 = rnd(3, 3, 6, 1, scale=0.3), rnd(6, scale=0.1)
    wf, bf = rnd(54, 4, scale=0.3), rnd(4, scale=0.1)
    g = Graph()
    g.placeholder("x", [1, 12, 12, 3])
    g.const("w1", w1)
    g.const("b1", b1)
    g.op("conv", "Conv2D", ["x", "w1"], strides=[1, 2, 2, 1], padding="SAME", T=DType(1))
    g.op("bias", "BiasAdd", ["conv", "b1"], T=DType(1))
    g.op("relu6", "Relu6", ["bias"], T=DType(1))
    g.const("w2", w2)
    g.op("dw", "DepthwiseConv2dNative", ["relu6", "w2"], strides=[1, 1, 1, 1], padding="SAME", T=DType(1))
    g.const("b2", b2)
    g.op("dwb", "BiasAdd", ["dw", "b2"], T=DType(1))
    g.op("pool", "AvgPool", ["dwb"], ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID", T=DType(1))
    g.const("shape", np.array([1, 54], np.int32))
    g.op("flat", "Reshape", ["pool", "shape"], T=DType(1))
    g.const("wf", wf)
    g.op("mm", "MatMul", ["flat", "wf"], T=DType(1))
    g.const("bf", bf)
    g.op("logits", "BiasAdd", ["mm", "bf"], T=DType(1))
    g.op("y", "Softmax", ["logits"], T=DType(1))
    g.save(path)
    x = rnd(1, 12, 12, 3)
    h = np.clip(TR.conv2d(x.astype(np.float64), w1, (2, 2), "SAME") + b1, 0, 6)
    h = TR.depthwise(h, w2, (1, 1), "SAME") + b2
    h = TR.avg_pool(h, (2, 2), (2, 2)).reshape(1, 54)
    z = h @ wf + bf
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return x, (e / e.sum(axis=1, keepdims=True)).astype(np.float32), "numpy"


def keras_cnn(path):
    layers, weights = [], {}

    def layer(cls, name, inputs, ws=(), **cfg):
        cfg["name"] = name
        layers.append({"class_name": cls, "name": name, "config": cfg,
                       "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]] if inputs else []})
        weights[name] = [("%s/w%d:0" % (name, k), np.asarray(w, np.float32)) for k, w in enumerate(ws)]

    layer("InputLayer", "x", [], batch_input_shape=[None, 10, 10, 3], dtype="float32")
    layer("Conv2D", "conv", ["x"], [rnd(3, 3, 3, 8, scale=0.3), rnd(8, scale=0.1)], filters=8, kernel_size=[3, 3],
          strides=[1, 1], padding="same", dilation_rate=[1, 1], activation="linear", use_bias=True)
    layer("BatchNormalization", "bn", ["conv"], [1 + 0.1 * rnd(8), rnd(8, scale=0.1), rnd(8, scale=0.1),
                                                 0.5 + np.abs(rnd(8))], axis=[3], epsilon=1e-3,
          center=True, scale=True)
    layer("Activation", "relu", ["bn"], activation="relu")
    layer("DepthwiseConv2D", "dw", ["relu"], [rnd(3, 3, 8, 1, scale=0.3), rnd(8, scale=0.1)], kernel_size=[3, 3],
          strides=[1, 1], padding="same", depth_multiplier=1, dilation_rate=[1, 1], activation="relu",
          use_bias=True)
    layer("Add", "add", ["relu", "dw"])
    layer("GlobalAveragePooling2D", "gap", ["add"])
    layer("Dense", "y", ["gap"], [rnd(8, 4, scale=0.5), rnd(4, scale=0.1)], units=4, activation="softmax",
          use_bias=True)
    cfg = {"class_name": "Functional", "config": {"name": "golden_cnn", "layers": layers,
                                                  "input_layers": [["x", 0, 0]], "output_layers": [["y", 0, 0]]}}
    kf.legacy_h5(path, cfg, weights, "2.4.0")
    x = rnd(1, 10, 10, 3)
    return x, KR.eval_h5(path, [x])[0].astype(np.float32), "numpy"


def versions():
    pkg = os.path.join(oracles.ORACLES, "node_modules", "onnxruntime-node", "package.json")
    with open(pkg) as f:
        ort = json.load(f)["version"]
    import onnx  # noqa: PLC0415
    import h5py  # noqa: PLC0415
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return ["onnxruntime-node %s (node %s), tests/oracles/ort_run.mjs; model by python3-onnx %s"
            % (ort, node, onnx.__version__),
            "numpy %s: tests/tensorflow/tf_numpy_ref.py (cnn.pb), tests/keras/keras_numpy_ref.py (cnn.h5, "
            "written with h5py %s)" % (np.__version__, h5py.__version__)]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "frontends")
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    lines = []
    formats = (("cnn.onnx", onnx_cnn, "- -"), ("cnn.pb", graphdef_cnn, "x y"), ("cnn.h5", keras_cnn, "- -"))
    for name, make, io in formats:
        path = os.path.join(out_dir, name)
        x, y, src = make(path)
        np.save(os.path.join(out_dir, name + ".in0.npy"), x)
        np.save(os.path.join(out_dir, "%s.%s.out0.npy" % (name, src)), y.astype(np.float32))
        lines.append("%s %s %s" % (name, src, io))
        print("%s: %d bytes, output %s from %s" % (name, os.path.getsize(path), y.shape, src))
    ort, numpy_line = versions()
    with open(os.path.join(out_dir, "MANIFEST"), "w") as f:
        f.write("# npuquant frontend golden models: FILE SOURCE INPUTS OUTPUTS. FILE run in float on\n")
        f.write("# FILE.in0.npy gives FILE.SOURCE.out0.npy, computed by SOURCE; INPUTS/OUTPUTS name a\n")
        f.write("# GraphDef's input and output nodes (- for other formats).\n")
        f.write("# Generated %s by tests/golden/make_frontend_models.py.\n" % datetime.date.today().isoformat())
        f.write("# source ort: %s\n# source numpy: %s\n" % (ort, numpy_line))
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
