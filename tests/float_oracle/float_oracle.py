#!/usr/bin/python3
"""Our float executor against LiteRT.js (TFLite + XNNPACK) on every float model.

Walks NQ_SHARED_DIR/models for .tflite files whose inputs are float32 and whose
operators produce no int8/uint8/int16 tensors, runs `npuquant run` (NQ_CLI; once
with the default fast kernels, once with --reference) and
tests/oracles/litert_run.mjs on the same inputs, and requires for every output
    max|ours - theirs| / max|theirs| <= 1e-4.
Inputs: image-like inputs [N,H,W,1|3] get a real image (make_input.py, values in
[-1, 1]); the anomaly-detection input [1,640] gets real log-mel features from the
MLPerf Tiny dataset; anything else gets seeded uniform [-1, 1] data (the table
says which). A model our reader or engine rejects must fail with a message that
names one of the model's ops; LiteRT failing to run a model is reported, not
counted against us.
Without ../shared (and CI unset) it runs on the committed float network
examples/fashion/fashion_cnn.tflite with a synthetic picture (oracles.standin_photo),
LiteRT's answer replayed from tests/golden/recorded when LiteRT.js is not installed.
Exit: 0 all pass, 1 a failure, 77 skip (no LiteRT and no recorded answer).
"""
import concurrent.futures
import os
import subprocess
import sys
import tempfile

import numpy as np

TOL = 1e-4
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402
import tflite_facts  # noqa: E402

IMAGES = ["coral-images/grace_hopper.bmp", "coral-images/cat.bmp", "debian-darknet-images/dog.jpg",
          "coral-images/parrot.jpg"]
QUANT_TYPES = {"int8", "uint8", "int16"}
OPERATOR_INPUTS, OPERATOR_OUTPUTS = 1, 2  # schema.fbs Operator.inputs/outputs
# Hybrid models (int8 weights fed straight into float ops) run with dynamic-range
# quantized activations in LiteRT, while npuquant's reader dequantizes the weights
# and computes in float: they can only agree to about the activation quantization.
HYBRID_TOL = 2e-2


