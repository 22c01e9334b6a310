#!/usr/bin/python3
"""YOLOv5n (../shared/models/yolov5n-fp16-tflite) converted with a float output, checked in LiteRT.js.

The float model (float16 weights behind DEQUANTIZE) is converted with `npuquant convert
--recipe tf --output-type float32` (TensorFlow's min/max plus the saturation clip: the
automatic recipe search, even within its GMAC budget, took about 7 minutes on this 640x640 net on
2 loaded cores, too long for the suite; the float output puts the decoding tail, 49 nodes and 0.6% of the MACs, in float on the
CPU), calibrated on the even-numbered shared photos; on every other odd-numbered photo (24
views it never saw) LiteRT.js runs the float model and the converted one. Asserted:
- the model has an int8 input and a float32 output, and runs in LiteRT.js as in npuquant's
  executor (single rounding) on the first photos: within 1e-5 of the output's magnitude, far
  less than one int8 step of the heads moves a box (so the int8 part is bit-identical);
- each part of the [1, 25200, 85] output (box centre xy, box size wh, objectness, class
  probabilities) stays at or above its floor in SQNR against float;
- the int8 detections (score = objectness x class probability >= 0.25, per-class NMS at
  IoU 0.45) match the float ones (IoU >= 0.5, same class) with recall and precision at or
  above the floors.
The floors are what the current converter reaches less a margin (figures in
docs/quantization.md, "Detectors"); the issue's bar (every part >= 25 dB, recall and
precision >= 0.95) is printed beside them, and is not met yet for box sizes, objectness and classes.
Under a sanitizer build (NQ_SANITIZED=1, ten times slower) only the memory-safety and
bit-exactness part runs: 4 calibration photos (too few for the recipe search) and 2 evaluation
photos, no SQNR or detection floors (the Release build asserts those).
"""
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402
import yolov5n_case as case  # noqa: E402

BIT_EXACT_PHOTOS = 4
# floors: measured (--recipe tf, float tail, 24 evaluation photos: xy 55.3, wh 22.9, obj 17.0,
# cls 13.9 dB) less a margin; fully int8 xy was 48.3 dB, before the saturation clip wh 19.7,
# obj 14.4, cls 11.6 dB
FLOOR_DB = {"xy": 52.0, "wh": 21.0, "obj": 15.5, "cls": 12.5}
FLOOR_RECALL = 0.93
FLOOR_PRECISION = 0.90
ISSUE_BAR_DB, ISSUE_BAR_RP = 25.0, 0.95


def test():
    model = case.float_model()
    calibration, evaluation = case.photos()
    if case.SANITIZED:
        calibration, evaluation = calibration[:4], evaluation[:2]
        print("sanitizer build: 4 calibration and 2 evaluation photos, bit-exactness only")
    checks = oracles.Checks("quant_yolov5n")
    with tempfile.TemporaryDirectory(prefix="nq-yolo-") as tmp:
        out, _ = case.convert(model, tmp, calibration, "yolov5n_int8.tflite", "--quiet", timeout=1800)
        facts = oracles.tflite_facts(out)
        inp, outp = facts["inputs"][0], facts["outputs"][0]
        checks.check(inp["type"] == "int8" and outp["type"] == "float32", "int8 input, float32 output")
        ref, test_outs = [], []
        for k, path in enumerate(evaluation):
            x, q = case.photo_input(path, inp)
            ref.append(oracles.run("litert", model, [x])[0])
            yq = oracles.run("litert", out, [q])[0]
            if k < BIT_EXACT_PHOTOS:
                case.check_agree(checks, path, oracles.run_ours(out, [q])[0], yq)
            test_outs.append(yq.astype(np.float32))
    if case.SANITIZED:
        return checks.finish()
    parts, recall, precision = case.figures(checks, ref, test_outs, " in LiteRT.js", "int8")
    for name, floor in FLOOR_DB.items():
        checks.check(parts[name] >= floor, "%s SQNR %.2f dB >= %.1f dB" % (name, parts[name], floor))
    checks.check(recall >= FLOOR_RECALL, "recall %.3f >= %.2f" % (recall, FLOOR_RECALL))
    checks.check(precision >= FLOOR_PRECISION, "precision %.3f >= %.2f" % (precision, FLOOR_PRECISION))
    below = [n for n, v in parts.items() if v < ISSUE_BAR_DB]
    print("issue 17 bar (every part >= %.0f dB, recall and precision >= %.2f): %s" % (
        ISSUE_BAR_DB, ISSUE_BAR_RP,
        "met" if not below and min(recall, precision) >= ISSUE_BAR_RP else
        "not met (parts below: %s)" % (", ".join(below) or "none")))
    return checks.finish()


if __name__ == "__main__":
    oracles.main(test)
