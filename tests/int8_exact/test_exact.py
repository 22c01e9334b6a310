#!/usr/bin/python3
"""Bit-exactness of PRELU and MEAN (int8) against LiteRT.js (TFLite + XNNPACK).

    test_exact.py MAKE_EXACT_MODELS RUNNER [oneop|mediapipe]   (env: NQ_SHARED_DIR, NQ_SOURCE_DIR, NQ_CLI)

`oneop` runs parts 1-3 (LiteRT.js only), `mediapipe` part 4 (also ../shared): two ctest
tests, so a missing ../shared skips only part 4. No argument: all four.

1. PRELU: one-op models (make_exact_models) whose input rows hold every int8
   value and whose per-channel alpha holds every int8 value, so one run covers
   all (input, alpha) pairs, under several scale/zero-point sets (the first is
   hand_recrop's first PRELU). LiteRT does not delegate quantized PRELU to
   XNNPACK: it runs TFLite's kernel in double rounding. Asserted: our
   executor matches LiteRT.js to 0 steps in both rounding modes.
2. MEAN: one-op models over the last axis and over the spatial axes, with
   equal input/output parameters (the case a CONCATENATION ties) and with
   different ones, on "tie-rich" scales (0.05, 0.04...) where the rounding
   rule of a half shows. Asserted: single rounding matches LiteRT.js (XNNPACK's
   qs8 mean) to 0 steps; double rounding matches a numpy model of TFLite's
   kernels (QuantizedMeanOrSum in float, the integer spatial mean) exactly.
   Its distance to LiteRT (ties only, at most 1 step) is printed.
3. MUL by a constant covering every (input, constant) pair, five scale sets.
   LiteRT's XNNPACK takes it when float(s_in * s_b) / s_out lies in
   [2^-16, 2^8) and requantizes in float (qs8 vmul). Asserted: single
   rounding matches LiteRT.js to 0 steps (a spectrogram net from ../shared
   was 1 step off on 29 elements before).
3b. QUANTIZE between equal 8-bit types (the requantize convert writes before
   a CONCATENATION or an output), fed every value of the type. LiteRT's
   XNNPACK takes it when s_in / s_out lies in [2^-8, 2^7] and computes it
   with an 8-bit-fraction multiplier; outside that range TFLite's kernel
   runs. Asserted: single rounding matches LiteRT.js to 0 steps (the first
   case is YOLOv5n's output requantize, 1 step off before), double rounding
   matches a numpy model of TFLite's Requantize (MBQM) exactly.
4. Float models written by float_models.py (the independent python writer of
   examples/fashion) and converted by npuquant: cat([mean(x, 2), amax(x, 2)])
   (the CONCATENATION ties MEAN's output to its input parameters) and a
   per-channel PRELU. Single rounding: 0 steps; double rounding: 0 for
   PRELU, at most 1 (MEAN's ties) for the other.
5. MediaPipe PRELU networks (face_landmark, hand_recrop, iris_landmark,
   palm_detection_lite) converted by npuquant from 16 random-normal samples:
   single rounding matches LiteRT.js to 0 steps on random int8 inputs.

Exit 0 pass, 1 fail, 77 when LiteRT.js or ../shared is missing (1 under CI=true).
"""
import concurrent.futures
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SHARED = os.environ.get("NQ_SHARED_DIR", "")
SRC = os.environ.get("NQ_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "oracles"))
import oracles  # noqa: E402 (the runner's command line: recorded answers without npm)

LITERT = oracles.command("litert")
CLI = os.environ.get("NQ_CLI", "")
CI = os.environ.get("CI", "") == "true"
f32 = np.float32

# (s_in, zp_in, s_alpha, zp_alpha, s_out, zp_out, rank)
PRELU_CASES = [
    (0.0501397811, -4, 0.0054134191, -2, 0.042276863, -28, 3),  # hand_recrop's first PRELU
    (0.0501397811, -4, 0.0054134191, -2, 0.042276863, -28, 4),
    (0.031, 10, 0.0041, 0, 0.05, -100, 4),
    (0.2, -128, 0.01, 0, 0.013, 5, 3),  # positive multiplier > 1
    (0.0123, 3, 0.0071, -77, 0.0421, 127, 4),
    (0.05, 0, 0.004, 10, 0.04, -10, 4),
]
# (s_in, zp_in, s_out, zp_out, (K,) for the last axis or (H, W) for the spatial axes)
MEAN_CASES = [
    (0.05, 3, 0.05, 3, (24,)),  # equal parameters: what a CONCATENATION ties
    (0.0371, -17, 0.0371, -17, (96,)),
    (0.1, -90, 0.1, -90, (7,)),
    (0.05, 3, 0.04, -3, (24,)),
    (0.025, 25, 0.015, -80, (2,)),
    (0.5, 3, 0.001, 0, (5,)),  # ratio 500, outputs clamp
    (0.05, 3, 0.05, 3, (4, 6)),
    (0.1, -90, 0.1, -90, (3, 8)),
    (0.05, 3, 0.04, -3, (4, 6)),
    (0.025, 25, 0.015, -80, (2, 1)),
]
# (s_in, zp_in, s_b, zp_b, s_out, zp_out)
MUL_CASES = [
    (0.0327, 4, 0.0211, -7, 0.0125, 3),
    (0.05, 0, 0.004, 10, 0.0021, -20),
    (0.1, -90, 0.1, -90, 0.3, 0),
    (0.5, 3, 0.4, 1, 0.001, 0),  # product-to-output 200: XNNPACK still takes it
    (0.5, 3, 0.9, 1, 0.001, 0),  # 450 >= 2^8: TFLite's kernel runs
]
# (type, s_in, zp_in, s_out, zp_out)
REQUANT_CASES = [
    ("int8", 0.00390625, -128, 0.004401633981615305, -128),  # YOLOv5n's output requantize
    ("int8", 0.05, 3, 0.04, -3),
    ("int8", 0.0123, -20, 0.0371, 10),
    ("int8", 0.1, 0, 0.0005, 0),  # ratio 200: outside XNNPACK's range, TFLite's kernel
    ("int8", 0.001, 5, 0.5, 0),  # ratio 1/500: likewise
    ("uint8", 0.0078125, 128, 0.0093, 120),
]
# float_models.py outputs: (int8 input shape, allowed double-rounding steps vs LiteRT)
FLOAT_MODELS = {"cat_mean_max": ((1, 256, 24), 1), "prelu": ((1, 16, 16, 8), 0)}
MEDIAPIPE = {"face_landmark": (192, 192, 3), "hand_recrop": (256, 256, 3),
             "iris_landmark": (64, 64, 3), "palm_detection_lite": (192, 192, 3)}


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(1 if CI else 77)


class Missing(Exception):
    """LiteRT.js is not installed and no answer is recorded for this model."""


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode == 77:
        raise Missing(r.stderr.strip()[-300:])
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (os.path.basename(cmd[0]), (r.stderr or r.stdout).strip()[-300:]))


