#!/usr/bin/python3
"""Per-op oracle of the integer kernels: one small int8 model per kernel and
variant (written by make_op_models with npuquant's own writer), run by
npuquant (int8_run) and by LiteRT.js on the same inputs: bytes of a real
photo (skimage chelsea.png from ../shared; seeded random bytes without it)
laid over each input's full integer range.

    int8_ops_oracle.py RUNNER MAKE_OP_MODELS      (env: NQ_SHARED_DIR, NQ_SOURCE_DIR)

Assertion (single rounding, the XNNPACK-like mode): data-movement ops must
match exactly, arithmetic ops within 1 step. Double-rounding (TFLite
reference) figures are printed beside. A model LiteRT refuses is a SKIP row;
one npuquant cannot run is a failure. Exit 0/1, 77 as int8_oracle.py.
"""
import concurrent.futures
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import int8_oracle as base  # noqa: E402 (sibling module)

EXACT = {"reshape", "pad", "mirror_pad_reflect", "transpose", "slice", "strided_slice", "split",
         "split_v", "pack", "unpack", "gather", "space_to_depth", "depth_to_space",
         "space_to_batch", "batch_to_space", "resize_nearest_align", "resize_nearest_half_pixel",
         "arg_max", "max_pool_valid", "tile", "reduce_max", "reduce_min", "maximum", "minimum", "concat_same", "quantize_to_uint8"}

# Cases where LiteRT.js is no reference: checked against hand-computed values
# in test_int8_kernels instead.
ORACLE_UNUSABLE = {
    "concat_requant": "LiteRT.js 2.5 outputs all zeros for int8 CONCATENATION with rescaling",
}


def photo_bytes():
    """The bytes of a real photo; without ../shared (or under no CI rule that needs it),
    seeded random bytes: the photo only makes the inputs look like real data."""
    path = os.path.join(base.SHARED or "", "data", "skimage-samples", "chelsea.png")
    if not os.path.exists(path):
        if os.environ.get("CI") == "true":
            base.skip("../shared not found (NQ_SHARED_DIR)")  # CI requires it: a failure
        print("NOTE: ../shared is absent: inputs are seeded random bytes instead of a photo")
        return np.random.default_rng(1616).integers(0, 256, 451 * 300 * 3).astype(np.uint8)
    from PIL import Image  # noqa: PLC0415 (Debian python3-pil)
    img = Image.open(path).convert("RGB")
    return np.asarray(img, dtype=np.uint8).reshape(-1)


def main():
    if len(sys.argv) != 3:
        print("usage: int8_ops_oracle.py RUNNER MAKE_OP_MODELS")
        return 2
    runner, maker = sys.argv[1], sys.argv[2]
    t0 = time.time()
    pix = photo_bytes()
    rows, failures, missing = [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        mk = subprocess.run([maker, tmp], capture_output=True, text=True)
        names = mk.stdout.split()
        if mk.returncode != 0:
            print(mk.stderr.strip())
            failures += 1
        probe = subprocess.run(base.LITERT + ["--info", os.path.join(tmp, names[0] + ".tflite")],
                               capture_output=True, text=True)
        if probe.returncode == 77:
            base.skip(probe.stderr.strip())
        offset = 0
        jobs = []
        for name in names:
            model = os.path.join(tmp, name + ".tflite")
            info = base.facts(model)
            ins = []
            for k, inp in enumerate(info["inputs"]):
                lo, hi = base.QRANGE[inp["type"]]
                n = int(np.prod(inp["shape"])) if inp["shape"] else 1
                q = np.resize(np.roll(pix, -offset), n).astype(np.int64) * (hi - lo) // 255 + lo
                offset += 7919
                path = os.path.join(tmp, "%s_in%d.npy" % (name, k))
                np.save(path, q.astype(inp["type"]).reshape(inp["shape"]))
                ins.append(path)
            jobs.append((name, model, ins, len(info["outputs"])))

        def check(job):
            name, model, ins, n_out = job
            if name in ORACLE_UNUSABLE:
                return (name, "-", "-", "SKIP (%s)" % ORACLE_UNUSABLE[name]), False
            res = base.compare(runner, model, ins, n_out, tmp, name)
            limit = 0 if name in EXACT else 1
            if isinstance(res, str) and res.startswith("missing"):
                return (name, "-", "-", "MISSING (%s)" % res[-100:]), None
            if isinstance(res, str) and res.startswith("litert"):
                return (name, "-", "-", "SKIP (LiteRT refuses: %s)" % res[-100:]), False
            if isinstance(res, str):
                return (name, "-", "-", "FAIL (%s)" % res[-110:]), True
            fmt = lambda r: ",".join("shape" if d is None else str(d) for d in r)
            failed = any(d is None or d > limit for d in res["single"])
            status = ("FAIL (limit %d)" if failed else "PASS (limit %d)") % limit
            return (name, fmt(res["single"]), fmt(res["double"]), status), failed

        # Two workers: LiteRT's start-up dominates and the models are independent.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            for row, failed in ex.map(check, jobs):
                rows.append(row)
                failures += bool(failed)
                missing += failed is None
    w = max(len(r[0]) for r in rows)
    print("%-*s  %-8s %-8s %s" % (w, "op model", "single", "double", "result (max step diff vs LiteRT)"))
    for r in rows:
        print("%-*s  %-8s %-8s %s" % (w, r[0], r[1], r[2], r[3]))
    print("%d failure(s), %.1f s" % (failures, time.time() - t0))
    if missing and not failures:  # a partial check never passes as the whole one
        base.skip("%d model(s) have no LiteRT.js answer (not installed, none recorded)" % missing)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
