#!/usr/bin/python3
"""One-op float models against LiteRT.js.

Runs the generator (argv[1], make_float_op_models.c) to write one small .tflite
per op case with our writer (output shapes from our shape inference), then
runs each with `npuquant run` (default kernels and --reference) and with
tests/oracles/litert_run.mjs on the same seeded uniform [-1, 1] inputs.
Per output: same shape, and max|ours - theirs| / max|theirs| <= 1e-4 (integer
outputs must be equal; QUANTIZE->DEQUANTIZE may differ by one quantization
step where x/scale lands on a rounding boundary). A model LiteRT refuses to
load is reported as NO-ORACLE, not counted against us.
Exit: 0 all pass, 1 a failure, 77 skip (LiteRT not installed).
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


def run_case(cli, path, tmp):
    name = os.path.basename(path)[:-len(".tflite")]
    with open(path, "rb") as f:
        facts = tflite_facts.facts(f.read())
    work = os.path.join(tmp, name)
    os.makedirs(work)
    ins = []
    for k, inp in enumerate(facts["inputs"]):
        rng = np.random.default_rng(99 + 7 * k + sum(map(ord, name)))
        f = os.path.join(work, "in%d.npy" % k)
        np.save(f, rng.uniform(-1, 1, size=inp["shape"]).astype(np.float32))
        ins.append(f)
    iargs = sum([["-i", f] for f in ins], [])
    runs = {}
    for kind, extra in (("ours", []), ("ref", ["--reference"])):
        r = subprocess.run([cli, "run"] + extra + [path, "-o", os.path.join(work, kind)] + iargs,
                           capture_output=True, text=True, timeout=120)
        runs[kind] = r
    lite = subprocess.run(oracles.command("litert") + [path, os.path.join(work, "lite")] + ins,
                          capture_output=True, text=True, timeout=120)
    row = {"name": name, "errs": [], "status": "PASS", "note": ""}
    for kind, r in runs.items():
        if r.returncode != 0:
            row["status"] = "FAIL"
            row["note"] = "%s: %s" % (kind, (r.stderr.strip().splitlines() or ["?"])[-1][:200])
            return row
    if lite.returncode != 0:
        row["status"] = "NO-ORACLE"
        row["note"] = "LiteRT: " + (lite.stderr.strip().splitlines() or ["?"])[-1][:200]
        return row
    for k in range(len(facts["outputs"])):
        b = np.load(os.path.join(work, "lite.out%d.npy" % k))
        for kind in ("ours", "ref"):
            a = np.load(os.path.join(work, "%s.out%d.npy" % (kind, k)))
            if a.shape != b.shape and a.size != b.size:
                row["status"] = "FAIL"
                row["note"] = "output %d: shape %s vs LiteRT's %s" % (k, a.shape, b.shape)
                continue
            if np.issubdtype(b.dtype, np.integer):
                bad = int(np.sum(a.ravel() != b.ravel()))
                row["errs"].append(float(bad))
                if bad:
                    row["status"] = "FAIL"
                    row["note"] = "%d integer elements differ" % bad
                continue
            a64, b64 = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
            denom = max(np.max(np.abs(b64)) if b64.size else 0.0, 1e-30)
            err = float(np.max(np.abs(a64 - b64)) / denom) if b64.size else 0.0
            row["errs"].append(err)
            limit = TOL
            if name == "quantize_dequantize":  # one step (1/64) at rounding boundaries
                steps = np.abs(a64 - b64) * 64
                off = int(np.sum(steps > 0.5))
                row["note"] = "%d of %d elements one step apart" % (off, b64.size)
                limit = 1.0 / 64 / denom + 1e-6 if off <= max(1, b64.size // 50) else TOL
            if not err <= limit:
                row["status"] = "FAIL"
    return row


def main():
    if len(sys.argv) != 2:
        print("usage: op_oracle.py MAKE_FLOAT_OP_MODELS")
        return 2
    cli = oracles.cli_path()
    with tempfile.TemporaryDirectory() as tmp:
        models_dir = os.path.join(tmp, "models")
        os.makedirs(models_dir)
        gen = subprocess.run([sys.argv[1], models_dir], capture_output=True, text=True)
        if gen.returncode != 0:
            print("FAIL: the generator failed: " + gen.stderr.strip())
            return 1
        paths = sorted(os.path.join(models_dir, f) for f in os.listdir(models_dir))
        oracles.require("litert", paths[0])
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            rows = list(ex.map(lambda p: run_case(cli, p, tmp), paths))
    width = max(len(r["name"]) for r in rows)
    print("%-*s  %-9s  %s" % (width, "case", "status", "max rel err per output (default, reference)"))
    counts = {}
    for r in rows:
        print("%-*s  %-9s  %s %s" % (width, r["name"], r["status"], " ".join("%.2e" % e for e in r["errs"]), r["note"]))
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    print("summary: %s (%d one-op models, tolerance %.0e)" % (", ".join("%s %d" % kv for kv in sorted(counts.items())),
                                                              len(rows), TOL))
    return 1 if counts.get("FAIL") else 0


if __name__ == "__main__":
    oracles.main(main)
