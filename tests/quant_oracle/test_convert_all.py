#!/usr/bin/python3
"""`convert` over every float .tflite in ../shared/models, not only the few
models the other tests study closely.

For each file that npuquant loads and that is a float model (float32 inputs
and outputs), convert it with 16 seeded random samples and check:
- the outcome is one we promise: a written model (exit 0), or an op that
  TFLite has no int8 form for, named with its node (exit 3), or an input
  error naming a node (exit 1: a model that computes out of bounds, or one
  that is already int8 inside); never a crash or an internal error;
- a written model is fully int8: an independent flatbuffer reader
  (tests/oracles/tflite_facts.py) finds no float32 tensor used by an op;
- LiteRT.js loads and runs it, on a held-out sample quantized to its input,
  and agrees with our int8 executor (--single-rounding, the arithmetic
  LiteRT's XNNPACK uses): bit-identical, except models with int8 PRELU,
  where XNNPACK's slope arithmetic differs from TFLite's reference kernel
  by a step now and then and deep PRELU nets drift apart; there, LiteRT's
  int8 output must be as close to the float model (LiteRT.js on the same,
  dequantized input) as ours is, within 3 dB.
Models with an output that is also a graph input convert, but LiteRT.js
cannot return such an output, so they are not run there.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

sys.path.insert(0, c.ORACLES)
import tflite_facts  # noqa: E402

N_CALIB = 16
PRELU_SQNR_SLACK_DB = 3.0
F = tflite_facts


def float_op_tensors(path):
    """Names of float32 tensors that operators read or write (empty for a fully int8 model)."""
    with open(path, "rb") as f:
        r = F.Reader(f.read())
    model = r.table(F.encode.Get(F.N.UOffsetTFlags.packer_type, r.buf, 0), "model")
    sg = r.tables(model, F.MODEL_SUBGRAPHS, "subgraphs")[0]
    tensors = r.tables(sg, F.SUBGRAPH_TENSORS, "tensors")
    found = set()
    for op in r.tables(sg, F.SUBGRAPH_OPERATORS, "operators"):
        for field in (1, 2):  # Operator.inputs, Operator.outputs
            for t in r.numbers(op, field, F.N.Int32Flags, "operator tensors"):
                if 0 <= t < len(tensors):
                    facts = F.tensor_facts(r, tensors, t, "operator")
                    if facts["type"] == "float32":
                        found.add(facts["name"])
    return sorted(found)


def float_models():
    out = []
    for root, _, files in os.walk(os.path.join(c.SHARED, "models")):
        for n in sorted(files):
            if not n.endswith(".tflite"):
                continue
            path = os.path.join(root, n)
            p = c.cli("inspect", "--json", path, check=False)
            if p.returncode != 0:
                continue  # not loadable: the reader tests cover the message
            facts = json.loads(p.stdout)
            io = facts["inputs"] + facts["outputs"]
            if all(t["type"] == "float32" and not t["scale"] for t in io):
                out.append((path, facts))
    return sorted(out)


def sample_shape(shape):
    """The shape of one sample in a stacked .npy: the model's input without its batch of 1."""
    dims = [max(1, d) for d in shape]
    return dims[1:] if dims and dims[0] == 1 else dims


def quantize(x, t):
    lo, hi = (-128, 127) if t["type"] == "int8" else (0, 255)
    q = np.round(x / t["scale"][0]) + t["zero_point"][0]
    return np.clip(q, lo, hi).astype(np.int8 if t["type"] == "int8" else np.uint8)


def dequantize(q, t):
    return (q.astype(np.float64) - t["zero_point"][0]) * t["scale"][0] if t["scale"] else q.astype(np.float64)


def sqnr_db(ref, test):
    err = np.sum((ref - test) ** 2)
    sig = np.sum(ref ** 2)
    return np.inf if err == 0 else (10 * np.log10(sig / err) if sig > 0 else -np.inf)


def check_prelu_model(rel, path, qfacts, inputs, ours, theirs, work, failures):
    """LiteRT's int8 output must be about as close to the float model as ours."""
    float_inputs = []
    for i, (t, p) in enumerate(zip(qfacts["inputs"], inputs)):
        float_inputs.append(os.path.join(work, "eval_float%d.npy" % i))
        np.save(float_inputs[-1], dequantize(np.load(p), t).astype(np.float32))
    ref = c.run_oracle("litert", path, float_inputs, work, "float")
    for j, t in enumerate(qfacts["outputs"]):
        r = ref[j].astype(np.float64)
        db_ours, db_theirs = sqnr_db(r, dequantize(ours[j], t)), sqnr_db(r, dequantize(theirs[j], t))
        print("  %s output %d (PRELU): SQNR against float: ours %.1f dB, LiteRT %.1f dB" % (rel, j, db_ours, db_theirs))
        if db_theirs < db_ours - PRELU_SQNR_SLACK_DB:
            failures.append("%s: output %d: LiteRT's int8 is %.1f dB from float, ours %.1f dB"
                            % (rel, j, db_theirs, db_ours))


