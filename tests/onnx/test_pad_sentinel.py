#!/usr/bin/python3
"""A padded ONNX MaxPool after a hard-swish (issue 17 item 1): the pad
sentinel must never reach a calibrated range.

ONNX pads of 1 on both sides of a 3x3 /2 max pool over an even input are not
TFLite's SAME (which pads the end only), so the frontend lowers them to
PADV2 with -FLT_MAX (padding never wins a max) then a VALID pool. Counting
that constant in calibration gave four tensors scale 1.33e36 and a model that
failed to evaluate ("effective scale 7.1e+34 cannot be represented"), with
--calibration minmax and percentile alike. The model is built here with
python3-onnx (seeded weights):

  x [1,3,16,16] -> Conv 3x3 -> HardSwish -> MaxPool 3x3 /2 pads 1 -> Conv 1x1 -> y

For minmax, percentile and mse calibration:
  1. float: our output equals onnxruntime-node's within 1e-5 relative;
  2. `convert --eval-data` succeeds (the int8 model evaluates) with SQNR
     >= 25 dB, and every activation scale of the int8 model (inspect
     --tensors --json) is below 1 (the data's range is about 10: a sentinel
     gives 1e36); the PADV2 output shares the hard-swish output's scale and
     its int8 pad value is the lowest step, -128;
  3. LiteRT.js runs the int8 model bit-identically to our int8 executor.
Exit: 0 pass, 1 failure, 77 skip (python3-onnx, node or an oracle missing).
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

try:
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper, save
except ImportError as e:
    oracles.skip("python3-onnx is not installed: %s" % e)

N_CALIB = 16
MIN_SQNR = 25.0
REL_TOL = 1e-5


def build(path):
    rng = np.random.default_rng(17)
    w1 = (rng.standard_normal((8, 3, 3, 3)) * 0.5).astype(np.float32)
    b1 = (rng.standard_normal(8) * 0.5).astype(np.float32)
    w2 = (rng.standard_normal((4, 8, 1, 1)) * 0.5).astype(np.float32)
    b2 = (rng.standard_normal(4) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("HardSwish", ["c1"], ["hs"], name="hswish"),
        helper.make_node("MaxPool", ["hs"], ["mp"], name="pool", kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["mp", "w2", "b2"], ["y"], name="conv2"),
    ]
    g = helper.make_graph(nodes, "padded_maxpool", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                                   [1, 3, 16, 16])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
                          [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"),
                                                                      (b2, "b2"))])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)]), path)


def activation_scales(int8):
    """inspect's facts and {name: largest scale} of every non-constant int8 tensor."""
    facts = oracles.cli_json("inspect", int8, "--tensors")
    out = {}
    for t in facts["tensors"]:
        if t.get("constant") or t["type"] != "int8" or not t.get("scale"):
            continue
        out[t["name"]] = max(t["scale"])
    return facts, out


def check_method(c, tmp, path, calib, evald, xs, method):
    int8 = os.path.join(tmp, "model.%s.tflite" % method)
    p = oracles.cli("convert", path, "-d", calib, "--eval-data", evald, "-o", int8, "--calibration", method,
                    "--json")
    if not c.check(p.returncode == 0, "%s: convert --eval-data failed: %s" % (method, p.stderr.strip())):
        return
    rep = json.loads(p.stdout)
    sq = oracles.sqnr(rep["outputs"][0])
    c.check(sq >= MIN_SQNR, "%s: int8 SQNR %.1f dB (at least %.0f expected)" % (method, sq, MIN_SQNR))
    facts, scales = activation_scales(int8)
    worst = max(scales.items(), key=lambda kv: kv[1])
    c.check(worst[1] < 1.0, "%s: tensor %s has scale %g (a range from the pad sentinel?)" % (method, *worst))
    padded = [n for n in scales if "pad" in n.lower() and n not in ("x", "y")]
    c.check(any(abs(scales[n] - scales.get("hs", -1)) == 0 for n in padded),
            "%s: no PADV2 output shares the hard-swish output's scale (%s vs %s)"
            % (method, {n: scales[n] for n in padded}, scales.get("hs")))
    pad_values = [t for t in facts["tensors"] if t.get("constant") and t["type"] == "int8"
                  and t.get("shape") in ([], [1]) and "padval" in t["name"]]
    c.check(len(pad_values) == 1, "%s: expected one int8 pad-value constant, found %s" % (method, pad_values))

    tf = oracles.tflite_facts(int8)
    qi = tf["inputs"][0]
    steps = 0
    for k in range(0, N_CALIB, 4):
        xq = np.clip(np.round(xs[k:k + 1] / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
        xq_path = os.path.join(tmp, "inq%d.npy" % k)
        np.save(xq_path, xq)
        lite = oracles.run("litert", int8, [xq_path])[0]
        mine = oracles.run_ours(int8, [xq_path], ["--single-rounding"])[0]
        steps = max(steps, oracles.max_steps(lite, mine))
    c.check(steps == 0, "%s: int8 output differs from LiteRT.js by %d steps (bit-identical expected)"
            % (method, steps))
    print("%-10s SQNR %.1f dB, largest activation scale %.3g (%s), LiteRT.js steps %d"
          % (method, sq, worst[1], worst[0], steps))


def test():
    c = oracles.Checks("pad_sentinel")
    with tempfile.TemporaryDirectory(prefix="nq-padsent-") as tmp:
        path = os.path.join(tmp, "padded_maxpool.onnx")
        build(path)
        oracles.require("litert", path)
        rng = np.random.default_rng(3)
        xs = (rng.standard_normal((2 * N_CALIB, 1, 3, 16, 16)) * 2).astype(np.float32)
        calib, evald = os.path.join(tmp, "calib.npy"), os.path.join(tmp, "eval.npy")
        np.save(calib, xs[:N_CALIB, 0])
        np.save(evald, xs[N_CALIB:, 0])
        x0 = os.path.join(tmp, "x0.npy")
        np.save(x0, xs[0])
        ours = oracles.run_ours(path, [x0])[0]
        try:
            ref = oracles.run("ort", path, [x0])[0]
            rel = float(np.abs(ours - ref).max() / np.abs(ref).max())
            c.check(rel <= REL_TOL, "float output differs from onnxruntime by %.3g relative" % rel)
        except oracles.OracleSkip as e:
            print("(onnxruntime-node not available: %s)" % e)
        inspect = oracles.cli_json("inspect", path)
        c.check(any(o["op"] == "PADV2" for o in inspect["ops"]),
                "the float graph has no PADV2: the case under test is gone (%s)" % inspect["ops"])
        for method in ("minmax", "percentile", "mse"):
            check_method(c, tmp, path, calib, evald, xs[:N_CALIB, 0], method)
    c.finish()


if __name__ == "__main__":
    oracles.main(test)