def outputs(prefix):
    res, k = [], 0
    while os.path.exists("%s.out%d.npy" % (prefix, k)):
        res.append(np.load("%s.out%d.npy" % (prefix, k)).astype(np.int64))
        k += 1
    return res


def run_all(runner, model, x_path, tmp, tag):
    """LiteRT, ours single, ours double: lists of int64 output arrays."""
    got = {}
    for name, cmd in (("lite", LITERT + [model]), ("single", [runner, "--single-rounding", model]),
                      ("double", [runner, model])):
        prefix = os.path.join(tmp, "%s_%s" % (tag, name))
        run(cmd + [prefix, x_path])
        got[name] = outputs(prefix)
        if not got[name]:
            raise RuntimeError("%s wrote no output for %s" % (name, tag))
    return got


def steps(a, b):
    return max(int(np.abs(x.reshape(-1) - y.reshape(-1)).max()) for x, y in zip(a, b))


def mbqm_double(acc, m):
    """TFLite's MultiplyByQuantizedMultiplier (double rounding) of int64 array acc by real m > 0."""
    mant, e = np.frexp(m)
    q = int(np.floor(abs(mant) * 2**31 + 0.5))
    if q == 2**31:
        q, e = q // 2, e + 1
    lsh, rsh = max(e, 0), max(-e, 0)
    ab = (acc << lsh) * q
    hi = np.where(ab >= 0, (ab + 2**30) // 2**31, -((-ab + 2**30 - 1) // 2**31))  # nudge, truncate
    mask = (1 << rsh) - 1
    rem, thr = hi & mask, (mask >> 1) + (hi < 0)
    return (hi >> rsh) + (rem > thr)


def requant_tflite(x, c):
    """TFLite's builtin int8/uint8 -> same-type QUANTIZE (Requantize), in numpy."""
    kind, s_in, zp_in, s_out, zp_out = c
    lo, hi = (-128, 127) if kind == "int8" else (0, 255)
    v = mbqm_double(x.astype(np.int64).reshape(-1) - zp_in, float(f32(s_in)) / float(f32(s_out)))
    return np.clip(v + zp_out, lo, hi)


def mean_tflite(x, c):
    """TFLite's builtin int8 MEAN (double-rounding mode's reference), in numpy."""
    s_in, zp_in, s_out, zp_out, ext = c
    if len(ext) == 2:  # reference_integer_ops::Mean: MBQM(sum(x - zp), s_in/s_out), / HW half away
        acc = (x.astype(np.int64) - zp_in).sum(axis=(1, 2)).reshape(-1)
        v = mbqm_double(acc, float(f32(s_in)) / float(f32(s_out)))
        cnt = ext[0] * ext[1]
        v = np.where(v > 0, (v + cnt // 2) // cnt, -((-v + cnt // 2) // cnt))
        return np.clip(v + zp_out, -128, 127)
    # QuantizedMeanOrSum: round(float(sum)/float(count) * scale + bias) + zp_out, half away
    s = x.astype(np.int64).sum(axis=-1).reshape(-1)
    scale = f32(f32(s_in) / f32(s_out))
    bias = f32(f32(-zp_in) * scale)
    r = ((s.astype(f32) / f32(ext[0])).astype(f32) * scale).astype(f32) + bias
    r = r.astype(f32)
    v = np.sign(r) * np.floor(np.abs(r) + f32(0.5))
    return np.clip(v + zp_out, -128, 127).astype(np.int64)


def main():
    part = sys.argv[3] if len(sys.argv) == 4 else "all"
    if len(sys.argv) not in (3, 4) or part not in ("oneop", "mediapipe", "all"):
        print("usage: test_exact.py MAKE_EXACT_MODELS RUNNER [oneop|mediapipe]")
        return 2
    maker, runner = sys.argv[1], sys.argv[2]
    if part != "oneop" and (not SHARED or not os.path.isdir(os.path.join(SHARED, "models", "mediapipe-solutions"))):
        skip("../shared not found (NQ_SHARED_DIR)")
    if not CLI or not os.access(CLI, os.X_OK):
        print("FAIL: NQ_CLI does not name the npuquant executable")
        return 1
    t0 = time.time()
    rng = np.random.default_rng(20261126)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        every = (np.arange(256) - 128).astype(np.int8)
        x_prelu = np.repeat(every[:, None], 256, axis=1)  # row r holds r - 128

        def prelu_job(k):
            c = PRELU_CASES[k]
            model = os.path.join(tmp, "prelu%d.tflite" % k)
            run([maker, "prelu4" if c[6] == 4 else "prelu", model] + [repr(v) for v in c[:6]])
            xp = os.path.join(tmp, "prelu%d_x.npy" % k)
            np.save(xp, x_prelu.reshape((1, 256, 1, 256) if c[6] == 4 else (1, 256, 256)))
            got = run_all(runner, model, xp, tmp, "prelu%d" % k)
            s, d = steps(got["single"], got["lite"]), steps(got["double"], got["lite"])
            return ("prelu %s" % (c,), s, d, s == 0 and d == 0)

        inputs = {k: rng.integers(-128, 128, (1, 1024, c[4][0]) if len(c[4]) == 1
                                  else (1, c[4][0], c[4][1], 256)).astype(np.int8)
                  for k, c in enumerate(MEAN_CASES)}

        def mean_job(k):
            c = MEAN_CASES[k]
            model = os.path.join(tmp, "mean%d.tflite" % k)
            kind = "mean" if len(c[4]) == 1 else "mean4"
            run([maker, kind, model] + [repr(v) for v in c[:4]] + [str(e) for e in c[4]])
            xp = os.path.join(tmp, "mean%d_x.npy" % k)
            np.save(xp, inputs[k])
            got = run_all(runner, model, xp, tmp, "mean%d" % k)
            s, d = steps(got["single"], got["lite"]), steps(got["double"], got["lite"])
            ref = mean_tflite(inputs[k], c)
            d_ref = int(np.abs(got["double"][0].reshape(-1) - ref).max())
            return ("mean %s (double vs TFLite model: %d)" % (c, d_ref), s, d, s == 0 and d_ref == 0)

        def mul_job(k):
            c = MUL_CASES[k]
            model = os.path.join(tmp, "mul%d.tflite" % k)
            run([maker, "mul", model] + [repr(v) for v in c])
            xp = os.path.join(tmp, "mul%d_x.npy" % k)
            np.save(xp, x_prelu.reshape((1, 256, 256)))
            got = run_all(runner, model, xp, tmp, "mul%d" % k)
            s = steps(got["single"], got["lite"])
            return ("mul %s" % (c,), s, steps(got["double"], got["lite"]), s == 0)

        def requant_job(k):
            c = REQUANT_CASES[k]
            model = os.path.join(tmp, "requant%d.tflite" % k)
            run([maker, "requant", model, c[0]] + [repr(v) for v in c[1:]])
            x = (np.arange(256) - 128).astype(np.int8) if c[0] == "int8" else np.arange(256).astype(np.uint8)
            xp = os.path.join(tmp, "requant%d_x.npy" % k)
            np.save(xp, x.reshape(1, 256))
            got = run_all(runner, model, xp, tmp, "requant%d" % k)
            s = steps(got["single"], got["lite"])
            d_ref = int(np.abs(got["double"][0].reshape(-1) - requant_tflite(x, c)).max())
            return ("requant %s (double vs TFLite model: %d)" % (c, d_ref), s,
                    steps(got["double"], got["lite"]), s == 0 and d_ref == 0)

        def mediapipe_job(name):
            shape = MEDIAPIPE[name]
            r = np.random.default_rng(len(name))
            cal = os.path.join(tmp, name + "_cal.npy")
            np.save(cal, r.standard_normal((16,) + shape).astype(np.float32))
            q = os.path.join(tmp, name + "_q.tflite")
            run([CLI, "convert", os.path.join(SHARED, "models", "mediapipe-solutions", name + ".tflite"),
                 "-d", cal, "-o", q, "--recipe", "tf"])  # the arithmetic is the subject, not the recipe
            worst_s, worst_d = 0, 0
            for k in range(2):
                xp = os.path.join(tmp, "%s_x%d.npy" % (name, k))
                np.save(xp, r.integers(-128, 128, (1,) + shape).astype(np.int8))
                got = run_all(runner, q, xp, tmp, "%s%d" % (name, k))
                worst_s = max(worst_s, steps(got["single"], got["lite"]))
                worst_d = max(worst_d, steps(got["double"], got["lite"]))
            return ("%s (npuquant convert)" % name, worst_s, worst_d, worst_s == 0)

        def float_job(name):
            shape, double_limit = FLOAT_MODELS[name]
            r = np.random.default_rng(len(name) + 100)
            cal = os.path.join(tmp, name + "_fcal.npy")
            np.save(cal, r.standard_normal((16,) + shape[1:]).astype(np.float32))
            q = os.path.join(tmp, name + "_fq.tflite")
            run([CLI, "convert", os.path.join(tmp, name + ".tflite"), "-d", cal, "-o", q, "--recipe", "tf"])
            worst_s, worst_d = 0, 0
            for k in range(3):
                xp = os.path.join(tmp, "%s_fx%d.npy" % (name, k))
                np.save(xp, r.integers(-128, 128, shape).astype(np.int8))
                got = run_all(runner, q, xp, tmp, "%s_f%d" % (name, k))
                worst_s = max(worst_s, steps(got["single"], got["lite"]))
                worst_d = max(worst_d, steps(got["double"], got["lite"]))
            return ("%s (float_models.py + npuquant convert)" % name, worst_s, worst_d,
                    worst_s == 0 and worst_d <= double_limit)

        mk = subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              "float_models.py"), tmp],
                            capture_output=True, text=True)
        if mk.returncode != 0 or sorted(mk.stdout.split()) != sorted(FLOAT_MODELS):
            print("FAIL: float_models.py: %s" % (mk.stderr.strip() or mk.stdout.strip()))
            return 1
        jobs = []
        if part != "mediapipe":
            jobs += [(prelu_job, k) for k in range(len(PRELU_CASES))]
            jobs += [(mean_job, k) for k in range(len(MEAN_CASES))]
            jobs += [(requant_job, k) for k in range(len(REQUANT_CASES))]
            jobs += [(mul_job, k) for k in range(len(MUL_CASES))]
            jobs += [(float_job, n) for n in FLOAT_MODELS]
        if part != "oneop":
            jobs += [(mediapipe_job, n) for n in MEDIAPIPE]

        def guarded(job):
            fn, arg = job
            try:
                return fn(arg)
            except Missing as e:
                return ("%s %s: %s" % (fn.__name__, arg, e), "-", "-", None)
            except Exception as e:  # noqa: BLE001 (one row per failure, the others still run)
                return ("%s %s: %s" % (fn.__name__, arg, e), "-", "-", False)

        # Two workers: LiteRT's start-up dominates and the cases are independent.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            rows = list(ex.map(guarded, jobs))
    failures = sum(1 for r in rows if r[3] is not None and not r[3])
    missing = sum(1 for r in rows if r[3] is None)
    print("%-7s %-7s %s" % ("single", "double", "case (max step diff vs LiteRT.js)"))
    for name, s, d, ok in rows:
        print("%-7s %-7s %s%s" % (s, d, name, "  MISSING" if ok is None else "" if ok else "  FAIL"))
    print("%d failure(s), %.1f s" % (failures, time.time() - t0))
    if missing and not failures:  # a partial check never passes as the whole one
        skip("%d case(s) have no LiteRT.js answer (not installed, none recorded)" % missing)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