def check_model(k, path, facts, tmp, failures, counts):
    rel = os.path.relpath(path, c.SHARED)
    work = os.path.join(tmp, "m%03d" % k)
    os.makedirs(work)
    rng = np.random.default_rng(k)
    data, evals = [], []
    for i, t in enumerate(facts["inputs"]):
        calib = rng.standard_normal([N_CALIB] + sample_shape(t["shape"])).astype(np.float32)
        data += ["-d", os.path.join(work, "calib%d.npy" % i)]
        np.save(data[-1], calib)
        evals.append(rng.standard_normal([max(1, d) for d in t["shape"]]).astype(np.float32))
    out = os.path.join(work, "int8.tflite")
    p = c.cli("convert", path, *data, "-o", out, "--quiet", check=False)
    msg = (p.stderr.strip().splitlines() or [""])[-1]
    if p.returncode == 3 and "node " in msg and "no int8 form" in msg:
        counts.setdefault("no int8 form", []).append(rel)
        return
    if p.returncode == 1 and (("tensor " in msg and "already int8" in msg) or ("node " in msg and "outside" in msg)):
        counts.setdefault("refused input", []).append(rel)
        return
    if p.returncode != 0:
        failures.append("%s: convert exit %d: %s" % (rel, p.returncode, msg))
        return
    left = float_op_tensors(out)
    if left:
        failures.append("%s: float32 tensors left in the int8 model: %s" % (rel, left[:5]))
        return
    with open(out, "rb") as f:
        qfacts = F.facts(f.read())
    if any(o["name"] in {i["name"] for i in qfacts["inputs"]} for o in qfacts["outputs"]):
        counts.setdefault("not run (output is an input)", []).append(rel)
        return
    inputs = []
    for i, (t, x) in enumerate(zip(qfacts["inputs"], evals)):
        inputs.append(os.path.join(work, "eval%d.npy" % i))
        np.save(inputs[-1], quantize(x, t) if t["scale"] else x)
    try:
        theirs = c.run_oracle("litert", out, inputs, work, "q")
    except RuntimeError as e:
        failures.append("%s: LiteRT.js cannot run the int8 model: %s" % (rel, str(e)[-300:]))
        return
    if theirs is None:
        c.skip("LiteRT.js is not installed (tests/oracles: npm ci)")
    ours = c.run_ours(out, inputs, work, "q")
    has_prelu = any(o["op"] == "PRELU" for o in qfacts["ops"])
    if has_prelu:
        check_prelu_model(rel, path, qfacts, inputs, ours, theirs, work, failures)
        counts.setdefault("converted", []).append(rel)
        return
    for j, (a, b) in enumerate(zip(ours, theirs)):
        if a.shape != b.shape or a.dtype != b.dtype:
            failures.append("%s: output %d is %s%s here, %s%s in LiteRT" % (rel, j, a.dtype, a.shape, b.dtype, b.shape))
            continue
        diff = np.abs(a.astype(np.int64) - b.astype(np.int64))
        if not diff.any():
            continue
        failures.append("%s: output %d: %d elements differ from LiteRT (max %d steps)"
                        % (rel, j, int(np.count_nonzero(diff)), int(diff.max())))
    counts.setdefault("converted", []).append(rel)


def main():
    c.require_shared()
    models = float_models()
    if not models:
        print("FAIL: no float .tflite model found in ../shared/models")
        return 1
    failures, counts = [], {}
    with c.TempDir() as tmp:
        for k, (path, facts) in enumerate(models):
            check_model(k, path, facts, tmp, failures, counts)
    print("convert over %d float .tflite models:" % len(models))
    for key in ("converted", "no int8 form", "refused input", "not run (output is an input)"):
        print("  %-14s %d" % (key, len(counts.get(key, []))))
        if key != "converted":
            for rel in counts.get(key, []):
                print("      " + rel)
    for f in failures:
        print("FAIL " + f)
    if len(counts.get("converted", [])) < 40:
        print("FAIL: only %d models converted; expected most of them" % len(counts.get("converted", [])))
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
