#!/usr/bin/python3
"""`npuquant inspect --json` against an independent reader.

For every .tflite under ../shared/models (without ../shared: the committed golden
models of tests/golden/vectors), tests/oracles/tflite_facts.py (Python
flatbuffers, no code shared with npuquant) prints the facts of subgraph 0; for
each model our reader loads, the CLI's inputs, outputs (name, shape, type,
scale to 1e-6 relative, zero point, quantized_dimension), ops (name, version,
count), num_tensors and num_operators must equal them.

Exception, by design of the reader: it folds float16 weights (DEQUANTIZE of a
constant fp16 tensor becomes a float32 constant) and dequantizes hybrid
models' int8 weights, so for a model whose oracle op list has DEQUANTIZE nodes
that our graph no longer has, only the I/O facts are compared (the folded
DEQUANTIZE nodes and their tensors are gone on purpose).

A model the reader refuses must be refused cleanly: exit 1 (bad file) or 3
(unsupported feature) with one 'npuquant: ' line naming the file; a crash or
exit 4 (internal error) fails the test.
"""
import concurrent.futures
import glob
import importlib.util
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
from oracles import ORACLES, Checks, cli, cli_path, models_dir  # noqa: E402

T = Checks("cli_inspect_vs_oracle")
cli_path()
MODELS_DIR, _golden = models_dir()
models = sorted(glob.glob(os.path.join(MODELS_DIR, "**", "*.tflite"), recursive=True))
if not models:
    T.check(False, "no .tflite files found under %s" % MODELS_DIR)
    T.finish()


# The oracle is imported once (not run per model) to keep the test fast; its
# facts() is what its command line prints.
spec = importlib.util.spec_from_file_location("tflite_facts", os.path.join(ORACLES, "tflite_facts.py"))
oracle = importlib.util.module_from_spec(spec)
spec.loader.exec_module(oracle)


def oracle_facts(path):
    """(facts, None) or (None, why the oracle could not read the file)."""
    try:
        with open(path, "rb") as f:
            return oracle.facts(f.read()), None
    except Exception as e:  # BadModel, or the flatbuffers library tripping on a broken file
        return None, "%s: %s" % (type(e).__name__, e)


def examine(path):
    return path, cli("inspect", "--json", path, timeout=120)


def close(a, b):
    if a is None or b is None:  # our emitter writes NaN/inf as null
        return a is None and (b is None or not math.isfinite(b))
    return a == b or abs(a - b) <= 1e-6 * max(abs(a), abs(b))


def compare_tensor(rel, what, ours, theirs):
    for key in ["name", "shape", "type", "zero_point", "quantized_dimension"]:
        T.check(ours.get(key) == theirs.get(key), "%s %s %s: ours %r, oracle %r" % (rel, what, key, ours.get(key), theirs.get(key)))
    s1, s2 = ours.get("scale", []), theirs.get("scale", [])
    T.check(len(s1) == len(s2) and all(close(a, b) for a, b in zip(s1, s2)),
            "%s %s scale: ours %s, oracle %s" % (rel, what, s1[:4], s2[:4]))


def reader_rewrites(facts):
    """The oracle's facts as npuquant's reader legitimately rewrites the file: a custom op
    "CUSTOM:NAME" is inspect's {"op": "CUSTOM", "custom_code": "NAME"}, MediaPipe's
    Convolution2DTransposeBias becomes TRANSPOSE_CONV with one added output-shape constant,
    and TFLite_Detection_PostProcess's outputs, unshaped in files, get their shapes (the
    sizes themselves are checked by tests/reader/test_detection_postprocess.py)."""
    counts, tcb = {}, 0
    for e in facts["ops"]:
        op, code = e["op"], None
        if op == "CUSTOM:Convolution2DTransposeBias":
            op, tcb = "TRANSPOSE_CONV", tcb + e["count"]
        elif op.startswith("CUSTOM:"):
            op, code = "CUSTOM", op[len("CUSTOM:"):]
        counts[(op, code or "", e["version"])] = counts.get((op, code or "", e["version"]), 0) + e["count"]
    detection = any(e["op"] == "CUSTOM:TFLite_Detection_PostProcess" for e in facts["ops"])
    ops = []
    for (o, code, v), c in sorted(counts.items()):
        ops.append({"op": o, "custom_code": code, "version": v, "count": c} if o == "CUSTOM"
                   else {"op": o, "version": v, "count": c})
    facts = dict(facts, ops=ops)
    facts["num_tensors"] += tcb
    facts["detection_outputs"] = detection
    return facts


loaded = refused = oracle_refused = io_only = 0
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    results = list(pool.map(examine, models))
for path, c in results:
    rel = os.path.relpath(path, MODELS_DIR)
    if c.returncode != 0:
        refused += 1
        lines = c.stderr.splitlines()
        T.check(c.returncode in (1, 3) and len(lines) == 1 and lines[0].startswith("npuquant: ") and path in lines[0],
                "%s: refused with exit %d and %r (want exit 1 or 3 and one line naming the file)" % (rel, c.returncode, c.stderr[:300]))
        continue
    try:
        ours = json.loads(c.stdout)
    except ValueError as e:
        T.check(False, "%s: --json output is not JSON: %s" % (rel, e))
        continue
    loaded += 1
    theirs, why = oracle_facts(path)
    if theirs is None:
        oracle_refused += 1  # the independent reader cannot read it: nothing to compare
        print("note: %s: oracle refused (%s), not compared" % (rel, why[:120]))
        continue
    theirs = json.loads(json.dumps(theirs))  # the same floats its command line would print
    theirs = reader_rewrites(theirs)
    for side in ["inputs", "outputs"]:
        T.check(len(ours[side]) == len(theirs[side]), "%s: %d %s, oracle %d" % (rel, len(ours[side]), side, len(theirs[side])))
        for k, (a, b) in enumerate(zip(ours[side], theirs[side])):
            if side == "outputs" and theirs["detection_outputs"] and not b["shape"]:
                b = dict(b, shape=a["shape"])
            compare_tensor(rel, "%s[%d]" % (side[:-1], k), a, b)
    deq = lambda ops: sum(e["count"] for e in ops if e["op"] == "DEQUANTIZE")
    if deq(ours["ops"]) < deq(theirs["ops"]):
        io_only += 1
        print("note: %s: %d DEQUANTIZE nodes folded by the reader; compared I/O only" % (rel, deq(theirs["ops"]) - deq(ours["ops"])))
        continue
    # min_tflite (the release table's answer) is ours alone; the oracle reads the file.
    our_ops = [{k: v for k, v in e.items() if k != "min_tflite"} for e in ours["ops"]]
    T.check(our_ops == theirs["ops"], "%s ops: ours %s, oracle %s" % (rel, our_ops, theirs["ops"]))
    for key in ["num_tensors", "num_operators"]:
        T.check(ours[key] == theirs[key], "%s %s: ours %s, oracle %s" % (rel, key, ours[key], theirs[key]))
    T.check(ours["num_operators"] == sum(e["count"] for e in ours["ops"]), "%s: op counts add up to num_operators" % rel)

print("models: %d, loaded: %d (%d compared in full, %d I/O only, %d unreadable by the oracle), refused: %d"
      % (len(models), loaded, loaded - io_only - oracle_refused, io_only, oracle_refused, refused))
T.check(loaded > 0, "the reader loads at least one model")
T.finish()
