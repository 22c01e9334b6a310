#!/usr/bin/python3
"""16x8 inference speed: YOLOv5n (../shared/models/yolov5n-fp16-tflite) converted to TFLite's 16x8
(int16 activations, int8 weights), plain and with --split-weights auto, one 640x640 photo.

    bench/int16_bench.py [BUILD_DIR] [RUNS] [THREADS]

For each model: npuquant's executor with the fast 16x8 kernels (`run --repeat RUNS --threads
THREADS`), with the reference kernels (`--reference`: the only 16x8 path before
conv_s16_fast.c / depthwise_s16_fast.c, so "before"), and LiteRT.js (tests/oracles/litert_run.mjs,
TFLite in WebAssembly, one thread; its 16x8 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED are
TFLite's reference kernels: XNNPACK takes no int16 conv) measured in the same run on the same input.
Models come from $NQ_SHARED_DIR (default: ../shared beside the source tree).
Figures are medians in ms per photo; ref/ours is the speed-up over the reference kernels,
lrt/ours LiteRT.js ms over ours (above 1: we are faster); ref_diff and lrt_diff are the largest
difference of the reference kernels' and LiteRT.js's output from ours, relative to the output's
magnitude. The int16 arithmetic is bit-identical; the float32 output passes through DEQUANTIZE,
whose float kernels differ by an ulp (~2e-7) between `--reference` and the fast set, and
between us and LiteRT.js (tests/quant_oracle/test_yolov5n_16x8.py holds that to 1e-5).
Calibration: 4 even-numbered shared photos (the speed does not depend on it).
"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "oracles"))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build"))
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
THREADS = int(sys.argv[3]) if len(sys.argv) > 3 else 2
os.environ.setdefault("NQ_CLI", os.path.join(BUILD, "npuquant"))
os.environ.setdefault("NQ_SHARED_DIR", os.path.join(HERE, "..", "..", "shared"))
import oracles  # noqa: E402

ORACLE = os.path.join(HERE, "..", "tests", "oracles", "litert_run.mjs")


def median_ms(args):
    p = oracles.cli("run", *args, check=True)
    m = re.search(r"median ([0-9.]+) ms", p.stdout + p.stderr)
    return float(m.group(1))


def litert_ms(model, inp, out):
    p = subprocess.run(["node", ORACLE, "--repeat", "2", model, out, inp], capture_output=True, text=True,
                       check=True)
    import json  # noqa: PLC0415
    return float(json.loads(p.stdout.strip().splitlines()[-1])["median_ms"])


def main():
    model = oracles.model("yolov5n-fp16-tflite/yolov5n-fp16.tflite")
    photos = oracles.shared_photos(10)
    print("16x8 YOLOv5n 640x640, ms per photo: npuquant %d threads (fast / reference kernels) vs "
          "LiteRT.js 1 thread" % THREADS)
    print("%-24s %10s %10s %10s %8s %8s %9s %9s" % ("model", "ref_ms", "ours_ms", "litert_ms", "ref/ours",
                                                    "lrt/ours", "ref_diff", "lrt_diff"))
    with tempfile.TemporaryDirectory(prefix="nq-bench16-") as tmp:
        cal = oracles.image_dir(tmp, "cal", photos[0::2][:4])
        for name, extra in (("yolov5n_16x8", []), ("yolov5n_16x8_split", ["--split-weights", "auto"])):
            out = os.path.join(tmp, name + ".tflite")
            oracles.cli("convert", model, "-d", cal, "--range", "0..1", "-o", out, "--npu", "none", "--recipe",
                        "tf", "--activations", "int16", "--output-type", "float32", "--eval-samples", "1",
                        *extra, check=True, timeout=3600)
            inp = oracles.tflite_facts(out)["inputs"][0]
            x = oracles.photo(photos[1], 640)
            q = np.clip(np.round(x / inp["scale"][0]) + inp["zero_point"][0], -128, 127).astype(np.int8)
            npy = os.path.join(tmp, "in.npy")
            np.save(npy, q)
            fast = median_ms([out, "-i", npy, "-o", os.path.join(tmp, "f"), "--repeat", RUNS, "--threads",
                              THREADS])
            ref = median_ms([out, "-i", npy, "-o", os.path.join(tmp, "r"), "--repeat", max(2, RUNS // 4),
                             "--reference"])
            lrt = litert_ms(out, npy, os.path.join(tmp, "l"))
            f, r, lo = (np.load(os.path.join(tmp, s + ".out0.npy")) for s in ("f", "r", "l"))
            mag = float(np.max(np.abs(f)))
            print("%-24s %10.1f %10.1f %10.1f %8.1f %8.1f %9.1e %9.1e" % (
                name, ref, fast, lrt, ref / fast, lrt / fast, float(np.max(np.abs(f - r))) / mag,
                float(np.max(np.abs(f - lo))) / mag))
    print("load average (1/5/15 min): %s, %d cores" % (" ".join(open("/proc/loadavg").read().split()[:3]),
                                                      os.cpu_count()))


if __name__ == "__main__":
    main()
