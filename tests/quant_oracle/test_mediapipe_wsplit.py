#!/usr/bin/python3
"""`convert --split-weights auto` on MediaPipe's pose_landmark_lite and hand_landmark_lite
(issue 10), checked in LiteRT.js.

Set up as test_mediapipe_equalize.py (12 calibration and 12 evaluation photos, float32
input and output, `--calibration minmax --equalize`), converted without and with
--split-weights auto. Printed: each output's SQNR against float before and after, and the
layers auto split. Asserted:
- each output's SQNR with the split is at or above its floor (the measured figure less
  about 0.7 dB), and hand_landmark's worst output gains over 0.5 dB (its world landmarks,
  whose FULLY_CONNECTED bias cancels W x, -2.3 -> 12.3 dB), pose's mean over its outputs
  (9.94 -> 10.50 dB; its worst, the presence flag, is 12 scalars and swings by several dB);
- auto splits hand_landmark's world-landmark layer ('Identity_3');
- LiteRT.js runs each split model as our executor does (single rounding) on one
  evaluation photo, within 1e-5 of each output's magnitude.
Skips (exit 77) without ../shared, LiteRT.js or python3-pil.
"""
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402

# model: (input side, floors per output in dB with --split-weights auto). Measured
# (without -> with): pose 11.46 / 8.40 / 6.23 / 14.03 / 9.56 -> 12.90 / 4.52 / 8.48 / 16.73 / 9.86,
# hand 32.68 / 26.98 / 20.90 / -2.33 -> 32.68 / 26.98 / 22.85 / 12.31. pose's were 15.06 / 10.43 /
# 7.20 / 14.32 / 12.55 before a split layer's W_hi x + b took the range its ReLU6 ADD needs
# (saturation_clip.c); on 48 evaluation photos that change took them from 11.98 / 7.17 / 6.36 /
# 14.88 / 10.29 to 14.16 / 7.96 / 7.57 / 16.87 / 10.72: these 12 photos (Identity_1 is 12
# scalars) swing by several dB either way with any change upstream.
MODELS = {
    "pose_landmark_lite": (256, {"Identity": 12.2, "Identity_1": 3.8, "Identity_2": 7.7, "Identity_3": 16.0,
                                 "Identity_4": 9.1}),
    "hand_landmark_lite": (224, {"Identity": 32.0, "Identity_1": 26.3, "Identity_2": 22.1, "Identity_3": 11.6}),
}


def convert(model, cal, ev, out, extra):
    p = oracles.cli("convert", model, "-d", cal, "--range", "0..1", "--eval-data", ev, "--input-type", "float32",
                    "--output-type", "float32", "--calibration", "minmax", "--equalize", *extra, "-o", out, "--json",
                    check=True, timeout=1800)
    split = [ln for ln in p.stderr.splitlines() if ln.startswith("npuquant: --split-weights")]
    return {o["name"]: o["sqnr_db"] for o in json.loads(p.stdout)["outputs"]}, split


def test():
    first = oracles.model("mediapipe-solutions/%s.tflite" % next(iter(MODELS)))
    oracles.require("litert", first)
    photos = oracles.shared_photos(48)
    calibration, evaluation = photos[0::2][::4][:12], photos[1::2][::2][:12]
    c = oracles.Checks("quant_mediapipe_wsplit")
    with tempfile.TemporaryDirectory(prefix="nq-mpws-") as tmp:
        cal = oracles.image_dir(tmp, "cal", calibration)
        ev = oracles.image_dir(tmp, "eval", evaluation)
        for name, (size, floors) in MODELS.items():
            model = oracles.model("mediapipe-solutions/%s.tflite" % name)
            out = os.path.join(tmp, name + "_ws.tflite")
            before, _ = convert(model, cal, ev, os.path.join(tmp, name + ".tflite"), [])
            after, split = convert(model, cal, ev, out, ["--split-weights", "auto"])
            print("%s: without / with --split-weights auto:" % name)
            for o in floors:
                print("  %-11s %7.2f dB -> %7.2f dB" % (o, before.get(o, float("nan")), after.get(o, float("nan"))))
            for ln in split:  # its figures, then the layer (TFLite's names are long)
                print("  " + ln[len("npuquant: "):][:150])
            for o, floor in floors.items():
                c.check(after.get(o, -1e9) >= floor, "%s %s: SQNR %.2f dB >= %.1f dB" % (name, o, after.get(o), floor))
            # pose's worst output is its presence flag (12 scalars): its mean over outputs is the steadier figure
            pick = min if name == "hand_landmark_lite" else (lambda v: sum(v) / len(v))
            c.check(pick(list(after.values())) > pick(list(before.values())) + 0.5,
                    "%s: the %s output gains (%.2f -> %.2f dB)" % (name, "worst" if pick is min else "mean",
                                                                    pick(list(before.values())),
                                                                    pick(list(after.values()))))
            if name == "hand_landmark_lite":
                c.check(any("'Identity_3'" in ln for ln in split), "hand: the world-landmark FC is split")
            x = oracles.photo(evaluation[0], size, 255.0, 0.0)
            lite = oracles.run("litert", out, [x])
            ours = oracles.run_ours(out, [x], ["--single-rounding"])
            c.check(len(lite) == len(ours) == len(floors), "%s: %d outputs from each runtime" % (name, len(floors)))
            for k, (a, b) in enumerate(zip(lite, ours)):
                off = float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-30))
                c.check(off <= 1e-5, "%s output %d: LiteRT.js and npuquant agree within %.2g of its magnitude"
                        % (name, k, off))
    return c.finish()


if __name__ == "__main__":
    oracles.main(test)
