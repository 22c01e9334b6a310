#!/usr/bin/python3
"""Compares two .npy outputs (e.g. npuquant's executor vs an oracle) and prints one JSON line.

    /usr/bin/python3 npy_compare.py A.npy B.npy [--max-steps N] [--rtol R] [--atol A]
                                              [--min-sqnr DB] [--same-argmax]

Stats: max_abs, max_rel (max_abs / max|B|), max_steps (integer arrays: largest difference
in LSB), sqnr_db (B taken as the reference: 10*log10(sum B^2 / sum (A-B)^2), inf when
equal), argmax_equal. Exit 0 when every given limit holds (and shapes and dtypes match),
1 otherwise, with the reason on stderr.
"""
import argparse
import json
import math
import sys

import numpy as np


def stats(a, b):
    fa, fb = a.astype(np.float64), b.astype(np.float64)
    diff = np.abs(fa - fb)
    max_abs = float(diff.max()) if diff.size else 0.0
    ref_peak = float(np.abs(fb).max()) if fb.size else 0.0
    noise = float(np.sum((fa - fb) ** 2))
    signal = float(np.sum(fb ** 2))
    out = {
        "shape": list(a.shape),
        "dtype": a.dtype.name,
        "max_abs": max_abs,
        "max_rel": max_abs / ref_peak if ref_peak > 0 else (0.0 if max_abs == 0 else math.inf),
        "sqnr_db": math.inf if noise == 0 else (10 * math.log10(signal / noise) if signal > 0 else -math.inf),
        "argmax_equal": bool(a.size == 0 or int(np.argmax(a)) == int(np.argmax(b))),
    }
    if np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_:
        out["max_steps"] = int(max_abs)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--max-steps", type=int)
    ap.add_argument("--rtol", type=float)
    ap.add_argument("--atol", type=float, default=0.0)
    ap.add_argument("--min-sqnr", type=float)
    ap.add_argument("--same-argmax", action="store_true")
    o = ap.parse_args()
    try:
        a, b = np.load(o.a, allow_pickle=False), np.load(o.b, allow_pickle=False)
    except (OSError, ValueError) as e:
        sys.stderr.write("npy_compare: %s\n" % e)
        return 1
    if a.shape != b.shape or a.dtype != b.dtype:
        sys.stderr.write("npy_compare: %s is %s %s, %s is %s %s\n" % (o.a, a.dtype, a.shape, o.b, b.dtype, b.shape))
        return 1
    s = stats(a, b)
    print(json.dumps(s).replace("Infinity", "1e999"))
    problems = []
    if o.max_steps is not None and s.get("max_steps", math.inf) > o.max_steps:
        problems.append("max_steps %s > %d" % (s.get("max_steps", "n/a (float data)"), o.max_steps))
    if o.rtol is not None:
        limit = o.atol + o.rtol * float(np.abs(b.astype(np.float64)).max(initial=0.0))
        if s["max_abs"] > limit:
            problems.append("max_abs %g > atol + rtol*max|B| = %g" % (s["max_abs"], limit))
    if o.min_sqnr is not None and s["sqnr_db"] < o.min_sqnr:
        problems.append("sqnr %.2f dB < %.2f dB" % (s["sqnr_db"], o.min_sqnr))
    if o.same_argmax and not s["argmax_equal"]:
        problems.append("argmax differs (%d vs %d)" % (int(np.argmax(a)), int(np.argmax(b))))
    if problems:
        sys.stderr.write("npy_compare: %s vs %s: %s\n" % (o.a, o.b, "; ".join(problems)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
