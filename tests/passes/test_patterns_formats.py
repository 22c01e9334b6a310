#!/usr/bin/python3
"""One pattern, four formats, one int8 model: hard-swish, GELU (erf and tanh forms)
and a LayerNorm, each written as separate elementwise ops in ONNX (python3-onnx's helper),
a TF GraphDef (tests/tensorflow/tfgraph.py), a Keras 2 .h5 (tests/keras/keras_files.py,
python3-h5py) and a float .tflite (the independent writer of examples/fashion), the
way exporters and hand-written code spell them (the erf GELU from Keras is its gelu
activation and from TFLite the GELU op: neither format has an erf). The pass pipeline
(src/passes/) is what makes them equal, so for every pattern:

- the float model as npuquant loads it (fused) agrees with float64 numpy of the
  unfused formula within 1e-5 relative to the output range, and, for ONNX, with
  onnxruntime-node running the file;
- `convert` writes the same int8 op list from all four files (hard-swish: one
  HARD_SWISH; GELU: one GELU; LayerNorm: MEAN/SUB/MUL/MEAN/ADD/RSQRT/MUL/MUL/ADD,
  no DIV, SQRT or POW), with no float op left but the QUANTIZE/DEQUANTIZE at the ends;
- the int8 model runs bit-identically in LiteRT.js and in npuquant (--single-rounding,
  the XNNPACK arithmetic LiteRT.js runs).
"""
import json
import os
import shutil
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
for sub in ("../oracles", "../tensorflow", "../keras", "../../examples/fashion"):
    sys.path.insert(0, os.path.join(HERE, sub))
import oracles  # noqa: E402

try:
    import h5py  # noqa: F401,E402
    import onnx  # noqa: E402
    from onnx import TensorProto, helper  # noqa: E402
    import flatbuffers  # noqa: F401,E402
except ImportError as e:
    oracles.skip("python module missing: %s (python3-onnx, python3-h5py, python3-flatbuffers)" % e)
import keras_files as kf  # noqa: E402
import tfgraph  # noqa: E402
import tflite_min_writer as tw  # noqa: E402

SHAPE = (1, 8, 32)
C = SHAPE[-1]
GELU_C = 0.7978845608028654
rng = np.random.default_rng(16)
GAMMA = rng.uniform(0.5, 2.0, C).astype(np.float32)
BETA = rng.uniform(-1.0, 1.0, C).astype(np.float32)
EPS = 1e-3


# ---------------- float64 references of the unfused formulas ----------------
def ref_hswish(x):
    return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0


def ref_gelu(x):
    return 0.5 * x * (1.0 + np.tanh(GELU_C * (x + 0.044715 * x ** 3)))


def ref_gelu_erf(x):
    from math import erf
    return 0.5 * x * (1.0 + np.vectorize(erf)(x / np.sqrt(2.0)))


def ref_layernorm(x):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + EPS) * GAMMA + BETA


# ---------------- ONNX (opset 13), as torch exports them ----------------
def onnx_model(path, nodes, consts, opset=13):
    inits = [helper.make_tensor(k, TensorProto.FLOAT, np.shape(v), np.ravel(v).tolist()) for k, v in consts.items()]
    g = helper.make_graph(nodes, "m", [helper.make_tensor_value_info("x", TensorProto.FLOAT, SHAPE)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, SHAPE)], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="npuquant-test")
    onnx.save(m, path)


def onnx_hswish(path):  # x * clip(x + 3, 0, 6) / 6  (torch's hardswish decomposed)
    N = helper.make_node
    onnx_model(path, [N("Add", ["x", "three"], ["a"]), N("Clip", ["a", "zero", "six"], ["c"]),
                      N("Mul", ["x", "c"], ["m"]), N("Div", ["m", "six"], ["y"])],
               {"three": np.float32(3), "zero": np.float32(0), "six": np.float32(6)})


