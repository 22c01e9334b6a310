#!/usr/bin/python3
"""Comparisons and logical ops computed at run time (issue 10 item 3).

Models, x [1, 3, 8, 8], seeded weights:
  where_gt:    a = Conv(x), b = Conv(x), y = Conv(Where(Greater(a, 0.1), a, b))
               (python3-onnx);
  where_logic: a, b as above; cond = Or(And(Less(a, b), GreaterOrEqual(a, -0.3)),
               Not(LessOrEqual(b, 0.4))), y = Conv(Where(cond, a, b));
  where_relu0: r = Relu(Conv(x)); y = Conv(Where(Not(Equal(r, 0)), r, Conv(x)))
               (an exact zero test after a ReLU);
  torch_where: a torch module's forward `torch.where(a > t, a, b)` between
               convolutions, exported by torch.onnx.export (Debian's torch).
Checks:
  1. float: npuquant equals onnxruntime-node within 1e-5 (relative to the
     output's largest value) and, for the torch model, torch itself;
  2. each model converts fully int8 (no float32 tensor left; the comparisons,
     logical ops and SELECT_V2 are in the int8 model), SQNR >= 20 dB on held-out
     inputs, and LiteRT.js runs the int8 model bit-identically to npuquant's
     int8 executor.
(Kernel-level refusals and hand-computed values: tests/int8_ops/test_compare_kernels.c.)
Exit: 0 pass, 1 failure, 77 skip (python3-onnx, node or LiteRT.js missing).
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
MIN_SQNR = 20.0
REL_TOL = 1e-5
RNG = np.random.default_rng(12)


def conv(name, cin, cout, inp, out, inits):
    w = (RNG.standard_normal((cout, cin, 3, 3)) * 0.4).astype(np.float32)
    b = (RNG.standard_normal(cout) * 0.1).astype(np.float32)
    inits += [numpy_helper.from_array(w, name + "_w"), numpy_helper.from_array(b, name + "_b")]
    return helper.make_node("Conv", [inp, name + "_w", name + "_b"], [out], name=name, pads=[1, 1, 1, 1])


def const(name, arr):
    return helper.make_node("Constant", [], [name], name=name, value=numpy_helper.from_array(arr, name))


def node(op, ins, out):
    return helper.make_node(op, ins, [out], name=out)


def model(path, nodes, inits):
    g = helper.make_graph(nodes, os.path.basename(path),
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])], inits)
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


def f32(v):
    return np.array(v, np.float32)


def build(tmp):
    paths = {}
    inits = []
    nodes = [conv("ca", 3, 4, "x", "a", inits), conv("cb", 3, 4, "x", "b", inits), const("t", f32(0.1)),
             node("Greater", ["a", "t"], "gt"), node("Where", ["gt", "a", "b"], "w"), conv("cy", 4, 4, "w", "y", inits)]
    paths["where_gt"] = os.path.join(tmp, "where_gt.onnx")
    model(paths["where_gt"], nodes, inits)

    inits = []
    nodes = [conv("ca", 3, 4, "x", "a", inits), conv("cb", 3, 4, "x", "b", inits),
             const("lo", f32(-0.3)), const("hi", f32(0.4)),
             node("Less", ["a", "b"], "lt"), node("GreaterOrEqual", ["a", "lo"], "ge"),
             node("LessOrEqual", ["b", "hi"], "le"), node("And", ["lt", "ge"], "both"), node("Not", ["le"], "nle"),
             node("Or", ["both", "nle"], "cond"), node("Where", ["cond", "a", "b"], "w"),
             conv("cy", 4, 4, "w", "y", inits)]
    paths["where_logic"] = os.path.join(tmp, "where_logic.onnx")
    model(paths["where_logic"], nodes, inits)

    inits = []
    nodes = [conv("ca", 3, 4, "x", "a", inits), node("Relu", ["a"], "r"), conv("cb", 3, 4, "x", "b", inits),
             const("zero", f32(0)), node("Equal", ["r", "zero"], "eq"), node("Not", ["eq"], "ne"),
             node("Where", ["ne", "r", "b"], "w"), conv("cy", 4, 4, "w", "y", inits)]
    paths["where_relu0"] = os.path.join(tmp, "where_relu0.onnx")
    model(paths["where_relu0"], nodes, inits)

    return paths


def torch_model(tmp, x0):
    """(path, torch's output on x0) or (None, why)."""
    try:
        import torch  # noqa: PLC0415
    except ImportError as e:
        return None, "torch is not installed: %s" % e
    torch.manual_seed(5)

    class Gate(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.ca = torch.nn.Conv2d(3, 4, 3, padding=1)
            self.cb = torch.nn.Conv2d(3, 4, 3, padding=1)
            self.cy = torch.nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x):
            a, b = self.ca(x), self.cb(x)
            return self.cy(torch.where(a > 0.05, a, b))

    net = Gate().eval()
    path = os.path.join(tmp, "torch_where.onnx")
    with torch.no_grad():
        torch.onnx.export(net, torch.from_numpy(x0), path, opset_version=13, input_names=["x"], output_names=["y"])
        return path, net(torch.from_numpy(x0)).numpy()


def ops_of(path):
    return {o["op"]: o["count"] for o in oracles.cli_json("inspect", path)["ops"]}


def check_float(c, name, path, x0_path, ref=None):
    ours = oracles.run_ours(path, [x0_path])[0]
    refs = {"torch": ref} if ref is not None else {}
    try:
        refs["onnxruntime"] = oracles.run("ort", path, [x0_path])[0]
    except oracles.OracleSkip as e:
        print("(onnxruntime-node not available: %s)" % e)
    for who, r in refs.items():
        rel = float(np.abs(ours - r).max() / max(np.abs(r).max(), 1e-6))
        c.check(rel <= REL_TOL, "%s: float output differs from %s by %.3g relative" % (name, who, rel))
        print("%-12s float vs %s: %.2g relative" % (name, who, rel))


def check_int8(c, tmp, name, path, calib, evald, xs, want_ops):
    int8 = os.path.join(tmp, name + ".int8.tflite")
    p = oracles.cli("convert", path, "-d", calib, "--eval-data", evald, "-o", int8, "--json")
    if not c.check(p.returncode == 0, "%s: convert failed: %s" % (name, p.stderr.strip())):
        return
    sq = oracles.sqnr(json.loads(p.stdout)["outputs"][0])
    c.check(sq >= MIN_SQNR, "%s: int8 SQNR %.1f dB (at least %.0f expected)" % (name, sq, MIN_SQNR))
    facts = oracles.cli_json("inspect", int8, "--tensors")
    floats = [t["name"] for t in facts["tensors"] if t["type"] == "float32"]
    c.check(not floats, "%s: float32 tensors left in the int8 model: %s" % (name, floats[:5]))
    ops = ops_of(int8)
    missing = [o for o in want_ops if o not in ops]
    c.check(not missing, "%s: the int8 model lacks %s: %s" % (name, missing, ops))
    qi = oracles.tflite_facts(int8)["inputs"][0]
    steps = 0
    for k in range(0, N_CALIB, 2):
        xq = np.clip(np.round(xs[k:k + 1] / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
        xq_path = os.path.join(tmp, "xq.npy")
        np.save(xq_path, xq)
        lite = oracles.run("litert", int8, [xq_path])[0]
        mine = oracles.run_ours(int8, [xq_path])[0]
        steps = max(steps, oracles.max_steps(lite, mine))
    c.check(steps == 0, "%s: int8 output differs from LiteRT.js by %d steps (bit-identical expected)" % (name, steps))
    print("%-12s int8 SQNR %.1f dB, LiteRT.js steps %d over %d inputs, ops %s" % (name, sq, steps, N_CALIB // 2,
                                                                               sorted(ops)))


def test():
    c = oracles.Checks("compare_ops")
    with tempfile.TemporaryDirectory(prefix="nq-compare-") as tmp:
        paths = build(tmp)
        oracles.require("litert", paths["where_gt"])
        xs = RNG.standard_normal((2 * N_CALIB, 1, 3, 8, 8)).astype(np.float32)
        calib, evald, x0 = (os.path.join(tmp, f) for f in ("calib.npy", "eval.npy", "x0.npy"))
        np.save(calib, xs[:N_CALIB, 0])
        np.save(evald, xs[N_CALIB:, 0])
        np.save(x0, xs[0])
        want = {"where_gt": ["GREATER", "SELECT_V2"],
                "where_logic": ["LESS", "GREATER_EQUAL", "LESS_EQUAL", "LOGICAL_AND", "LOGICAL_NOT", "LOGICAL_OR",
                                "SELECT_V2"],
                "where_relu0": ["EQUAL", "LOGICAL_NOT", "SELECT_V2"]}
        tpath, tref = torch_model(tmp, xs[0])
        if tpath:
            paths["torch_where"] = tpath
            want["torch_where"] = ["GREATER", "SELECT_V2"]
        else:
            print("(torch model skipped: %s)" % tref)
        for name in want:
            check_float(c, name, paths[name], x0, tref if name == "torch_where" else None)
            check_int8(c, tmp, name, paths[name], calib, evald, xs[:N_CALIB, 0], want[name])
    c.finish()


if __name__ == "__main__":
    oracles.main(test)
