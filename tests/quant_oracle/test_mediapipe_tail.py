#!/usr/bin/python3
"""MediaPipe's face_detection_short_range with a float32 output, checked in LiteRT.js (issue 10).

The model (../shared/models/mediapipe-solutions, 128x128, input in -1..1) ends in two
concatenations of mixed-range parts: 'classificators' joins score logits in about [-145, -1]
with a part reaching -28000, 'regressors' box offsets of different spans. `convert --recipe tf
--input-type float32 --output-type float32`, calibrated on 12 shared photos and evaluated on 12
others (`--eval-data`). Asserted:
- convert's float-tail note names both concatenations (lossy at one int8 scale) and the NPU
  report lists them as CPU nodes;
- each output's SQNR against float on the evaluation photos is at or above its floor
  (measured 18.08 and 14.08 dB, less a margin; issue 10's bar of 20 dB is printed, not met:
  the error is made in the convs before the tail, docs/quantization.md "Detectors and
  landmark models");
- LiteRT.js runs the model as our executor does (single rounding) on 3 evaluation photos:
  within 1e-5 of each output's magnitude, far below what one int8 step of the convs moves it,
  so the int8 part is bit-identical.
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

MODEL = "mediapipe-solutions/face_detection_short_range.tflite"
SIZE = 128
FLOOR_DB = {"regressors": 16.5, "classificators": 12.5}
BAR_DB = 20.0


def test():
    model = oracles.model(MODEL)
    oracles.require("litert", model)
    photos = oracles.shared_photos(48)
    calibration, evaluation = photos[0::2][::4][:12], photos[1::2][::2][:12]
    c = oracles.Checks("quant_mediapipe_tail")
    with tempfile.TemporaryDirectory(prefix="nq-mp-") as tmp:
        cal = oracles.image_dir(tmp, "cal", calibration)
        ev = oracles.image_dir(tmp, "eval", evaluation)
        out = os.path.join(tmp, "face_float_tail.tflite")
        p = oracles.cli("convert", model, "-d", cal, "--range", "-1..1", "--eval-data", ev, "--input-type",
                        "float32", "--output-type", "float32", "--recipe", "tf", "--npu", "imx8mp", "-o", out,
                        "--json", check=True, timeout=1800)
        report = json.loads(p.stdout)
        note = [ln for ln in p.stderr.splitlines() if "float tail:" in ln]
        c.check(len(note) == 1 and "CONCATENATION 'classificators'" in note[0]
                and "CONCATENATION 'regressors'" in note[0],
                "the float-tail note names both concatenations:\n" + p.stderr)
        cpu = {(f.get("op"), f.get("name")) for f in report["npu"]["findings"] if f["cpu_fallback"]}
        c.check({("CONCATENATION", "classificators"), ("CONCATENATION", "regressors")} <= cpu,
                "the NPU report lists the float concatenations as CPU nodes: %s" % sorted(cpu))
        sqnr = {o["name"]: o["sqnr_db"] for o in report["outputs"]}
        print("12 evaluation photos: " + ", ".join("%s %.2f dB" % kv for kv in sqnr.items()))
        for name, floor in FLOOR_DB.items():
            c.check(sqnr.get(name, -1e9) >= floor, "%s SQNR %.2f dB >= %.1f dB" % (name, sqnr.get(name), floor))
        print("issue 10 bar (every output >= %.0f dB): %s" % (
            BAR_DB, "met" if min(sqnr.values()) >= BAR_DB else "not met"))
        for path in evaluation[:3]:
            x = oracles.photo(path, SIZE, 127.5, -1.0)
            lite = oracles.run("litert", out, [x])
            ours = oracles.run_ours(out, [x], ["--single-rounding"])
            c.check(len(lite) == len(ours) == 2, "two outputs from each runtime")
            for k, (a, b) in enumerate(zip(lite, ours)):
                off = float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-30))
                c.check(off <= 1e-5, "%s output %d: LiteRT.js and npuquant agree within %.2g of its magnitude"
                        % (os.path.basename(path), k, off))
    return c.finish()


if __name__ == "__main__":
    oracles.main(test)