def onnx_gelu(path):  # torch gelu(approximate='tanh') export
    N = helper.make_node
    onnx_model(path, [N("Pow", ["x", "three"], ["x3"]), N("Mul", ["x3", "k1"], ["a"]), N("Add", ["x", "a"], ["i"]),
                      N("Mul", ["i", "k0"], ["b"]), N("Tanh", ["b"], ["t"]), N("Add", ["t", "one"], ["u"]),
                      N("Mul", ["x", "half"], ["h"]), N("Mul", ["h", "u"], ["y"])],
               {"three": np.float32(3), "k1": np.float32(0.044715), "k0": np.float32(GELU_C),
                "one": np.float32(1), "half": np.float32(0.5)})


def onnx_gelu_erf(path):  # torch nn.GELU() export
    N = helper.make_node
    onnx_model(path, [N("Div", ["x", "sqrt2"], ["d"]), N("Erf", ["d"], ["e"]), N("Add", ["e", "one"], ["u"]),
                      N("Mul", ["x", "u"], ["m"]), N("Mul", ["m", "half"], ["y"])],
               {"sqrt2": np.float32(1.4142135381698608), "one": np.float32(1), "half": np.float32(0.5)})


def onnx_layernorm(path):  # torch LayerNorm export before opset 17
    N = helper.make_node
    onnx_model(path, [N("ReduceMean", ["x"], ["m"], axes=[-1]), N("Sub", ["x", "m"], ["d"]),
                      N("Pow", ["d", "two"], ["s"]), N("ReduceMean", ["s"], ["v"], axes=[-1]),
                      N("Add", ["v", "eps"], ["ve"]), N("Sqrt", ["ve"], ["sd"]), N("Div", ["d", "sd"], ["n"]),
                      N("Mul", ["n", "gamma"], ["g"]), N("Add", ["g", "beta"], ["y"])],
               {"two": np.float32(2), "eps": np.float32(EPS), "gamma": GAMMA, "beta": BETA})


def onnx17_layernorm(path):  # torch LayerNorm export from opset 17: one LayerNormalization node
    onnx_model(path, [helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["y"], axis=-1, epsilon=EPS)],
               {"gamma": GAMMA, "beta": BETA}, opset=17)


# ---------------- TF GraphDef, as TF ops spell them by hand ----------------
def tf_graph():
    g = tfgraph.Graph()
    g.placeholder("x", list(SHAPE))
    return g


def tf_hswish(path):  # x * relu6(x + 3) / 6
    g = tf_graph()
    g.const("three", np.float32(3))
    g.const("six", np.float32(6))
    g.op("a", "AddV2", ["x", "three"])
    g.op("r", "Relu6", ["a"])
    g.op("m", "Mul", ["x", "r"])
    g.op("y", "RealDiv", ["m", "six"])
    g.save(path)


def tf_gelu(path):  # tf.nn.gelu(approximate=True): x^3 with Pow, constants multiplied in
    g = tf_graph()
    for k, v in (("three", 3), ("k1", 0.044715), ("k0", GELU_C), ("one", 1), ("half", 0.5)):
        g.const(k, np.float32(v))
    g.op("x3", "Pow", ["x", "three"])
    g.op("a", "Mul", ["k1", "x3"])
    g.op("i", "AddV2", ["x", "a"])
    g.op("b", "Mul", ["k0", "i"])
    g.op("t", "Tanh", ["b"])
    g.op("u", "AddV2", ["one", "t"])
    g.op("h", "Mul", ["half", "x"])
    g.op("y", "Mul", ["h", "u"])
    g.save(path)


def tf_gelu_erf(path):  # tf.nn.gelu(approximate=False)
    g = tf_graph()
    for k, v in (("sqrt2", 1.4142135623730951), ("one", 1), ("half", 0.5)):
        g.const(k, np.float32(v))
    g.op("h", "Mul", ["half", "x"])
    g.op("d", "RealDiv", ["x", "sqrt2"])
    g.op("e", "Erf", ["d"])
    g.op("u", "AddV2", ["one", "e"])
    g.op("y", "Mul", ["h", "u"])
    g.save(path)


def tf_layernorm(path):  # reduce_mean / square / sqrt / divide written out
    g = tf_graph()
    g.const("axis", np.array([-1], np.int32))
    g.const("eps", np.float32(EPS))
    g.const("gamma", GAMMA)
    g.const("beta", BETA)
    g.op("m", "Mean", ["x", "axis"], keep_dims=True)
    g.op("d", "Sub", ["x", "m"])
    g.op("s", "Square", ["d"])
    g.op("v", "Mean", ["s", "axis"], keep_dims=True)
    g.op("ve", "AddV2", ["v", "eps"])
    g.op("sd", "Sqrt", ["ve"])
    g.op("n", "RealDiv", ["d", "sd"])
    g.op("gm", "Mul", ["n", "gamma"])
    g.op("y", "AddV2", ["gm", "beta"])
    g.save(path)


