#!/usr/bin/python3
"""`convert --equalize` on four MediaPipe nets, checked in LiteRT.js (issue 10).

The models (../shared/models/mediapipe-solutions) are ReLU6 MobileNet-style nets whose
activation channels span very different ranges under one int8 scale per tensor. Each is
converted with `--calibration minmax --equalize` (weight equalization, then the
activation-range equalization of src/quant/equalize_act.c, which passes ReLU6) and with
`--recipe tf` (TensorFlow's min/max, the same calibration without equalization), float32
input and output, calibrated on 12 shared photos and evaluated on 12 others (`--eval-data`).
Asserted:
- each output's SQNR against float on the evaluation photos is at or above its floor
  (measured figures less about 0.7 dB; docs/quantization.md "Detectors and landmark models"
  has the table); each model's worst output is better than with --recipe tf, and so is the
  mean over its outputs but for hand_landmark (its presence score, one value per photo,
  loses 8 dB to 22 dB while its three other outputs gain);
- LiteRT.js runs each equalized model as our executor does (single rounding) on 2
  evaluation photos: within 1e-5 of each output's magnitude, far below one int8 step, so
  the int8 part is bit-identical.
Issue 10's bar (every output >= 20 dB) is printed, not asserted: pose_landmark and
hand_landmark's world landmarks stay below it (docs/quantization.md says where the error
enters). Skips (exit 77) without ../shared, LiteRT.js or python3-pil.
"""
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402

# model: (input side, input range, floors per output in dB). Measured (and --recipe tf):
# pose 11.43 / 7.41 / 6.26 / 13.96 / 9.48 (9.66 / 3.34 / 5.28 / 12.81 / 8.06),
# hand 32.76 / 21.97 / 20.90 / -2.32 (28.4 / 30.0 / 18.6 / -2.5),
# face 22.67 / 15.10 (18.08 / 14.08), selfie 18.02 (12.7).
MODELS = {
    "pose_landmark_lite": (256, (0.0, 1.0), {"Identity": 10.7, "Identity_1": 6.7, "Identity_2": 5.5,
                                             "Identity_3": 13.2, "Identity_4": 8.7}),
    "hand_landmark_lite": (224, (0.0, 1.0), {"Identity": 32.0, "Identity_1": 21.2, "Identity_2": 20.2,
                                             "Identity_3": -3.0}),
    "face_detection_short_range": (128, (-1.0, 1.0), {"regressors": 22.0, "classificators": 14.4}),
    "selfie_segmentation": (256, (0.0, 1.0), {"activation_10": 17.3}),
}
BAR_DB = 20.0


def convert(model, cal, ev, rng, out, recipe):
    p = oracles.cli("convert", model, "-d", cal, "--range", "%g..%g" % rng, "--eval-data", ev, "--input-type",
                    "float32", "--output-type", "float32", *recipe, "-o", out, "--json", check=True,
                    timeout=1800)
    return {o["name"]: o["sqnr_db"] for o in json.loads(p.stdout)["outputs"]}


def test():
    first = oracles.model("mediapipe-solutions/%s.tflite" % next(iter(MODELS)))
    oracles.require("litert", first)
    photos = oracles.shared_photos(48)
    calibration, evaluation = photos[0::2][::4][:12], photos[1::2][::2][:12]
    c = oracles.Checks("quant_mediapipe_equalize")
    with tempfile.TemporaryDirectory(prefix="nq-mpeq-") as tmp:
        cal = oracles.image_dir(tmp, "cal", calibration)
        ev = oracles.image_dir(tmp, "eval", evaluation)
        below = []
        for name, (size, rng, floors) in MODELS.items():
            model = oracles.model("mediapipe-solutions/%s.tflite" % name)
            out = os.path.join(tmp, name + "_eq.tflite")
            eq = convert(model, cal, ev, rng, out, ["--calibration", "minmax", "--equalize"])
            tf = convert(model, cal, ev, rng, os.path.join(tmp, name + "_tf.tflite"), ["--recipe", "tf"])
            print("%s: --equalize %s; --recipe tf %s" % (
                name, " / ".join("%.2f" % v for v in eq.values()), " / ".join("%.2f" % v for v in tf.values())))
            for o, floor in floors.items():
                c.check(eq.get(o, -1e9) >= floor, "%s %s: SQNR %.2f dB >= %.1f dB" % (name, o, eq.get(o), floor))
            c.check(min(eq.values()) > min(tf.values()), "%s: worst output with --equalize %.2f dB > --recipe "
                    "tf's %.2f dB" % (name, min(eq.values()), min(tf.values())))
            if name != "hand_landmark_lite":  # its presence score loses 8 dB, the 3 others gain
                c.check(np.mean(list(eq.values())) > np.mean(list(tf.values())),
                        "%s: mean SQNR with --equalize %.2f dB > --recipe tf's %.2f dB"
                        % (name, np.mean(list(eq.values())), np.mean(list(tf.values()))))
            below += ["%s %s" % (name, o) for o, v in eq.items() if v < BAR_DB]
            for path in evaluation[:2]:
                x = oracles.photo(path, size, 255.0 / (rng[1] - rng[0]), rng[0])
                lite = oracles.run("litert", out, [x])
                ours = oracles.run_ours(out, [x], ["--single-rounding"])
                c.check(len(lite) == len(ours) == len(floors), "%s: %d outputs from each runtime" % (name, len(floors)))
                for k, (a, b) in enumerate(zip(lite, ours)):
                    off = float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-30))
                    c.check(off <= 1e-5, "%s on %s, output %d: LiteRT.js and npuquant agree within %.2g of its "
                            "magnitude" % (name, os.path.basename(path), k, off))
        print("issue 10 bar (every output >= %.0f dB): %s" % (
            BAR_DB, "met" if not below else "not met by " + ", ".join(below)))
    return c.finish()


if __name__ == "__main__":
    oracles.main(test)
