#!/usr/bin/python3
"""--split-outputs: an int8 detector output that joins pixel boxes and scores (issue 10 item 1).

The model is exported from torch at test time (seeded weights): three convs with SiLU, a 1x1
head conv, then YOLOv5's decoding: sigmoid, box centres (2s - 0.5 + grid) * stride and sizes
(2s)^2 * anchor in pixels of the 64x64 input, concatenated with the objectness and class
scores (0..1, head biases -2: mostly around 0.1) and reshaped into one [1, 192, 8] output (YOLO's [1, N, 5 + classes] layout).
Converted with an int8 output (seeded random calibration images, held-out evaluation images):
  1. without the option: one int8 scale for boxes up to ~130 pixels and scores of 0..1 leaves
     the scores two steps: the score part is below 20 dB against float, and convert's warning
     gives the parts' ranges and suggests --split-outputs;
  2. with --split-outputs: convert's note names the parts, the model has three int8 outputs
     'detections:part0..2' ([1, 3, 8, 8, 2] xy, [1, 3, 8, 8, 2] wh, [1, 3, 8, 8, 4] scores),
     each with its own scale, and every part, put back together here in numpy, is >= 20 dB;
  3. LiteRT.js runs the split model bit-identical to our executor;
  4. `compare` (CLI and Python: Converter.split_outputs, the report's parts) on the float .onnx and the split .tflite puts the parts back: one figure for
     'detections' and one per part, agreeing with the numpy figures; --task detect decodes
     the reassembled output; `inspect` says what the parts are; on the unsplit model `compare`
     measures the same groups as column groups ('detections:columns0..2'), the scores' under
     20 dB; a record spoilt on disk is refused by name;
  5. uint8 outputs split the same way (three uint8 parts, each >= 20 dB);
  6. --split-outputs on a model whose output is no concatenation: a note, exit 0.
Exit: 0 pass, 1 failure, 77 skip (torch or an oracle missing).
"""
import json
import os
import subprocess
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402

try:
    import numpy as np
    import torch
    from tiny_yolo import CLASSES, exported
except ImportError as e:
    oracles.skip("torch is not installed: %s" % e)

# the parts as the output's last axis holds them, and as the split model's outputs
PARTS = {"xy": slice(0, 2), "wh": slice(2, 4), "scores": slice(4, 5 + CLASSES)}
BAR_DB = 20.0


def dequantize(q, out):
    return (q.astype(np.float64) - out["zero_point"][0]) * out["scale"][0]


def parts_db(ref, got):
    r, g = np.concatenate(ref), np.concatenate(got)
    return {k: oracles.sqnr_db(r[..., sl], g[..., sl]) for k, sl in PARTS.items()}


def whole_outputs(model, evaluation):
    """The unsplit int8 model's [1, 192, 8] output, dequantized."""
    out = oracles.tflite_facts(model)["outputs"][0]
    return [dequantize(oracles.run_ours(model, [x[None]])[0], out) for x in evaluation]


def split_outputs(model, evaluation):
    """The split model's three parts, raw, and put back together as the float output
    (concatenated on the last axis, reshaped to [1, 192, 8]), dequantized each with its own
    parameters."""
    outs = oracles.tflite_facts(model)["outputs"]
    raw = [oracles.run_ours(model, [x[None]]) for x in evaluation]
    joined = [np.concatenate([dequantize(q, o) for q, o in zip(r, outs)], -1).reshape(1, -1, 5 + CLASSES)
              for r in raw]
    return raw, joined


def python_part(path, cal):
    """In a child process (argv: --python MODEL CALIB.npy): Converter.split_outputs through the
    binding, printing the outputs' and the report's parts as JSON."""
    os.environ.setdefault("NPUQUANT_LIB", os.path.join(os.environ.get("NQ_BINARY_DIR", ""), "libnpuquant.so"))
    sys.path.insert(0, os.path.join(oracles.SOURCE_DIR, "python"))
    import npuquant  # noqa: PLC0415
    conv = npuquant.Converter.from_file(path)
    conv.representative_dataset = list(np.load(cal)[:, None])
    conv.inference_input_type, conv.split_outputs, conv.target, conv.recipe = np.float32, True, None, "tf"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        done = conv.convert()
    print(json.dumps({"outputs": [o["name"] for o in done.model.outputs],
                      "parts": [(p["name"], p["output"], p["sqnr_db"]) for p in conv.report.parts]}))


def python_env():
    """The child's environment: a sanitizer build's library needs the ASan runtime (and
    libstdc++, for torch) preloaded, as tests/python/CMakeLists.txt sets for its tests."""
    env = dict(os.environ)
    lib = os.path.join(os.environ.get("NQ_BINARY_DIR", ""), "libnpuquant.so")
    with open(lib, "rb") as f:
        sanitized = b"libasan.so" in f.read()
    if sanitized:
        cc = os.environ.get("CC", "gcc")
        pre = [subprocess.run([cc, "-print-file-name=" + n], capture_output=True, text=True).stdout.strip()
               for n in ("libasan.so", "libstdc++.so.6")]
        env.update(LD_PRELOAD=":".join(pre), ASAN_OPTIONS="detect_leaks=0")
    return env