def model_facts(path):
    """(facts, float?) or (None, reason)."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        facts = tflite_facts.facts(data)
        r = tflite_facts.Reader(data)
        N = tflite_facts.N
        model = r.table(tflite_facts.encode.Get(N.UOffsetTFlags.packer_type, r.buf, 0), "model")
        sg = r.tables(model, tflite_facts.MODEL_SUBGRAPHS, "subgraphs")[0]
        tensors = r.tables(sg, tflite_facts.SUBGRAPH_TENSORS, "tensors")
        ops = r.tables(sg, tflite_facts.SUBGRAPH_OPERATORS, "operators")
        quant_act = False
        produced = set()

        def ttype(t):
            return tflite_facts.TENSOR_TYPES[r.scalar(tensors[t], tflite_facts.TENSOR_TYPE, N.Int8Flags, 0)]
        for op in ops:
            for t in r.numbers(op, OPERATOR_OUTPUTS, N.Int32Flags, "outputs"):
                if 0 <= t < len(tensors):
                    produced.add(t)
                    if ttype(t) in QUANT_TYPES:
                        quant_act = True
        names = [o["op"] for o in facts["ops"]]
        hybrid = False
        codes = r.tables(model, tflite_facts.MODEL_OPERATOR_CODES, "operator_codes")
        for op in ops:
            idx = r.scalar(op, tflite_facts.OPERATOR_OPCODE_INDEX, N.Uint32Flags, 0)
            if idx < len(codes) and tflite_facts.op_name(r, codes[idx]) == "DEQUANTIZE":
                continue
            for t in r.numbers(op, OPERATOR_INPUTS, N.Int32Flags, "inputs"):
                if 0 <= t < len(tensors) and t not in produced and ttype(t) in QUANT_TYPES:
                    hybrid = True
        facts["hybrid"] = hybrid and not quant_act
        del names
    except Exception as e:  # a file the facts reader cannot parse is not a float model we can test
        return None, "unparsable: %s" % e
    if not facts["inputs"] or any(i["type"] != "float32" for i in facts["inputs"]):
        return None, "non-float input"
    if quant_act:
        return None, "int8 activations"
    if facts["num_operators"] == 0:
        return None, "no operators"
    return facts, None


def make_inputs(shared, path, facts, tmp):
    """Input files for `path`; `shared` is ../shared or None (synthetic pictures)."""
    files, kinds = [], []
    for k, inp in enumerate(facts["inputs"]):
        shape = inp["shape"]
        out = os.path.join(tmp, "in%d.npy" % k)
        if len(shape) == 4 and shape[3] in (1, 3) and shape[1] > 1 and shape[2] > 1:
            img = oracles.image_or_standin(IMAGES[k % len(IMAGES)], tmp, seed=k)
            oracles.make_input(out, "--image", img, "--shape", "x".join(str(d) for d in shape), "--dtype", "float32",
                               "--scale", 1 / 127.5, "--offset", "-1")
            kinds.append("image")
        elif list(shape) == [1, 640] and "mlperf-tiny-ad" in path:
            feats = np.fromfile(os.path.join(shared, "data", "mlperf-tiny-audio",
                                             "normal_id_01_00000000_hist_librosa.bin"), dtype="<f4")
            np.save(out, feats[:640].reshape(1, 640).astype(np.float32))
            kinds.append("log-mel")
        else:
            rng = np.random.default_rng(1234 + k)
            np.save(out, rng.uniform(-1, 1, size=[max(d, 1) for d in shape]).astype(np.float32))
            kinds.append("random")
        files.append(out)
    return files, kinds


def run_one(shared, root, cli, path):
    rel = os.path.relpath(path, root)
    facts, why = model_facts(path)
    if facts is None:
        return None
    ops = [o["op"] for o in facts["ops"]]
    with tempfile.TemporaryDirectory() as tmp:
        ins, kinds = make_inputs(shared, path, facts, tmp)
        ours = subprocess.run([cli, "run", path, "-o", os.path.join(tmp, "ours")] +
                              sum([["-i", f] for f in ins], []), capture_output=True, text=True, timeout=300)
        # The same with the plain reference kernels only: both must match LiteRT.
        ref = subprocess.run([cli, "run", "--reference", path, "-o", os.path.join(tmp, "ref")] +
                             sum([["-i", f] for f in ins], []), capture_output=True, text=True, timeout=300)
        theirs = subprocess.run(oracles.command("litert") + [path, os.path.join(tmp, "lite")] + ins,
                                capture_output=True, text=True, timeout=300)
        row = {"model": rel, "inputs": ",".join(kinds), "errs": [], "status": "", "note": ""}
        tol = HYBRID_TOL if facts["hybrid"] else TOL
        if ours.returncode != 0:
            msg = (ours.stderr.strip().splitlines() or ["(no message)"])[-1]
            # A custom op is printed as CUSTOM 'Name' by us, CUSTOM:Name by the facts reader.
            named = any(op.split(":")[-1] in msg for op in ops)
            row["status"] = "REJECTED" if named else "FAIL"
            row["note"] = ("names op: " if named else "message names no op of %s: " % ops) + msg[:200]
            return row
        if ref.returncode != 0:
            row["status"] = "FAIL"
            row["note"] = "--reference failed where the default kernels ran: " + ref.stderr.strip()[-200:]
            return row
        if theirs.returncode == 77:  # not installed and no answer recorded for these bytes
            raise oracles.OracleSkip((theirs.stderr.strip().splitlines() or ["LiteRT.js: SKIP"])[-1])
        if theirs.returncode != 0:
            row["status"] = "NO-ORACLE"
            row["note"] = "LiteRT: " + (theirs.stderr.strip().splitlines() or ["?"])[-1][:200]
            return row
        ok = True
        for k, kind in [(k, kind) for k in range(len(facts["outputs"])) for kind in ("ours", "ref")]:
            a = np.load(os.path.join(tmp, "%s.out%d.npy" % (kind, k))).astype(np.float64)
            b = np.load(os.path.join(tmp, "lite.out%d.npy" % k)).astype(np.float64)
            if a.size != b.size:
                row["errs"].append(float("inf"))
                row["note"] = "output %d: %d elements vs LiteRT's %d" % (k, a.size, b.size)
                ok = False
                continue
            a, b = a.ravel(), b.ravel()
            denom = np.max(np.abs(b)) if b.size else 0.0
            err = float(np.max(np.abs(a - b)) / (denom if denom > 0 else 1.0)) if b.size else 0.0
            if not np.isfinite(a).all() and np.array_equal(np.isfinite(a), np.isfinite(b)):
                fin = np.isfinite(b)
                err = float(np.max(np.abs(a[fin] - b[fin])) / max(np.max(np.abs(b[fin])), 1e-30)) if fin.any() else 0.0
            row["errs"].append(err)
            if not err <= tol:
                ok = False
        row["status"] = ("PASS" if ok else "FAIL") + ("-HYBRID" if facts["hybrid"] else "")
        if facts["hybrid"]:
            row["note"] = "int8 weights into float ops: LiteRT quantizes activations, tolerance %.0e" % tol
        return row


def main():
    cli = oracles.cli_path()
    models = []
    if oracles.shared_present():
        shared = oracles.shared_dir()
        top = os.path.join(shared, "models")
        oracles.require("litert", os.path.join(top, "tflm-hello_world", "hello_world_float.tflite"))
        for root, _, files in os.walk(top):
            models += [os.path.join(root, f) for f in files if f.endswith(".tflite")]
    else:
        shared, top = None, oracles.SOURCE_DIR
        models = [os.path.join(top, "examples", "fashion", "fashion_cnn.tflite")]
        print("NOTE: ../shared is absent: running on the committed float network %s" % models[0])
        oracles.require("litert", models[0])
    models.sort()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        rows = [r for r in ex.map(lambda p: run_one(shared, top, cli, p), models) if r]
    width = max(len(r["model"]) for r in rows)
    print("%-*s  %-7s  %-11s  %s" % (width, "model", "inputs", "status", "max rel err per output: default kernels, reference kernels"))
    counts = {}
    for r in rows:
        errs = " ".join("%.2e/%.2e" % (r["errs"][i], r["errs"][i + 1]) for i in range(0, len(r["errs"]) - 1, 2))
        print("%-*s  %-7s  %-11s  %s %s" % (width, r["model"], r["inputs"], r["status"], errs, r["note"]))
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    print("summary: %s (tolerance %.0e, %d float models)" % (
        ", ".join("%s %d" % kv for kv in sorted(counts.items())), TOL, len(rows)))
    if shared is None and counts.get("PASS", 0) != len(models):
        print("FAIL: the committed network must run in both and agree (a stand-in run proves nothing otherwise)")
        return 1
    return 1 if counts.get("FAIL") or counts.get("FAIL-HYBRID") else 0


if __name__ == "__main__":
    oracles.main(main)
