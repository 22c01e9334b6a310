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
  LiteRT uses: XNNPACK's where it takes the op, TFLite's kernels elsewhere):
  bit-identical.
Models with an output that is also a graph input convert, but LiteRT.js
cannot return such an output, so they are not run there.

Without ../shared (CI unset) it sweeps the committed float models instead: the
Fashion-MNIST network of examples/fashion and the float one-op models of
tests/golden/vectors (f_*.tflite, written by our own writer), LiteRT's answers replayed
from tests/golden/recorded.

Under a sanitizer build (NQ_SANITIZED=1) models over 1 MB are left out: the
Release run checks them, and the sanitizers see the same code paths on the
smaller models at a fraction of the time. Models run two at a time.
"""
import concurrent.futures
import json
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402
import tflite_facts  # noqa: E402

N_CALIB = 16
SANITIZED = os.environ.get("NQ_SANITIZED") == "1"
SANITIZED_MAX_BYTES = 1 << 20
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


def model_files():
    """(top folder, .tflite paths): ../shared/models, or the committed float models."""
    if oracles.shared_present():
        top = os.path.join(oracles.shared_dir(), "models")
        return top, [os.path.join(r, n) for r, _, files in os.walk(top) for n in files if n.endswith(".tflite")]
    golden = os.path.join(oracles.SOURCE_DIR, "tests", "golden", "vectors")
    print("NOTE: ../shared is absent: sweeping the committed float models (examples/fashion, tests/golden/vectors/f_*)")
    return oracles.SOURCE_DIR, [os.path.join(oracles.SOURCE_DIR, "examples", "fashion", "fashion_cnn.tflite")] + [
        os.path.join(golden, n) for n in os.listdir(golden) if n.startswith("f_") and n.endswith(".tflite")]


def float_models(paths):
    out = []
    for path in sorted(paths):
        p = oracles.cli("inspect", "--json", path, check=False)
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


def check_model(k, top, path, facts, tmp, failures, counts):
    rel = os.path.relpath(path, top)
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
    # --recipe tf: one conversion per model (the search is eight; test_recipe_litert covers it)
    p = oracles.cli("convert", path, *data, "-o", out, "--quiet", "--recipe", "tf", check=False)
    msg = (p.stderr.strip().splitlines() or [""])[-1]
    if p.returncode == 3 and "node " in msg and "no int8 form" in msg:
        counts.setdefault("no int8 form", []).append(rel)
        return
    if p.returncode == 3 and "node " in msg and "has no kernel in npuquant" in msg:
        counts.setdefault("custom op npuquant cannot run", []).append(rel)
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
        theirs = oracles.run("litert", out, inputs)
    except oracles.OracleError as e:
        failures.append("%s: LiteRT.js cannot run the int8 model: %s" % (rel, str(e)[-300:]))
        return
    ours = oracles.run_ours(out, inputs, ["--single-rounding"])
    for j, (a, b) in enumerate(zip(ours, theirs)):
        if a.shape != b.shape or a.dtype != b.dtype:
            failures.append("%s: output %d is %s%s here, %s%s in LiteRT" % (rel, j, a.dtype, a.shape, b.dtype, b.shape))
            continue
        diff = np.abs(a.astype(np.int64) - b.astype(np.int64))
        if not diff.any():
            continue
        if diff.max() <= 1 and any(o["op"] == "RESIZE_BILINEAR" for o in qfacts["ops"]):
            # LiteRT.js resizes int8 with XNNPACK's own kernel, 1 step from TFLite's
            # ResizeBilinearInteger (docs/STATUS.md; tests/golden pins ours to the formula).
            counts.setdefault("resize: LiteRT.js 1 step off TFLite's formula", []).append(rel)
            continue
        failures.append("%s: output %d: %d elements differ from LiteRT (max %d steps)"
                        % (rel, j, int(np.count_nonzero(diff)), int(diff.max())))
    counts.setdefault("converted", []).append(rel)


def main():
    top, paths = model_files()
    models = float_models(paths)
    if not models:
        print("FAIL: no float .tflite model found in %s" % top)
        return 1
    failures, counts = [], {}
    if SANITIZED:
        large = [p for p, _ in models if os.path.getsize(p) > SANITIZED_MAX_BYTES]
        models = [(p, f) for p, f in models if os.path.getsize(p) <= SANITIZED_MAX_BYTES]
        print("sanitizer build: %d models over 1 MB left to the Release run" % len(large))
    with tempfile.TemporaryDirectory(prefix="nq_qtest_") as tmp:
        # Each model has its own folder and seed; list.append is atomic.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            jobs = [pool.submit(check_model, k, top, path, facts, tmp, failures, counts)
                    for k, (path, facts) in enumerate(models)]
            for j in jobs:
                j.result()
    for v in counts.values():
        v.sort()
    failures.sort()
    print("convert over %d float .tflite models:" % len(models))
    for key in ("converted", "no int8 form", "custom op npuquant cannot run", "refused input",
                "not run (output is an input)", "resize: LiteRT.js 1 step off TFLite's formula"):
        print("  %-14s %d" % (key, len(counts.get(key, []))))
        if key != "converted":
            for rel in counts.get(key, []):
                print("      " + rel)
    for f in failures:
        print("FAIL " + f)
    if len(counts.get("converted", [])) < (30 if SANITIZED else 40):
        print("FAIL: only %d models converted; expected most of them" % len(counts.get("converted", [])))
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    oracles.main(main)
