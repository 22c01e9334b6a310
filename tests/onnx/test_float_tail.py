#!/usr/bin/python3
"""A YOLO-style ONNX detector keeps its lossy output tail in float (issue 10 item 1).

The model is exported from torch at test time (seeded weights): three convs with SiLU, a 1x1
head conv, then YOLOv5's decoding: sigmoid, box centres (2s - 0.5 + grid) * stride and sizes
(2s)^2 * anchor in pixels of the 64x64 input, concatenated with the objectness and class
scores (head biases -6 and -5, as a trained detector's priors: scores around 0.003) into one
[1, 192, 8] output. One int8 scale for that concatenation leaves the scores a fraction of a
step.
Converted with --output-type float32 (seeded random calibration images):
  1. with --no-float-tail (fully int8, as before): the scores collapse (objectness or class
     part below 20 dB against float) and convert warns about the concatenation;
  2. by default: convert's note names the nodes kept in float (the LOGISTIC and the
     CONCATENATION among them) and every part (xy, wh, obj, cls) is >= 20 dB against the
     float model on held-out images;
  3. LiteRT.js runs that model as our executor does (single rounding): the outputs agree
     within 1e-5 of their magnitude, far below what one int8 step of the head moves them
     (>= 0.1 pixel), so the int8 part is bit-identical and only float rounding differs;
  4. the NPU report lists the float nodes as running on the CPU.
Exit: 0 pass, 1 failure, 77 skip (torch or an oracle missing).
"""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402

try:
    import numpy as np
    from tiny_yolo import CLASSES, exported
except ImportError as e:
    oracles.skip("torch is not installed: %s" % e)

PARTS = {"xy": slice(0, 2), "wh": slice(2, 4), "obj": slice(4, 5), "cls": slice(5, 5 + CLASSES)}
BAR_DB = 20.0


def sqnr(ref, got):
    noise = float(np.sum((ref - got) ** 2))
    return float("inf") if noise == 0 else 10 * np.log10(float(np.sum(ref ** 2)) / noise)


def parts_db(model, evaluation, ref):
    got = [oracles.run_ours(model, [x[None]], ["--single-rounding"])[0] for x in evaluation]
    r, g = np.concatenate(ref), np.concatenate(got)
    return {k: sqnr(r[..., sl], g[..., sl]) for k, sl in PARTS.items()}, got


def test():
    c = oracles.Checks("onnx_float_tail")
    with tempfile.TemporaryDirectory(prefix="nq-tail-") as tmp:
        # a trained detector's priors: scores around 0.003
        path, cal, _, evaluation, ref, _ = exported(tmp, -6.0, -5.0)
        models = {}
        for name, extra in (("int8 tail", ["--no-float-tail"]), ("float tail", [])):
            out = os.path.join(tmp, name.replace(" ", "_") + ".tflite")
            p = oracles.cli("convert", path, "-d", cal, "-o", out, "--input-type", "float32", "--output-type", "float32",
                            "--npu", "none",
                            "--recipe", "tf", *extra, check=True)
            models[name] = (out, p.stderr)
        # 1. the problem, fully int8
        out, log = models["int8 tail"]
        before, _ = parts_db(out, evaluation, ref)
        print("fully int8:  " + ", ".join("%s %.1f dB" % kv for kv in before.items()))
        c.check(min(before["obj"], before["cls"]) < BAR_DB,
                "fully int8 shows the problem: obj %.1f dB, cls %.1f dB (one below %.0f expected)"
                % (before["obj"], before["cls"], BAR_DB))
        c.check("CONCATENATION" in log and "steps" in log, "convert warns about the mixed concatenation:\n" + log)
        c.check("float tail" not in log, "--no-float-tail keeps no node in float:\n" + log)
        # 2. the fix
        out, log = models["float tail"]
        after, ours = parts_db(out, evaluation, ref)
        print("float tail:  " + ", ".join("%s %.1f dB" % kv for kv in after.items()))
        for k, db in after.items():
            c.check(db >= BAR_DB, "float tail: %s part %.1f dB >= %.0f dB" % (k, db, BAR_DB))
        note = [ln for ln in log.splitlines() if "float tail:" in ln]
        c.check(len(note) == 1 and "LOGISTIC" in note[0] and "MACs" in note[0],
                "convert's note names the float nodes and their share of the MACs:\n" + log)
        c.check("CONCATENATION" not in log.replace(note[0] if note else "", ""),
                "no mixed-concatenation warning once the concatenation is float:\n" + log)
        # 3. LiteRT.js agrees
        facts = oracles.tflite_facts(out)
        c.check(facts["inputs"][0]["type"] == "float32" and facts["outputs"][0]["type"] == "float32",
                "float32 input and output")
        worst = 0.0
        for x, mine in zip(evaluation[:3], ours[:3]):
            lite = oracles.run("litert", out, [x[None]])[0]
            worst = max(worst, float(np.max(np.abs(lite - mine)) / np.max(np.abs(mine))))
        c.check(worst <= 1e-5, "LiteRT.js and npuquant agree within %.2g of the output's magnitude (1e-5)" % worst)
        # 4. the NPU report
        report = oracles.cli("inspect", out, "--npu", "imx8mp", check=True).stdout
        c.check("LOGISTIC" in report and "CPU" in report, "the NPU report lists the float nodes on the CPU:\n"
                + report)
    return c.finish()


if __name__ == "__main__":
    oracles.main(test)
