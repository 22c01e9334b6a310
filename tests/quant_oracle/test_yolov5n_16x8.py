#!/usr/bin/python3
"""YOLOv5n (../shared/models/yolov5n-fp16-tflite) with the default recipe on a 16x8 target:
issue 17's bar.

int8 activations leave YOLOv5n's objectness and class parts at 17 / 14 dB (test_yolov5n.py):
its SiLU backbone settles at 19-21 dB per tensor. With int16 activations (TFLite's 16x8: int16
activations, int8 weights, int64 biases) the int8 weights become the floor (obj 23.3 / cls
20.2 dB); split weights (each layer whose weight rounding alone costs more than 55 dB, all 60
convs here, +100% MACs, gets a second int8 layer carrying the rounding error) lift them
above 25 dB. The automatic recipe finds that by itself where the target runs 16x8: converted
with no recipe flag, `--npu ethos-u --output-type float32`, calibrated on every third
even-numbered shared photo (17: the search holds out 4 of them), evaluated on every other
odd-numbered photo (24 it never saw), as test_yolov5n.py. Asserted:
- the recipe judged the output's column groups, found no int8 candidate at 25 dB and chose
  `minmax+16x8+split-weights` (the table and the note in convert's report), some layers are
  split and 16x8 nodes are counted;
- LiteRT.js runs the model as npuquant's executor does on the first evaluation photo, within
  1e-5 of the output's magnitude (16x8 runs TFLite's reference kernels; the int8 input goes
  through DEQUANTIZE + QUANTIZE into int16, which LiteRT.js computes like us);
- on the 24 photos (npuquant's executor, bit-identical to LiteRT.js as just checked; LiteRT.js
  takes ~8 s a photo on this model), every part of the [1, 25200, 85] output is at or above
  issue 17's 25 dB against the float model in LiteRT.js, and the detections (score >= 0.25,
  per-class NMS at IoU 0.45) match the float ones with recall and precision >= 0.95.
Which targets run this: docs/quantization.md, "16x8" (Ethos-U through Vela and CPU TFLite do;
the i.MX 8M Plus VX delegate and the Edge TPU do not, and for them the recipe stays int8).
Under a sanitizer build (ten times slower) only the conversion runs, with the flags the recipe
chooses (`--recipe tf --activations int16 --split-weights auto`) on 2 calibration photos (too
few for the search; its evaluation runs the 16x8 model once in npuquant's executor).
"""
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402
import yolov5n_case as case  # noqa: E402

BAR_DB, BAR_RP = 25.0, 0.95


def test():
    model = case.float_model()
    calibration, evaluation = case.photos()
    calibration = calibration[::3]
    c = oracles.Checks("quant_yolov5n_16x8")
    with tempfile.TemporaryDirectory(prefix="nq-yolo16-") as tmp:
        if case.SANITIZED:
            calibration, evaluation = calibration[:2], []
            print("sanitizer build: the conversion with the recipe's choice on 2 calibration photos only (its "
                  "evaluation runs the 16x8 model once in npuquant's executor); the Release build runs the "
                  "search and checks LiteRT.js and the figures")
            out, p = case.convert(model, tmp, calibration, "yolov5n_16x8.tflite", "--activations", "int16",
                                  "--split-weights", "auto", "--eval-samples", "1", timeout=3600)
        else:
            out, p = case.convert(model, tmp, calibration, "yolov5n_16x8.tflite", "--eval-samples", "1",
                                  timeout=3600, npu="ethos-u", recipe=None)
            print(p.stdout)
            table = p.stdout[p.stdout.find("recipe "):]
            c.check(table.startswith("recipe   minmax+16x8+split-weights, chosen automatically"),
                    "the default recipe chose minmax+16x8+split-weights:\n" + table[:1500])
            rows = [[t for t in ln.split() if t != "*"][:2] for ln in table.splitlines()
                    if ln.strip().lstrip("* ").startswith(("minmax", "mse"))]
            int8_rows = [r for r in rows if "16x8" not in r[0] and "int16" not in r[0]]
            c.check(int8_rows and all(r[1] == "failed" or float(r[1]) < BAR_DB for r in int8_rows),
                    "every int8 candidate under %.0f dB on the held-out photos' worst column group: %s"
                    % (BAR_DB, int8_rows))
        split = p.stderr.count("--split-weights: weight-only SQNR")
        c.check(split >= 1, "layers split (%d)" % split)
        c.check("compute int16 activations" in p.stderr, "16x8 nodes are counted: " + p.stderr[-300:])
        inp = oracles.tflite_facts(out)["inputs"][0]
        c.check(inp["type"] == "int8", "an int8 input (camera pixels), got %s" % inp["type"])
        ref, test_outs = [], []
        for k, path in enumerate(evaluation):
            x, q = case.photo_input(path, inp)
            ours = oracles.run_ours(out, [q])[0]
            if k == 0:
                case.check_agree(c, path, ours, oracles.run("litert", out, [q])[0])
            if not case.SANITIZED:
                ref.append(oracles.run("litert", model, [x])[0])
                test_outs.append(ours.astype(np.float32))
    if case.SANITIZED:
        return c.finish()
    parts, recall, precision = case.figures(c, ref, test_outs, "", "16x8")
    for name, v in parts.items():
        c.check(v >= BAR_DB, "%s SQNR %.2f dB >= %.0f dB" % (name, v, BAR_DB))
    c.check(recall >= BAR_RP and precision >= BAR_RP, "recall %.3f and precision %.3f >= %.2f"
            % (recall, precision, BAR_RP))
    return c.finish()


if __name__ == "__main__":
    oracles.main(test)
