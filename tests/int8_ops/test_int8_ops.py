#!/usr/bin/python3
"""Ops this area quantizes (LOG_SOFTMAX, SQUARED_DIFFERENCE, RSQRT, SQRT,
LOG, EXP, ABS, ELU, GELU): float one-op models built in the IR and
quantized by npuquant over random calibration data (make_quant_op_models),
then checked against LiteRT.js (TFLite's own kernels):

  (a) the int8 model run by our executor (tests/int8's int8_run) and by
      LiteRT on the same int8 inputs: identical outputs (0 steps) in double
      rounding, TFLite's default build and what LiteRT's builtin kernels
      use (XNNPACK takes none of these ops quantized); single rounding
      (TFLITE_SINGLE_ROUNDING builds: TFLM, CMSIS-NN) may differ by 1 step
      where a fixed-point multiply lands on a tie;
  (b) SQNR of our dequantized int8 output against LiteRT's float32 run of
      the float model on the same (unquantized) inputs, above a per-op
      threshold set a few dB under what TFLite's arithmetic reaches here;
  (c) the OperatorCode version written for the int8 op is what TFLite's
      op_version.cc gives (TFLITE_INT8.md 1.4).

    test_int8_ops.py MAKE_MODELS INT8_RUN [versions]     (env: NQ_SOURCE_DIR; CI)

With `versions`, only (c) runs (no LiteRT.js needed; its own ctest test, so a missing
LiteRT.js does not hide it).

Inputs are drawn uniformly from each case's calibration range (seeded).
Exit 0 pass, 1 fail, 77 when LiteRT.js is not installed (unless CI=true).
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

# Lowest acceptable SQNR (dB) of int8 vs float per case, about 6 dB under
# what was measured (printed beside; the data are seeded). Fixed output
# ranges (LOG_SOFTMAX: 1/16 steps over [-16, 0]) and steep functions near 0
# (RSQRT, LOG) cost the most.
MIN_SQNR = {
    "log_softmax": 40.0, "log_softmax_wide": 45.0, "log_softmax_narrow": 40.0,
    "log_softmax_rows": 40.0, "log_softmax_coarse": 45.0, "squared_difference": 37.0, "squared_difference_bcast": 37.0,
    "rsqrt": 31.0, "sqrt": 40.0, "log": 33.0, "exp": 36.0, "abs": 42.0, "elu": 38.0,
    "gelu": 40.0, "gelu_approximate": 40.0, "squared_difference_rsqrt": 36.0,
    "reduce_prod_last": 31.0, "reduce_prod_signed": 34.0, "reduce_prod_two_axes": 38.0,
}

# TFLite fixes LOG_SOFTMAX's output at scale 16/256, zero point 127: values
# below -255/16 cannot be represented, so the float reference is clipped to
# that range before the SQNR (the wide case puts many values below it).
CLIP_REF = {k: (-255.0 / 16, 0.0) for k in ("log_softmax", "log_softmax_wide", "log_softmax_narrow",
                                            "log_softmax_rows", "log_softmax_coarse")}

# Allowed step difference from LiteRT per rounding variant (see (a)).
MAX_STEPS = {"double": 0, "single": 1}

# Versions TFLite's op_version.cc assigns to the int8 forms.
INT8_VERSION = {"LOG_SOFTMAX": 2, "SQUARED_DIFFERENCE": 2, "RSQRT": 2, "SQRT": 1, "LOG": 2,
                "EXP": 2, "ABS": 2, "ELU": 1, "GELU": 2, "REDUCE_PROD": 2}


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode, (r.stderr.strip().splitlines() or [""])[-1]


def version_problems(info):
    problems = []
    for op in info["ops"]:
        want = INT8_VERSION.get(op["op"])
        if want is not None and op["version"] != want:
            problems.append("%s version %d, %d expected" % (op["op"], op["version"], want))
    return problems


def check_versions(maker):
    """(c) alone: every int8 model's op versions, and each case's op is in it."""
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        mk = subprocess.run([maker, tmp], capture_output=True, text=True)
        names = [line.split()[0] for line in mk.stdout.split("\n") if line.strip()]
        if mk.returncode != 0 or not names:
            failures.append("make_quant_op_models: " + mk.stderr.strip())
        for name in names:
            info = oracles.tflite_facts(os.path.join(tmp, name + "_i8.tflite"))
            versioned = [o for o in info["ops"] if o["op"] in INT8_VERSION]
            if not versioned:
                failures.append("%s: no op of this area in the int8 model: %r" % (name, info["ops"]))
            failures += [name + ": " + p for p in version_problems(info)]
        print("%d int8 models, op versions checked: %s" % (len(names), ", ".join(
            "%s v%d" % kv for kv in sorted(INT8_VERSION.items()))))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


def check_case(name, ranges, tmp, runner, rng):
    f32, i8 = (os.path.join(tmp, "%s_%s.tflite" % (name, k)) for k in ("f32", "i8"))
    info = oracles.tflite_facts(i8)
    problems = version_problems(info)
    fins, qins = [], []
    for k, inp in enumerate(info["inputs"]):
        lo, hi = ranges[k]
        if inp["type"] != "int8":
            return [name + ": input %d is %s, int8 expected" % (k, inp["type"])], None
        x = rng.uniform(lo, hi, size=inp["shape"]).astype(np.float32)
        s, z = inp["scale"][0], inp["zero_point"][0]
        q = np.clip(np.round(x / np.float32(s)) + z, -128, 127).astype(np.int8)
        fp, qp = (os.path.join(tmp, "%s_in%d_%s.npy" % (name, k, t)) for t in ("f", "q"))
        np.save(fp, x)
        np.save(qp, q)
        fins.append(fp)
        qins.append(qp)
    lite_q, lite_f = os.path.join(tmp, name + "_lq"), os.path.join(tmp, name + "_lf")
    rc, msg = run(oracles.command("litert") + [i8, lite_q] + qins)
    if rc == 77:  # not installed, no recorded answer: the whole test skips
        raise oracles.OracleSkip(msg)
    if rc != 0:
        return [name + ": LiteRT cannot run the int8 model: " + msg], None
    rc, msg = run(oracles.command("litert") + [f32, lite_f] + fins)
    if rc == 77:
        raise oracles.OracleSkip(msg)
    if rc != 0:
        return [name + ": LiteRT cannot run the float model: " + msg], None
    ref_q = np.load(lite_q + ".out0.npy")
    ref_f = np.load(lite_f + ".out0.npy").astype(np.float64)
    steps = {}
    ours = None
    for mode in ("single", "double"):
        prefix = os.path.join(tmp, "%s_ours_%s" % (name, mode))
        flag = ["--single-rounding"] if mode == "single" else []
        rc, msg = run([runner] + flag + [i8, prefix] + qins)
        if rc != 0:
            return [name + ": npuquant cannot run the int8 model: " + msg], None
        got = np.load(prefix + ".out0.npy").reshape(ref_q.shape)
        steps[mode] = int(np.abs(got.astype(np.int32) - ref_q.astype(np.int32)).max())
        ours = got
        if steps[mode] > MAX_STEPS[mode]:
            problems.append("%s rounding: %d step(s) from LiteRT on %d of %d elements" % (
                mode, steps[mode], int(np.count_nonzero(got != ref_q)), got.size))
    out = info["outputs"][0]
    deq = (ours.astype(np.float64) - out["zero_point"][0]) * out["scale"][0]
    ref = ref_f.reshape(deq.shape)
    if name in CLIP_REF:
        ref = np.clip(ref, *CLIP_REF[name])
    db = oracles.sqnr_db(ref, deq)
    if db < MIN_SQNR[name]:
        problems.append("SQNR %.2f dB below %.1f" % (db, MIN_SQNR[name]))
    return [name + ": " + p for p in problems], (steps, db)


def main():
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] != "versions"):
        print("usage: test_int8_ops.py MAKE_MODELS INT8_RUN [versions]")
        return 2
    maker, runner = sys.argv[1], sys.argv[2]
    if len(sys.argv) == 4:
        return check_versions(maker)
    t0 = time.time()
    failures = []
    rng = np.random.default_rng(20261126)
    with tempfile.TemporaryDirectory() as tmp:
        mk = subprocess.run([maker, tmp], capture_output=True, text=True)
        if mk.returncode != 0:
            failures.append("make_quant_op_models: " + mk.stderr.strip())
        print("%-26s %-7s %-7s %-9s %s" % ("case", "single", "double", "SQNR dB", "result"))
        for line in mk.stdout.split("\n"):
            if not line.strip():
                continue
            f = line.split()
            name = f[0]
            vals = [float(v) for v in f[1:]]
            ranges = [(vals[i], vals[i + 1]) for i in range(0, len(vals), 2)]
            problems, res = check_case(name, ranges, tmp, runner, rng)
            if res is None:
                print("%-26s %-7s %-7s %-9s FAIL" % (name, "-", "-", "-"))
            else:
                steps, db = res
                print("%-26s %-7d %-7d %-9.2f %s (min %.1f)" % (
                    name, steps["single"], steps["double"], db, "FAIL" if problems else "PASS",
                    MIN_SQNR[name]))
            failures += problems
        missing = set(MIN_SQNR) - {l.split()[0] for l in mk.stdout.split("\n") if l.strip()}
        failures += ["%s: model was not made" % m for m in sorted(missing)]
    for f in failures:
        print("FAIL: " + f)
    print("%d failure(s), %.1f s" % (len(failures), time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    oracles.main(main)
