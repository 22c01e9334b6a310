#!/usr/bin/python3
"""Four MediaPipe nets in TFLite's 16x8 with split weights, checked in LiteRT.js (issue 10).

At int8 these nets stay below issue 10's 20 dB per output whatever the recipe
(test_mediapipe_equalize.py): pose_landmark's and hand_landmark's errors enter through
activations and through weights whose rounding their cancelling filters amplify. Converted
with the default (automatic) recipe for a target that runs 16x8 (`--npu ethos-u`), which
escalates past every int8 candidate and chooses `minmax+16x8+split-weights`, the model of
`--recipe tf --activations int16 --split-weights auto` (16x8: int16 activations, int8
weights, int64 biases; HARD_SWISH computed as ADD + RELU6, MUL, MUL since TFLite has no int16
HARD_SWISH; layers whose weight rounding alone costs more than 55 dB get a second int8 layer
for the rounding error: at 45 dB later layers amplified what was left by 10-18 dB), float32
input and output, calibrated on 12 shared photos and evaluated on 12 others (`--eval-data`, npuquant's executor). Asserted:
- the recipe chose `minmax+16x8+split-weights` (`recipe.chosen` in --json);
- each output's SQNR against float is at or above its floor (measured less about 0.7 dB);
- the 16x8 models have no int8 activation left (selfie's hard-swishes included);
- LiteRT.js runs each model as our executor does on one evaluation photo: within 1e-5 of each
  output's magnitude, i.e. bit-identical int16 arithmetic (hand_landmark's 16x8
  FULLY_CONNECTED layers were one int16 step off until their per-tensor requantization was
  made the double one LiteRT runs).
Issue 10's bar (every output >= 20 dB) is printed: met on these photos (pose's segmentation
logits at 20.5 dB, the closest). Which targets run 16x8: docs/quantization.md.
Under a sanitizer build only hand and selfie run, on 4 + 2 photos (too few for the search: the
recipe's choice given as flags), without the floors.
Skips (exit 77) without ../shared, LiteRT.js or python3-pil.
"""
import json
import os
import re
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402

# measured: pose 31.33 / 25.84 / 20.49 / 35.64 / 27.15, hand 44.63 / 66.89 / 39.21 / 30.52,
# face 35.25 / 32.18, selfie 30.73 (split below 55 dB weight-only, a split layer's W_hi x + b
# on the range its ReLU6 ADD needs; split below 45 dB they were 29.05 / 19.08 / 16.85 / 30.96 /
# 25.45, 40.72 / 33.22 / 31.77 / 16.36, 33.99 / 29.94, 28.51; int8 --equalize: 11.4 / 7.4 /
# 6.3 / 14.0 / 9.5, 32.8 / 22.0 / 20.9 / -2.3, 22.7 / 15.1, 18.0)
MODELS = {
    "pose_landmark_lite": (256, (0.0, 1.0), {"Identity": 30.6, "Identity_1": 25.1, "Identity_2": 19.8,
                                             "Identity_3": 34.9, "Identity_4": 26.4}),
    "hand_landmark_lite": (224, (0.0, 1.0), {"Identity": 43.9, "Identity_1": 66.1, "Identity_2": 38.5,
                                             "Identity_3": 29.8}),
    "face_detection_short_range": (128, (-1.0, 1.0), {"regressors": 34.5, "classificators": 31.4}),
    "selfie_segmentation": (256, (0.0, 1.0), {"activation_10": 30.0}),
}
BAR_DB = 20.0
# Under a sanitizer build (ten times slower): hand (its FULLY_CONNECTED layers) and selfie (the
# HARD_SWISH rewrite) on 4 calibration and 2 evaluation photos, LiteRT.js agreement only.
SANITIZED = os.environ.get("NQ_SANITIZED") == "1"
SANITIZED_MODELS = ("hand_landmark_lite", "selfie_segmentation")


def test():
    first = oracles.model("mediapipe-solutions/%s.tflite" % next(iter(MODELS)))
    oracles.require("litert", first)
    photos = oracles.shared_photos(48)
    calibration, evaluation = photos[0::2][::4][:12], photos[1::2][::2][:12]
    if SANITIZED:
        calibration, evaluation = calibration[:4], evaluation[:2]
        print("sanitizer build: %s on 4 + 2 photos, LiteRT.js agreement only" % ", ".join(SANITIZED_MODELS))
    c = oracles.Checks("quant_mediapipe_16x8")
    with tempfile.TemporaryDirectory(prefix="nq-mp16-") as tmp:
        cal = oracles.image_dir(tmp, "cal", calibration)
        ev = oracles.image_dir(tmp, "eval", evaluation)
        below = []
        for name, (size, rng, floors) in MODELS.items():
            if SANITIZED and name not in SANITIZED_MODELS:
                continue
            model = oracles.model("mediapipe-solutions/%s.tflite" % name)
            out = os.path.join(tmp, name + "_16x8.tflite")
            recipe = (("--recipe", "tf", "--activations", "int16", "--split-weights", "auto") if SANITIZED
                      else ("--npu", "ethos-u"))
            p = oracles.cli("convert", model, "-d", cal, "--range", "%g..%g" % rng, "--eval-data", ev,
                            "--input-type", "float32", "--output-type", "float32", *recipe, "-o", out, "--json",
                            check=True, timeout=1800)
            report = json.loads(p.stdout)
            got = {o["name"]: o["sqnr_db"] for o in report["outputs"]}
            chosen = report.get("recipe", {}).get("chosen")
            c.check(SANITIZED or chosen == "minmax+16x8+split-weights",
                    "%s: the default recipe on a 16x8 target chose minmax+16x8+split-weights (%s)" % (name, chosen))
            print("%s 16x8: %s" % (name, " / ".join("%.2f" % v for v in got.values())))
            for o, floor in ({} if SANITIZED else floors).items():
                c.check(got.get(o) is not None and got[o] >= floor,
                        "%s %s: SQNR %s dB >= %.1f dB" % (name, o, got.get(o), floor))
            below += ["%s %s" % (name, o) for o, v in got.items() if v is not None and v < BAR_DB]
            listing = oracles.cli("inspect", out, "--tensors").stdout
            int8_acts = [ln.strip() for ln in listing.splitlines() if re.match(r"\s*\d+\s+int8\s+\[.*?\]\s+no\s", ln)]
            c.check(not int8_acts, "%s: no int8 activation left: %s" % (name, int8_acts[:3]))
            x = oracles.photo(evaluation[0], size, 255.0 / (rng[1] - rng[0]), rng[0])
            lite = oracles.run("litert", out, [x])
            ours = oracles.run_ours(out, [x])
            c.check(len(lite) == len(ours) == len(floors), "%s: %d outputs from each runtime" % (name, len(floors)))
            tol = 1e-5
            for k, (a, b) in enumerate(zip(lite, ours)):
                off = float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-30))
                c.check(off <= tol, "%s output %d: LiteRT.js and npuquant agree within %.2g of its magnitude (%g)"
                        % (name, k, off, tol))
        print("issue 10 bar (every output >= %.0f dB): %s" % (
            BAR_DB, "met" if not below else "not met by " + ", ".join(below)))
    return c.finish()


if __name__ == "__main__":
    oracles.main(test)