def test():
    c = oracles.Checks("onnx_split_outputs")
    with tempfile.TemporaryDirectory(prefix="nq-split-") as tmp:
        # score priors of a trained detector: most scores around 0.1
        path, cal, calib, evaluation, ref, net = exported(tmp, -2.0, -2.0)
        ev = os.path.join(tmp, "eval.npy")
        np.save(ev, evaluation)
        logs, models = {}, {}
        for name, extra in (("whole", []), ("split", ["--split-outputs"])):
            models[name] = os.path.join(tmp, name + ".tflite")
            p = oracles.cli("convert", path, "-d", cal, "-o", models[name], "--input-type", "float32",
                            "--output-type", "int8", "--npu", "none", "--recipe", "tf", *extra, check=True)
            logs[name] = p.stderr
        # 1. the problem: one scale for pixels and scores
        before = parts_db(ref, whole_outputs(models["whole"], evaluation))
        print("one int8 output:   " + ", ".join("%s %.1f dB" % kv for kv in before.items()))
        c.check(before["scores"] < BAR_DB, "one output: the score part is lost (%.1f dB < %.0f dB)"
                % (before["scores"], BAR_DB))
        warn = [ln for ln in logs["whole"].splitlines() if "CONCATENATION" in ln and "steps" in ln]
        c.check(len(warn) == 1 and "--split-outputs" in warn[0] and "the parts' ranges: [" in warn[0],
                "convert warns with the parts' ranges and suggests --split-outputs:\n" + logs["whole"])
        # 2. the fix
        facts = oracles.tflite_facts(models["split"])
        outs = facts["outputs"]
        c.check([o["name"] for o in outs] == ["detections:part%d" % k for k in range(3)],
                "three outputs named after the original: %s" % [o["name"] for o in outs])
        c.check(all(o["type"] == "int8" for o in outs) and len({o["scale"][0] for o in outs}) == 3,
                "each part is int8 with its own scale: %s" % [(o["type"], o["scale"]) for o in outs])
        c.check([o["shape"] for o in outs] == [[1, 3, 8, 8, 2], [1, 3, 8, 8, 2], [1, 3, 8, 8, 4]],
                "the parts' shapes: %s" % [o["shape"] for o in outs])
        note = [ln for ln in logs["split"].splitlines() if "--split-outputs: output 'detections'" in ln]
        c.check(len(note) == 1 and "'detections:part2' [1,3,8,8,4]" in note[0],
                "convert's note names the parts:\n" + logs["split"])
        c.check("--split-outputs (one" not in logs["split"], "no mixed-concatenation warning once split:\n"
                + logs["split"])
        raw, joined = split_outputs(models["split"], evaluation)
        after = parts_db(ref, joined)
        print("--split-outputs:   " + ", ".join("%s %.1f dB" % kv for kv in after.items()))
        for k, db in after.items():
            c.check(db >= BAR_DB, "split: %s part %.1f dB >= %.0f dB" % (k, db, BAR_DB))
        # 3. LiteRT.js agrees bit for bit
        oracles.require("litert", models["split"])
        same = True
        for x, mine in zip(evaluation[:3], raw[:3]):
            lite = oracles.run("litert", models["split"], [x[None]])
            same = same and len(lite) == 3 and all(np.array_equal(a, b) for a, b in zip(lite, mine))
        c.check(same, "LiteRT.js gives the split model's three int8 outputs bit-identical to our executor")
        # 4. compare puts the parts back
        j = oracles.cli_json("compare", path, models["split"], "-d", ev)
        c.check(len(j["outputs"]) == 1 and j["outputs"][0]["name"] == "detections",
                "compare: one figure for the original output: %s" % [o["name"] for o in j["outputs"]])
        whole_db = oracles.sqnr_db(np.concatenate(ref), np.concatenate(joined))
        c.check(abs(oracles.sqnr(j["outputs"][0]) - whole_db) < 0.5,
                "compare's whole-output SQNR %.2f dB is numpy's %.2f dB" % (oracles.sqnr(j["outputs"][0]), whole_db))
        parts = j.get("parts", [])
        c.check([p["name"] for p in parts] == ["detections:part%d" % k for k in range(3)],
                "compare: one figure per part: %s" % [p["name"] for p in parts])
        for p, (k, db) in zip(parts, after.items()):
            c.check(abs(oracles.sqnr(p) - db) < 0.5, "compare: %s %s %.2f dB is numpy's %.2f dB"
                    % (p["name"], k, oracles.sqnr(p), db))
        html = os.path.join(tmp, "report.html")
        text = oracles.cli("compare", path, models["split"], "-d", ev, "--report", html, check=True).stdout
        c.check("per part" in text and "detections:part2" in text, "compare's text report has the parts:\n" + text)
        with open(html, encoding="utf-8") as f:
            rows = f.read().count("data-part-sqnr=")
        c.check(rows == 3, "the HTML report has a row per part (%d)" % rows)
        # the detections decoded from the reassembled output (YOLO layout; scores obj x cls are
        # around 0.01 here, so that is the threshold)
        task = {}
        for name in ("whole", "split"):
            j = oracles.cli_json("compare", path, models[name], "-d", ev, "--task", "detect", "--score-threshold",
                                 "0.01")
            task[name] = j.get("task", {})
            print("%s: detections %s" % (name, task[name]))
        t = task["split"]
        c.check(t.get("float_detections", 0) > 100 and t.get("recall", 0) >= 0.9 and t.get("precision", 0) >= 0.9,
                "--task detect on the split model: recall and precision >= 0.9 over > 100 float detections: %s" % t)
        c.check(task["whole"].get("recall", 1) < t.get("recall", 0),
                "the unsplit model matches fewer detections: %s" % task["whole"])
        # unsplit, the same groups are measured as column groups of the one output: the loss shows
        j = oracles.cli_json("compare", path, models["whole"], "-d", ev)
        cols = [(q["name"], oracles.sqnr(q)) for q in j.get("parts", [])]
        print("unsplit model's column groups: %s" % cols)
        c.check([q[0] for q in cols] == ["detections:columns%d" % k for k in range(3)]
                and min(q[1] for q in cols) < BAR_DB <= max(q[1] for q in cols),
                "an unsplit model's column groups are measured one by one, the scores' under %.0f dB: %s"
                % (BAR_DB, cols))
        shown = oracles.cli("inspect", models["split"], check=True).stdout
        c.check("detections:part0" in shown and "--split-outputs" in shown,
                "inspect shows the parts and what they are:\n" + shown)
        # 4b. the Python binding: Converter.split_outputs, the report's parts
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "--python", path, cal], capture_output=True,
                           text=True, env=python_env(), timeout=600)
        got = json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 and p.stdout.strip() else {}
        names = ["detections:part%d" % k for k in range(3)]
        c.check(got.get("outputs") == names and [q[0] for q in got.get("parts", [])] == names
                and all(q[1] == 0 and q[2] >= BAR_DB for q in got["parts"]),
                "Python: Converter.split_outputs gives the parts and the report measures each >= %.0f dB: %s %s"
                % (BAR_DB, got, p.stderr[-2000:]))
        # 4c. a record spoilt on disk (the axis past the rank): compare refuses it by name
        with open(models["split"], "rb") as f:
            blob = f.read()
        at = blob.find(b"npuquant-split-outputs 1 1\nsplit ")
        c.check(at >= 0, "the record is in the file as text")
        bad = os.path.join(tmp, "bad_record.tflite")
        with open(bad, "wb") as f:
            k = at + len(b"npuquant-split-outputs 1 1\nsplit ")
            f.write(blob[:k] + b"7" + blob[k + 1:])
        p = oracles.cli("compare", path, bad, "-d", ev)
        c.check(p.returncode != 0 and "npuquant_split_outputs metadata" in p.stderr and "axis" in p.stderr,
                "a spoilt record: compare fails naming it (exit %d): %s" % (p.returncode, p.stderr.strip()))
        # 5. uint8 outputs split the same way
        u8 = os.path.join(tmp, "split_uint8.tflite")
        oracles.cli("convert", path, "-d", cal, "-o", u8, "--input-type", "float32", "--output-type", "uint8",
                    "--npu", "none", "--recipe", "tf", "--split-outputs", check=True)
        j = oracles.cli_json("compare", path, u8, "-d", ev)
        types = [o["type"] for o in oracles.tflite_facts(u8)["outputs"]]
        c.check(types == ["uint8"] * 3 and [p["name"] for p in j.get("parts", [])] == names
                and all(oracles.sqnr(p) >= BAR_DB for p in j["parts"]),
                "uint8 output: three uint8 parts, each >= %.0f dB: %s %s"
                % (BAR_DB, types, [(p["name"], p["sqnr_db"]) for p in j.get("parts", [])]))
        # 6. nothing to split
        plain = os.path.join(tmp, "plain.onnx")
        with torch.no_grad():
            torch.onnx.export(net.body, torch.from_numpy(calib[:1]), plain, opset_version=13)
        p = oracles.cli("convert", plain, "-d", cal, "-o", os.path.join(tmp, "plain.tflite"), "--input-type",
                        "float32", "--npu", "none", "--recipe", "tf", "--split-outputs")
        c.check(p.returncode == 0 and "no output was split" in p.stderr and "CONCATENATION" in p.stderr,
                "no concatenated output: a note saying why, exit 0 (exit %d):\n%s" % (p.returncode, p.stderr))
    return c.finish()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--python":
        python_part(sys.argv[2], sys.argv[3])
    else:
        oracles.main(test)
