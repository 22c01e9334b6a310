#!/usr/bin/python3
"""MediaPipe's face_detection_short_range with int8 outputs and --split-outputs (issue 10 item 1).

Its two outputs are concatenations of the 16x16 and the 8x8 grid's heads: on the float tail's
photos (12 calibrate, 12 evaluate, --range -1..1) 'classificators' joins score logits in
[-6.4, 3.0] to ones reaching -451 (one int8 scale leaves the first 5.3 of 256 steps).
Converted with --recipe tf and an int8 output:
  1. without the option convert warns about that concatenation, with the parts' ranges;
  2. with it the model has four int8 outputs, regressors:part0/1 and classificators:part0/1,
     each its own scale; convert's evaluation puts them back (the original outputs' figures)
     and measures each part: the 16x16 grid's parts >= 20 dB (measured 23.1 and 26.0), the
     8x8 ones at their floors (17.66 and 14.01 measured; their error is made before the
     concatenation);
  3. `compare --task detect` (MediaPipe anchors, decoded from the reassembled outputs):
     precision above the unsplit model's (0.91 against 0.61 measured) and recall >= 0.8;
  4. LiteRT.js runs the split model bit-identical to our executor on three photos.
Exit: 0 pass, 1 failure, 77 skip (../shared or LiteRT.js missing).
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402
import numpy as np  # noqa: E402

MODEL = "mediapipe-solutions/face_detection_short_range.tflite"
SIZE = 128
BAR_DB = 20.0
# the 8x8 grid's parts: measured 17.66 and 14.01 dB, with a margin for other kernel paths
FLOOR_DB = {"regressors:part1": 16.5, "classificators:part1": 13.0}


def test():
    model = oracles.model(MODEL)
    oracles.require("litert", model)
    photos = oracles.shared_photos(48)
    calibration, evaluation = photos[0::2][::4][:12], photos[1::2][::2][:12]
    c = oracles.Checks("quant_mediapipe_split")
    with tempfile.TemporaryDirectory(prefix="nq-mp-split-") as tmp:
        cal = oracles.image_dir(tmp, "cal", calibration)
        ev = oracles.image_dir(tmp, "eval", evaluation)
        runs = {}
        for name, extra in (("whole", []), ("split", ["--split-outputs"])):
            out = os.path.join(tmp, name + ".tflite")
            p = oracles.cli("convert", model, "-d", cal, "--range", "-1..1", "--eval-data", ev, "--input-type",
                            "float32", "--recipe", "tf", "--npu", "none", "-o", out, "--json", *extra, check=True,
                            timeout=1800)
            task = oracles.cli_json("compare", model, out, "-d", ev, "--range", "-1..1", "--task", "detect")["task"]
            runs[name] = (out, p.stderr, json.loads(p.stdout), task)
        # 1. the warning
        log = runs["whole"][1]
        warned = [ln for ln in log.splitlines() if "CONCATENATION" in ln and "the parts' ranges" in ln]
        c.check(any("CONCATENATION 'classificators'" in ln and "--split-outputs" in ln for ln in warned),
                "without the option: the classificators concatenation warned about, --split-outputs suggested:\n"
                + log)
        # 2. the parts
        out, log, report, task = runs["split"]
        facts = oracles.tflite_facts(out)
        names = [o["name"] for o in facts["outputs"]]
        c.check(names == ["regressors:part0", "regressors:part1", "classificators:part0", "classificators:part1"]
                and all(o["type"] == "int8" for o in facts["outputs"]),
                "four int8 outputs, the parts: %s" % names)
        c.check([o["name"] for o in report["outputs"]] == ["regressors", "classificators"],
                "convert's evaluation measures the original outputs: %s" % [o["name"] for o in report["outputs"]])
        parts = {o["name"]: oracles.sqnr(o) for o in report.get("parts", [])}
        print("parts: " + ", ".join("%s %.2f dB" % kv for kv in parts.items()))
        for name in ("regressors:part0", "classificators:part0"):
            c.check(parts.get(name, -1e9) >= BAR_DB, "%s %.2f dB >= %.0f dB" % (name, parts.get(name, -1e9), BAR_DB))
        for name, floor in FLOOR_DB.items():
            c.check(parts.get(name, -1e9) >= floor, "%s %.2f dB >= %.1f dB" % (name, parts.get(name, -1e9), floor))
        # 3. detections
        before, after = runs["whole"][3], task
        print("detections: one output each %s; split %s" % (before, after))
        c.check(after["float_detections"] >= 5 and after["recall"] >= 0.8 and after["precision"] > before["precision"],
                "split: recall %.3f >= 0.8, precision %.3f above the unsplit model's %.3f (%d float detections)"
                % (after["recall"], after["precision"], before["precision"], after["float_detections"]))
        # 4. LiteRT.js
        for path in evaluation[:3]:
            x = oracles.photo(path, SIZE, 127.5, -1.0)
            lite = oracles.run("litert", out, [x])
            ours = oracles.run_ours(out, [x])
            c.check(len(lite) == len(ours) == 4 and all(np.array_equal(a, b) for a, b in zip(lite, ours)),
                    "%s: LiteRT.js gives the four int8 parts bit-identical to our executor" % os.path.basename(path))
    return c.finish()


if __name__ == "__main__":
    oracles.main(test)