# ---------------- Keras 2 .h5 (functional layers, no Lambda) ----------------
class KerasModel:
    def __init__(self):
        self.layers, self.weights = [], {}
        self.layers.append({"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
                            "config": {"batch_input_shape": [None] + list(SHAPE[1:]), "dtype": "float32",
                                       "name": "x"}})

    def add(self, cls, name, inputs, weights=(), **cfg):
        cfg["name"] = name
        self.layers.append({"class_name": cls, "name": name, "config": cfg,
                            "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]]})
        self.weights[name] = [("%s/w%d:0" % (name, k), np.asarray(w, np.float32)) for k, w in enumerate(weights)]
        return name

    def save(self, path, out):
        cfg = {"class_name": "Functional", "config": {"name": "m", "layers": self.layers,
                                                      "input_layers": [["x", 0, 0]], "output_layers": [[out, 0, 0]]}}
        kf.legacy_h5(path, cfg, self.weights, "2.4.0")


def keras_hswish(path):  # Rescaling(offset=3) -> ReLU(max_value=6) -> Multiply -> Rescaling(1/6)
    k = KerasModel()
    k.add("Rescaling", "plus3", ["x"], scale=1.0, offset=3.0)
    k.add("ReLU", "relu6", ["plus3"], max_value=6.0)
    k.add("Multiply", "mul", ["x", "relu6"])
    k.save(path, k.add("Rescaling", "sixth", ["mul"], scale=1.0 / 6.0, offset=0.0))


def keras_gelu(path):  # the tanh formula with Multiply / Add / Rescaling / Activation layers
    k = KerasModel()
    k.add("Multiply", "x2", ["x", "x"])
    k.add("Multiply", "x3", ["x2", "x"])
    k.add("Rescaling", "a", ["x3"], scale=0.044715, offset=0.0)
    k.add("Add", "i", ["x", "a"])
    k.add("Rescaling", "b", ["i"], scale=GELU_C, offset=0.0)
    k.add("Activation", "t", ["b"], activation="tanh")
    k.add("Rescaling", "u", ["t"], scale=1.0, offset=1.0)
    k.add("Rescaling", "h", ["x"], scale=0.5, offset=0.0)
    k.save(path, k.add("Multiply", "y", ["h", "u"]))


def keras_gelu_erf(path):  # keras.activations.gelu is the erf form
    k = KerasModel()
    k.save(path, k.add("Activation", "gelu", ["x"], activation="gelu"))


def keras_layernorm(path):
    k = KerasModel()
    k.save(path, k.add("LayerNormalization", "ln", ["x"], [GAMMA, BETA], axis=-1, epsilon=EPS, center=True,
                       scale=True))


# ---------------- float .tflite (independent writer), DIV and POW left in ----------------
EXTRA_OPS = {"ADD": (0, 0), "MUL": (18, 0), "SUB": (41, 0), "DIV": (42, 0), "RELU6": (21, 0), "TANH": (28, 0),
             "POW": (78, 0), "SQRT": (75, 0), "MEAN": (40, 27), "MINIMUM": (57, 0), "MAXIMUM": (55, 0),
             "GELU": (150, 116)}


class TfliteModel(tw.Model):
    def _options(self, b, name, o):
        if name == "MEAN":  # ReducerOptions.keep_dims
            b.StartObject(1)
            b.PrependBoolSlot(0, True, False)
            return b.EndObject()
        if name == "GELU":  # GeluOptions.approximate
            b.StartObject(1)
            b.PrependBoolSlot(0, bool(o.get("approximate", False)), False)
            return b.EndObject()
        if name in EXTRA_OPS:
            return 0  # no options table: fused activation NONE
        return super()._options(b, name, o)

    def start(self):
        self.x = self.tensor("x", list(SHAPE))
        self.n = 0
        return self.x

    def scalar(self, v):
        return self.tensor("k%d" % len(self.tensors), [], np.array(v, np.float32))

    def do(self, op, *ins, shape=SHAPE, **opts):
        self.n += 1
        out = self.tensor("t%d" % self.n, list(shape))
        self.op(op, list(ins), [out], **opts)
        return out

    def save(self, path, y):
        self.inputs, self.outputs = [self.x], [y]
        with open(path, "wb") as fh:
            fh.write(self.serialize(description="npuquant passes test"))


def tflite_hswish(path):  # x * min(max(x + 3, 0), 6) / 6: a clamp with MAXIMUM/MINIMUM
    m = TfliteModel()
    x = m.start()
    a = m.do("ADD", x, m.scalar(3))
    c = m.do("MINIMUM", m.do("MAXIMUM", a, m.scalar(0)), m.scalar(6))
    m.save(path, m.do("DIV", m.do("MUL", x, c), m.scalar(6)))


def tflite_gelu(path):
    m = TfliteModel()
    x = m.start()
    a = m.do("MUL", m.do("POW", x, m.scalar(3)), m.scalar(0.044715))
    t = m.do("TANH", m.do("MUL", m.do("ADD", x, a), m.scalar(GELU_C)))
    m.save(path, m.do("MUL", m.do("MUL", x, m.scalar(0.5)), m.do("ADD", t, m.scalar(1))))


def tflite_gelu_erf(path):  # TFLite has no ERF: its GELU is the op itself
    m = TfliteModel()
    x = m.start()
    m.save(path, m.do("GELU", x, approximate=False))


def tflite_layernorm(path):
    m = TfliteModel()
    x = m.start()
    axis = m.tensor("axis", [1], np.array([-1]), np.int32)
    red = SHAPE[:-1] + (1,)
    mean = m.do("MEAN", x, axis, shape=red)
    d = m.do("SUB", x, mean)
    v = m.do("MEAN", m.do("POW", d, m.scalar(2)), axis, shape=red)
    sd = m.do("SQRT", m.do("ADD", v, m.scalar(EPS), shape=red), shape=red)
    n = m.do("DIV", d, sd)
    g = m.do("MUL", n, m.tensor("gamma", [C], GAMMA))
    m.save(path, m.do("ADD", g, m.tensor("beta", [C], BETA)))


PATTERNS = [
    ("hard-swish", ref_hswish, (-6, 6), {"HARD_SWISH"},
     {"onnx": onnx_hswish, "pb": tf_hswish, "h5": keras_hswish, "tflite": tflite_hswish}),
    ("gelu-tanh", ref_gelu, (-4, 4), {"GELU"},
     {"onnx": onnx_gelu, "pb": tf_gelu, "h5": keras_gelu, "tflite": tflite_gelu}),
    ("gelu-erf", ref_gelu_erf, (-4, 4), {"GELU"},
     {"onnx": onnx_gelu_erf, "pb": tf_gelu_erf, "h5": keras_gelu_erf, "tflite": tflite_gelu_erf}),
    ("layernorm", ref_layernorm, (-3, 3), {"MEAN", "SUB", "MUL", "ADD", "RSQRT"},
     {"onnx": onnx_layernorm, "onnx17": onnx17_layernorm, "pb": tf_layernorm, "h5": keras_layernorm,
      "tflite": tflite_layernorm}),
]
FLOAT_ONLY = {"DIV", "POW", "SQRT", "SQUARE", "MAXIMUM", "MINIMUM", "TANH", "ERF"}


def int8_ops(model):
    facts = oracles.tflite_facts(model)
    ops = sorted((o["op"], o["count"]) for o in facts["ops"])
    return [o for o in ops if o[0] not in ("QUANTIZE", "DEQUANTIZE")], facts


class Checks(oracles.Checks):
    def check(self, cond, what):
        if cond:
            print("ok  ", what)
        return super().check(cond, what)


def test():
    tw.OPS.update(EXTRA_OPS)
    checks = Checks("passes_formats")
    have_litert = have_ort = True
    tmp = tempfile.mkdtemp(prefix="nq_passes_")
    try:
        for name, ref, (lo, hi), must, writers in PATTERNS:
            xs = rng.uniform(lo, hi, (16,) + SHAPE[1:]).astype(np.float32)
            calib = os.path.join(tmp, name + "_calib.npy")
            np.save(calib, xs)
            x = xs[:1]
            want = ref(x.astype(np.float64))
            span = float(np.abs(want).max())
            op_lists = {}
            for fmt, write in writers.items():
                path = os.path.join(tmp, "%s_%s.%s" % (name, fmt, "onnx" if fmt == "onnx17" else fmt))
                write(path)
                tag = "%s from %s" % (name, fmt)
                got = oracles.run_ours(path, [x])[0]
                err = float(np.abs(got.astype(np.float64) - want).max()) / span
                checks.check(got.shape == want.shape and err <= 1e-5,
                             "%s: fused float vs numpy of the unfused formula, max error %.2g of the range" % (tag, err))
                if fmt.startswith("onnx") and have_ort:
                    try:
                        o = oracles.run("ort", path, [x])[0]
                        e2 = float(np.abs(got.astype(np.float64) - o).max()) / span
                        checks.check(e2 <= 1e-5, "%s: fused float vs onnxruntime on the file, %.2g" % (tag, e2))
                    except oracles.OracleSkip as e:
                        have_ort = False
                        print("note: onnxruntime-node not installed (%s)" % e)
                q = os.path.join(tmp, "%s_%s_int8.tflite" % (name, fmt))
                oracles.cli("convert", path, "-d", calib, "-o", q, "--input-type", "float32",
                            "--output-type", "float32", "--npu", "none", check=True)
                ops, facts = int8_ops(q)
                op_lists[fmt] = ops
                names = {o for o, _ in ops}
                checks.check(must <= names and not (names & FLOAT_ONLY),
                             "%s: int8 ops %s" % (tag, ", ".join("%s x%d" % o for o in ops)))
                if have_litert:
                    try:
                        lite = oracles.run("litert", q, [x])[0]
                        # LiteRT.js runs int8 in XNNPACK, which our single-rounding mode follows
                        ours = oracles.run_ours(q, [x], ["--single-rounding"])[0]
                        same = lite.shape == ours.shape and lite.tobytes() == ours.tobytes()
                        q_err = float(np.abs(ours.astype(np.float64) - want).max()) / span
                        checks.check(same, "%s: int8 in LiteRT.js bit-identical to npuquant (int8 vs float "
                                     "max error %.3f of the range)" % (tag, q_err))
                    except oracles.OracleSkip as e:
                        have_litert = False
                        print("note: LiteRT.js not installed (%s)" % e)
            first = next(iter(op_lists.values()))
            checks.check(all(v == first for v in op_lists.values()),
                         "%s: the same int8 ops from every format: %s" % (name, json.dumps(op_lists)))
        # An Erf that is no GELU runs in float but has no TFLite op: convert refuses it by name.
        path = os.path.join(tmp, "erf.onnx")
        onnx_model(path, [helper.make_node("Erf", ["x"], ["y"], name="lone_erf")], {})
        x = rng.uniform(-3, 3, (1,) + SHAPE[1:]).astype(np.float32)
        from math import erf
        got = oracles.run_ours(path, [x])[0]
        err = float(np.abs(got - np.vectorize(erf)(x.astype(np.float64))).max())
        checks.check(err <= 1e-6, "lone Erf from onnx: float vs numpy erf, max error %.2g" % err)
        np.save(os.path.join(tmp, "erf_calib.npy"), x)
        r = oracles.cli("convert", path, "-d", os.path.join(tmp, "erf_calib.npy"), "-o", os.path.join(tmp, "erf.tflite"))
        msg = (r.stdout + r.stderr).strip().splitlines()
        checks.check(r.returncode != 0 and "ERF" in (r.stdout + r.stderr) and
                     not os.path.exists(os.path.join(tmp, "erf.tflite")),
                     "lone Erf: convert refuses (exit %d: %s)" % (r.returncode, msg[-1] if msg else ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if checks.failures or (have_litert and have_ort):
        checks.finish()
    oracles.skip("LiteRT.js / onnxruntime-node missing: the int8 and ORT checks did not run")

if __name__ == "__main__":
    oracles.main(test)
