#!/usr/bin/python3
"""`convert --split-weights` on models built here (no ../shared), checked in LiteRT.js.

Two ONNX models whose bias cancels W x (their inputs have a large common mean, and the
bias is minus the weights times it, as a folded normalisation gives): a Gemm on [1, 64]
and a 3x3 Conv on [1, 3, 8, 8], one weight per row ten times the others. int8 weight
rounding then leaves the output about 15 dB from float, whatever the activation ranges. Each is converted (float32 input and
output, --no-float-tail so every op stays int8) without and with --split-weights (by
name and auto). Asserted:
- the LiteRT.js output of the split model against float (numpy) on held-out samples
  gains at least 20 dB over the unsplit one (measured: figures printed);
- our executor (single rounding) gives LiteRT.js's output exactly on the split model;
- auto names the layer and prints its weight-only SQNR before and after; the split model
  has two layers of the op and an ADD; a name that is no node is an error naming it.
Skips (exit 77) without python3-onnx or LiteRT.js.
"""
import os
import re
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

MEAN = 8.0  # the inputs' common mean, which the bias cancels
BIG = 10.0  # one weight per row this large sets the row's int8 step, coarse for the others
# What the split gains is capped by the input's own int8 step (x in 0..9 at 1/28 a step, its error
# through the same cancellation): about 35 dB after the split. Measured: fc 15.93 -> 34.61 dB,
# conv 14.99 -> 34.55 dB (weight-only SQNR 15.3 -> 62.1 and 14.8 -> 66.6 dB).
GAIN_DB = 15.0


def build(path, kind):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(11)
    if kind == "fc":
        w = rng.normal(0, 1, size=(16, 64)).astype(np.float32)
        w[:, 0] = BIG * np.sign(w[:, 0])
        b = (-MEAN * w.sum(axis=1)).astype(np.float32)
        node = helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1, name="cancel_fc")
        shape_in, shape_out = [1, 64], [1, 16]
    else:
        w = rng.normal(0, 1, size=(8, 3, 3, 3)).astype(np.float32)
        w[:, 0, 0, 0] = BIG * np.sign(w[:, 0, 0, 0])
        b = (-MEAN * w.sum(axis=(1, 2, 3))).astype(np.float32)
        node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="cancel_conv")  # valid: no zero padding
        shape_in, shape_out = [1, 3, 8, 8], [1, 8, 6, 6]
    g = helper.make_graph([node], "cancel", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape_in)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape_out)],
                          [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, path)
    return w, b, shape_in


def reference(kind, w, b, x):
    if kind == "fc":
        return x @ w.T + b
    n, c, h, wd = x.shape
    out = np.zeros((n, w.shape[0], h - 2, wd - 2), np.float64)
    for i in range(3):
        for j in range(3):
            out += np.einsum("nchw,oc->nohw", x[:, :, i:i + h - 2, j:j + wd - 2], w[:, :, i, j])
    return out + b[None, :, None, None]


def main():
    try:
        import onnx  # noqa: F401
    except ImportError:
        oracles.skip("python3-onnx is not installed")
    c = oracles.Checks("quant_split_weights")
    with tempfile.TemporaryDirectory(prefix="nq_wsplit_") as tmp:
        for kind, layer, op in (("fc", "cancel_fc", "FULLY_CONNECTED"), ("conv", "cancel_conv", "CONV_2D")):
            model = os.path.join(tmp, kind + ".onnx")
            w, b, shape = build(model, kind)
            rng = np.random.default_rng(5)
            cal = os.path.join(tmp, kind + "_cal.npy")
            samples = (MEAN + rng.uniform(-1, 1, size=(40, *shape))).astype(np.float32)
            np.save(cal, samples)
            held_out = samples[::5]  # calibration samples: outside them the output range would clip
            common = [model, "-d", cal, "--recipe", "tf", "--input-type", "float32", "--output-type", "float32",
                      "--no-float-tail", "--quiet"]
            plain, split, auto = (os.path.join(tmp, "%s_%s.tflite" % (kind, v)) for v in ("plain", "split", "auto"))
            oracles.cli("convert", *common, "-o", plain, check=True)
            if kind == "fc":
                oracles.require("litert", plain)
            # The only layer is all the model's MACs: auto leaves it (+100% > the +25% budget), saying so.
            p = oracles.cli("convert", *common[:-1], "--split-weights", "auto", "-o", auto)
            said = [ln for ln in p.stderr.splitlines() if "--split-weights" in ln]
            c.check(p.returncode == 0 and len(said) == 2 and layer in said[0] and "budget" in said[0]
                    and "nothing split" in said[1], f"{kind}: auto names {layer} as over the MAC budget: {said}")
            p = oracles.cli("convert", *common[:-1], "--split-weights", layer, "-o", split, check=True)
            said = [ln for ln in p.stderr.splitlines() if "--split-weights" in ln]
            m = re.search(r"weight-only SQNR (-?[\d.]+) dB -> (-?[\d.]+) dB", said[0]) if said else None
            c.check(m is not None and layer in said[0], f"{kind}: the split prints its weight-only SQNR: {said}")
            if m:
                print(f"{kind}: weight-only SQNR {m.group(1)} -> {m.group(2)} dB")
                c.check(float(m.group(1)) < 30 and float(m.group(2)) > float(m.group(1)) + 30,
                        f"{kind}: the weight-only SQNR was under 30 dB and rises by over 30 dB")
            ops = {o["op"]: o["count"] for o in oracles.cli_json("inspect", split)["ops"]}
            c.check(ops.get(op) == 2 and ops.get("ADD") == 1,
                    f"{kind}: the split model has two {op} and an ADD ({ops})")

            ref = np.stack([reference(kind, w.astype(np.float64), b.astype(np.float64), x.astype(np.float64))
                            for x in held_out])
            figures = {}
            for name, path in (("plain", plain), ("split", split)):
                lite = np.stack([oracles.run("litert", path, [x])[0] for x in held_out])
                figures[name] = oracles.sqnr_db(ref, lite.reshape(ref.shape))
                if name == "split":
                    ours = np.stack([oracles.run_ours(path, [x], ["--single-rounding"])[0] for x in held_out[:3]])
                    c.check(np.array_equal(ours, lite[:3]),
                            f"{kind}: our executor gives LiteRT.js's output bit for bit on the split model")
            print(f"{kind}: LiteRT.js vs float {figures['plain']:.2f} dB -> {figures['split']:.2f} dB with "
                  f"--split-weights")
            c.check(figures["split"] >= figures["plain"] + GAIN_DB,
                    f"{kind}: --split-weights gains at least {GAIN_DB:.0f} dB in LiteRT.js "
                    f"({figures['plain']:.2f} -> {figures['split']:.2f} dB)")

            p = oracles.cli("convert", *common, "--split-weights", layer + ",no_such_layer", "-o",
                            os.path.join(tmp, "bad.tflite"))
            c.check(p.returncode != 0 and "'no_such_layer'" in p.stderr and not os.path.exists(
                os.path.join(tmp, "bad.tflite")), f"{kind}: an unknown name is an error naming it: {p.stderr[-200:]}")
    c.finish()


if __name__ == "__main__":
    oracles.main(main)
