#!/usr/bin/python3
"""ONNX Where, If with a constant condition, Floor and Mod (issue 10 item 3).

Models built here with python3-onnx (seeded weights), x [1, 3, 8, 8]:
  where:    a = Conv(x), b = Conv(x), y = Conv(Where(mask, a, b)) with a
            constant bool mask [1, 1, 8, 8] (a mask over a feature map);
  where_0:  y = Conv(Where(mask, Relu(Conv(x)), 0)) (masked_fill with 0);
  where_softmax: y = Softmax(Where(causal mask, Conv(x), -1e9)) over the
            last axis (attention's masked softmax: the -1e9 fill must not
            enter the int8 range of the scores);
  if_then / if_else: c = Conv(x); If(constant cond) then Relu(c) else
            Sigmoid(Conv(c)) (the else branch has its own initializer);
  floor:    y = Floor(Conv(x) * 4);
  mod_fmod: y = Mod(Conv(x), 3, fmod=1).
Checks:
  1. float: where, where_0, if_then, if_else and floor equal onnxruntime-node
     within 1e-5 (relative to the output's largest value);
  2. the float graphs: Where is one SELECT_V2 and no TRANSPOSE but the
     model's NCHW input/output ones (the mask is placed in NHWC order); an
     If leaves no trace but the taken branch's ops;
  3. int8: where, where_0, where_softmax, if_then and if_else convert fully int8 (SELECT_V2
     int8 with one scale on both values and the output), SQNR >= 25 dB, and
     LiteRT.js runs them bit-identically to our int8 executor;
  4. refusals name the node and the reason: floor at int8 ("FLOOR has no
     int8 form", exit 3) but converts with --allow-float-fallback; Mod with
     fmod=1 (exit 3, "fmod=1"); hostile graphs (exit 1): an If without its
     else_branch, a branch whose output no node produces, a Where whose
     operands do not broadcast.
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
MIN_SQNR = 25.0
REL_TOL = 1e-5
RNG = np.random.default_rng(10)


def conv(name, cin, cout, inp, out, inits):
    w = (RNG.standard_normal((cout, cin, 3, 3)) * 0.4).astype(np.float32)
    b = (RNG.standard_normal(cout) * 0.1).astype(np.float32)
    inits += [numpy_helper.from_array(w, name + "_w"), numpy_helper.from_array(b, name + "_b")]
    return helper.make_node("Conv", [inp, name + "_w", name + "_b"], [out], name=name, pads=[1, 1, 1, 1])


def const(name, arr):
    return helper.make_node("Constant", [], [name], name=name, value=numpy_helper.from_array(arr, name))


def model(path, nodes, inits, out_shape=(1, 4, 8, 8)):
    g = helper.make_graph(nodes, os.path.basename(path), [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                                         [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(out_shape))], inits)
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


def build(tmp):
    paths = {}
    mask = RNG.random((1, 1, 8, 8)) > 0.5
    inits = []
    nodes = [conv("ca", 3, 4, "x", "a", inits), conv("cb", 3, 4, "x", "b", inits), const("mask", mask),
             helper.make_node("Where", ["mask", "a", "b"], ["w"], name="where"), conv("cy", 4, 4, "w", "y", inits)]
    paths["where"] = os.path.join(tmp, "where.onnx")
    model(paths["where"], nodes, inits)

    inits = []
    nodes = [conv("ca", 3, 4, "x", "a", inits), helper.make_node("Relu", ["a"], ["r"], name="relu"),
             const("mask", mask), const("zero", np.array(0, np.float32)),
             helper.make_node("Where", ["mask", "r", "zero"], ["w"], name="where"), conv("cy", 4, 4, "w", "y", inits)]
    paths["where_0"] = os.path.join(tmp, "where_0.onnx")
    model(paths["where_0"], nodes, inits)

    inits = []
    causal = np.tril(np.ones((8, 8), bool))[None, None]
    nodes = [conv("ca", 3, 4, "x", "a", inits), const("causal", causal), const("fill", np.array(-1e9, np.float32)),
             helper.make_node("Where", ["causal", "a", "fill"], ["w"], name="where"),
             helper.make_node("Softmax", ["w"], ["y"], name="softmax", axis=-1)]
    paths["where_softmax"] = os.path.join(tmp, "where_softmax.onnx")
    model(paths["where_softmax"], nodes, inits)

    for taken in ("then", "else"):
        inits = []
        then_g = helper.make_graph([helper.make_node("Relu", ["c"], ["t"], name="then_relu")], "then", [],
                                   [helper.make_tensor_value_info("t", TensorProto.FLOAT, None)])
        e_inits = []
        else_g = helper.make_graph([conv("ce", 4, 4, "c", "e1", e_inits),
                                    helper.make_node("Sigmoid", ["e1"], ["e"], name="else_sigmoid")], "else", [],
                                   [helper.make_tensor_value_info("e", TensorProto.FLOAT, None)], e_inits)
        nodes = [conv("cc", 3, 4, "x", "c", inits), const("cond", np.array(taken == "then")),
                 helper.make_node("If", ["cond"], ["y"], name="if", then_branch=then_g, else_branch=else_g)]
        paths["if_" + taken] = os.path.join(tmp, "if_%s.onnx" % taken)
        model(paths["if_" + taken], nodes, inits)

    inits = []
    nodes = [conv("ca", 3, 4, "x", "a", inits), const("four", np.array(4, np.float32)),
             helper.make_node("Mul", ["a", "four"], ["m"], name="mul"), helper.make_node("Floor", ["m"], ["y"],
                                                                                         name="floor")]
    paths["floor"] = os.path.join(tmp, "floor.onnx")
    model(paths["floor"], nodes, inits)

    inits = []
    nodes = [conv("ca", 3, 4, "x", "a", inits), const("three", np.array(3, np.float32)),
             helper.make_node("Mod", ["a", "three"], ["y"], name="mod", fmod=1)]
    paths["mod_fmod"] = os.path.join(tmp, "mod_fmod.onnx")
    model(paths["mod_fmod"], nodes, inits)

    # Hostile: no else_branch; a then_branch output nobody writes; Where over
    # [1, 4, 8, 8] and [1, 3, 8, 8].
    then_g = helper.make_graph([helper.make_node("Relu", ["c"], ["t"], name="then_relu")], "then", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, None)])
    lost_g = helper.make_graph([helper.make_node("Relu", ["c"], ["t"], name="then_relu")], "then", [],
                               [helper.make_tensor_value_info("nowhere", TensorProto.FLOAT, None)])
    for name, cond, branch in (("if_no_else", False, then_g), ("if_lost_output", True, lost_g)):
        inits = []
        nodes = [conv("cc", 3, 4, "x", "c", inits), const("cond", np.array(cond)),
                 helper.make_node("If", ["cond"], ["y"], name="if", then_branch=branch)]
        paths[name] = os.path.join(tmp, name + ".onnx")
        model(paths[name], nodes, inits)
    inits = []
    nodes = [conv("ca", 3, 4, "x", "a", inits), const("mask", mask), const("other", np.zeros((1, 3, 8, 8), np.float32)),
             helper.make_node("Where", ["mask", "a", "other"], ["y"], name="where")]
    paths["where_bad"] = os.path.join(tmp, "where_bad.onnx")
    model(paths["where_bad"], nodes, inits)
    return paths


def ops_of(path):
    return {o["op"]: o["count"] for o in oracles.cli_json("inspect", path)["ops"]}


def check_float(c, name, path, x0):
    ours = oracles.run_ours(path, [x0])[0]
    try:
        ref = oracles.run("ort", path, [x0])[0]
    except oracles.OracleSkip as e:
        print("(onnxruntime-node not available: %s)" % e)
        return
    rel = float(np.abs(ours - ref).max() / max(np.abs(ref).max(), 1e-6))
    c.check(rel <= REL_TOL, "%s: float output differs from onnxruntime by %.3g relative" % (name, rel))


def check_int8(c, tmp, name, path, calib, evald, xs):
    int8 = os.path.join(tmp, name + ".int8.tflite")
    p = oracles.cli("convert", path, "-d", calib, "--eval-data", evald, "-o", int8, "--json")
    if not c.check(p.returncode == 0, "%s: convert failed: %s" % (name, p.stderr.strip())):
        return
    sq = oracles.sqnr(json.loads(p.stdout)["outputs"][0])
    c.check(sq >= MIN_SQNR, "%s: int8 SQNR %.1f dB (at least %.0f expected)" % (name, sq, MIN_SQNR))
    facts = oracles.cli_json("inspect", int8, "--tensors")
    floats = [t["name"] for t in facts["tensors"] if t["type"] == "float32"]
    c.check(not floats, "%s: float32 tensors left in the int8 model: %s" % (name, floats[:5]))
    qi = oracles.tflite_facts(int8)["inputs"][0]
    steps = 0
    for k in range(0, N_CALIB, 4):
        xq = np.clip(np.round(xs[k:k + 1] / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
        xq_path = os.path.join(tmp, "xq.npy")
        np.save(xq_path, xq)
        lite = oracles.run("litert", int8, [xq_path])[0]
        mine = oracles.run_ours(int8, [xq_path])[0]
        steps = max(steps, oracles.max_steps(lite, mine))
    c.check(steps == 0, "%s: int8 output differs from LiteRT.js by %d steps (bit-identical expected)" % (name, steps))
    print("%-8s int8 SQNR %.1f dB, LiteRT.js steps %d" % (name, sq, steps))


def test():
    c = oracles.Checks("select_ops")
    with tempfile.TemporaryDirectory(prefix="nq-select-") as tmp:
        paths = build(tmp)
        oracles.require("litert", paths["where"])
        xs = RNG.standard_normal((2 * N_CALIB, 1, 3, 8, 8)).astype(np.float32)
        calib, evald, x0 = (os.path.join(tmp, f) for f in ("calib.npy", "eval.npy", "x0.npy"))
        np.save(calib, xs[:N_CALIB, 0])
        np.save(evald, xs[N_CALIB:, 0])
        np.save(x0, xs[0])
        for name in ("where", "where_0", "where_softmax", "if_then", "if_else", "floor"):
            check_float(c, name, paths[name], x0)
        for name in ("where", "where_0"):
            ops = ops_of(paths[name])
            c.check(ops.get("SELECT_V2") == 1, "%s: expected one SELECT_V2, got %s" % (name, ops))
            c.check(ops.get("TRANSPOSE", 0) <= 2, "%s: transposes beyond the NCHW input/output: %s" % (name, ops))
        then_ops, else_ops = ops_of(paths["if_then"]), ops_of(paths["if_else"])
        c.check(then_ops.get("CONV_2D") == 1 and "LOGISTIC" not in then_ops,
                "if_then: not the then branch (its Relu fuses into the conv): %s" % then_ops)
        c.check("LOGISTIC" in else_ops and "RELU" not in else_ops and else_ops.get("CONV_2D") == 2,
                "if_else: not the else branch: %s" % else_ops)
        for name in ("where", "where_0", "where_softmax", "if_then", "if_else"):
            check_int8(c, tmp, name, paths[name], calib, evald, xs[:N_CALIB, 0])

        out = os.path.join(tmp, "floor.int8.tflite")
        p = oracles.cli("convert", paths["floor"], "-d", calib, "-o", out)
        c.check(p.returncode == 3 and "FLOOR has no int8 form" in p.stderr and "floor" in p.stderr,
                "floor: int8 refusal expected (exit 3, naming the node), got %d: %s" % (p.returncode, p.stderr.strip()))
        c.check(not os.path.exists(out), "floor: a refused conversion wrote %s" % out)
        p = oracles.cli("convert", paths["floor"], "-d", calib, "-o", out, "--allow-float-fallback")
        c.check(p.returncode == 0 and "FLOOR" in p.stderr and "stays float32" in p.stderr,
                "floor: --allow-float-fallback should convert with a warning, got %d: %s"
                % (p.returncode, p.stderr.strip()))
        p = oracles.cli("inspect", paths["mod_fmod"])
        c.check(p.returncode == 3 and "fmod=1" in p.stderr and "'mod'" in p.stderr,
                "mod fmod=1: refusal expected (exit 3, naming the node), got %d: %s" % (p.returncode, p.stderr.strip()))
        for name, words in (("if_no_else", "no graph attribute 'else_branch'"),
                            ("if_lost_output", "output 'nowhere' is not produced"),
                            ("where_bad", "do not broadcast")):
            p = oracles.cli("inspect", paths[name])
            c.check(p.returncode == 1 and words in p.stderr and "node '" in p.stderr,
                    "%s: refusal with '%s' expected (exit 1), got %d: %s" % (name, words, p.returncode,
                                                                             p.stderr.strip()))
    c.finish()


if __name__ == "__main__":
    oracles.main(test)
