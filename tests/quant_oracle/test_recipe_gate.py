#!/usr/bin/python3
"""The automatic recipe, the quality gate and the per-layer diagnosis on a model
built here (no ../shared): an ONNX conv -> relu6 -> conv whose first conv has one
output channel's weights 500x wider than the others (ReLU6 keeps the activations
alike). With per-tensor weights and
TensorFlow's recipe the narrow channels round to zero and the model collapses:

- `convert --recipe tf --per-tensor` exits 0 but warns on stderr and names the
  first conv as the worst layer, with "per-tensor weights with widely varying
  channels" as the cause;
- `--min-sqnr 20` exits 5 (docs/cli.md's table) and writes nothing;
  `--keep-on-fail` writes the file and still exits 5; per channel it passes;
- the automatic recipe (the default) is no worse than TensorFlow's, picks the
  candidate with the best validation SQNR, records its choice in the model's
  metadata, and gives the same bytes with 1 and 2 threads;
- `--recipe-budget` (an estimate, not a clock) skips the candidates past it, naming
  each, and gives the same bytes every run; without `--eval-data`, 32 of the 40
  calibration samples are evaluated (`--eval-samples 0`: all);
- `--recipe tf` writes exactly the bytes of `--calibration minmax` (TensorFlow's
  min/max, what convert wrote before the automatic recipe) and no recipe metadata;
- --recipe with a bad name, or beside --equalize, is a usage error (2).
"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402


def build_model(path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(7)
    w1 = rng.normal(0, 0.5, size=(8, 3, 3, 3)).astype(np.float32)
    w1[0] *= 500.0  # one channel far wider than the rest, but ReLU6 keeps every activation in 0..6
    b1 = rng.normal(0, 0.1, size=(8,)).astype(np.float32)
    w2 = rng.normal(0, 0.5, size=(4, 8, 1, 1)).astype(np.float32)
    b2 = np.zeros(4, np.float32)
    lo, hi = numpy_helper.from_array(np.float32(0), "lo"), numpy_helper.from_array(np.float32(6), "hi")
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], name="wide_conv"),
             helper.make_node("Clip", ["c1", "lo", "hi"], ["r1"], name="relu6"),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["y"], name="head_conv")]
    g = helper.make_graph(nodes, "collapse",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
                          [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))] + [lo, hi])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, path)


def main():
    try:
        import onnx  # noqa: F401
    except ImportError:
        oracles.skip("python3-onnx is not installed")
    c = oracles.Checks("recipe_gate")
    with tempfile.TemporaryDirectory(prefix="nq_recipe_") as tmp:
        model = os.path.join(tmp, "collapse.onnx")
        build_model(model)
        rng = np.random.default_rng(3)
        cal, ev = os.path.join(tmp, "cal.npy"), os.path.join(tmp, "ev.npy")
        np.save(cal, rng.uniform(-1, 1, size=(40, 1, 3, 8, 8)).astype(np.float32))
        np.save(ev, rng.uniform(-1, 1, size=(24, 1, 3, 8, 8)).astype(np.float32))
        data = ["-d", cal, "--eval-data", ev, "--quiet"]

        def out(name):
            return os.path.join(tmp, name)

        # TensorFlow's recipe, per tensor: collapses, with a warning and the worst layers.
        p = oracles.cli("convert", model, *data, "--recipe", "tf", "--per-tensor", "-o", out("tf_pt.tflite"))
        c.check(p.returncode == 0, f"collapsed model without --min-sqnr exits 0 (got {p.returncode})")
        c.check("WARNING" in p.stderr and "20 dB" in p.stderr, "a collapsed output warns on stderr: " + p.stderr[-300:])
        c.check("worst layers" in p.stdout, "the worst layers are printed when the model collapses")
        rep = oracles.cli_json("convert", model, *data, "--recipe", "tf", "--per-tensor", "-o", out("tf_pt.tflite"))
        tf_pt = oracles.sqnr(rep["outputs"][0])
        worst = rep.get("diagnosis", {}).get("worst_layers", [])
        print(f"tf --per-tensor: {tf_pt:.2f} dB; worst layer: {worst[0] if worst else None}")
        c.check(tf_pt < 20, f"the test model collapses per tensor with --recipe tf ({tf_pt:.2f} dB)")
        c.check(bool(worst) and "wide_conv" in worst[0]["label"], "the wide conv is named the worst layer")
        c.check(bool(worst) and worst[0]["cause"].startswith("per-tensor weights with widely varying channels"),
                "its cause is the per-tensor weights' channel spread")
        c.check(bool(worst) and "--per-tensor" in worst[0]["suggestion"], "the suggestion names a flag")
        # With a float32 output the model ends in DEQUANTIZE, which converts exactly: the blame stays
        # on the int8 layers, and a layer that adds nothing measurable is not listed.
        rep = oracles.cli_json("convert", model, *data, "--recipe", "tf", "--per-tensor", "--output-type", "float32",
                               "--diagnose", "-o", out("tf_pt_f32.tflite"))
        worst = rep.get("diagnosis", {}).get("worst_layers", [])
        labels = [w["label"] for w in worst]
        c.check(bool(worst) and "wide_conv" in labels[0] and not any("DEQUANTIZE" in x or "TRANSPOSE" in x
                                                                     for x in labels),
                f"float32 output: the wide conv is the worst layer and no DEQUANTIZE/TRANSPOSE is blamed: {labels}")

        # Per channel the wide conv's ReLU6 fills the top int8 code with values that are 6 in float
        # too: that is the op's own clip, not saturation (the cause once said "saturating" here).
        rep = oracles.cli_json("convert", model, *data, "--recipe", "tf", "--diagnose", "-o", out("pc.tflite"))
        causes = {w["label"]: w["cause"] for w in rep.get("diagnosis", {}).get("worst_layers", [])}
        c.check(causes and not any(v.startswith("saturating") for v in causes.values()),
                f"a ReLU6 at its own clip is not called saturating: {causes}")
        # Evaluation data three times wider than the calibration data: the int8 input range clips it
        # before any layer runs, and the diagnosis names the input (it once said no layer adds error).
        ev3 = os.path.join(tmp, "ev3.npy")
        np.save(ev3, 3 * rng.uniform(-1, 1, size=(24, 1, 3, 8, 8)).astype(np.float32))
        rep = oracles.cli_json("convert", model, "-d", cal, "--eval-data", ev3, "--quiet", "--recipe", "tf",
                               "--diagnose", "-o", out("wide_eval.tflite"))
        worst = rep.get("diagnosis", {}).get("worst_layers", [])
        c.check(bool(worst) and worst[0]["label"] == "input 'x'" and worst[0]["node"] == -1
                and "clips" in worst[0]["cause"],
                f"clipped inputs: the input is the worst entry and its cause says it clips: {worst[:1]}")

        # The gate: exit 5, no file; --keep-on-fail writes it; per channel passes.
        gated = out("gated.tflite")
        p = oracles.cli("convert", model, *data, "--recipe", "tf", "--per-tensor", "--min-sqnr", "20", "-o", gated)
        c.check(p.returncode == 5, f"--min-sqnr 20 on a collapsed model exits 5 (got {p.returncode})")
        c.check(not os.path.exists(gated), "without --keep-on-fail nothing is written")
        c.check(p.stderr.strip().splitlines()[-1].startswith("npuquant: "), "the failure's last line is npuquant: ...")
        p = oracles.cli("convert", model, *data, "--recipe", "tf", "--per-tensor", "--min-sqnr", "20",
                        "--keep-on-fail", "-o", gated)
        c.check(p.returncode == 5 and os.path.exists(gated), "--keep-on-fail writes the file and still exits 5")
        p = oracles.cli("convert", model, *data, "--recipe", "tf", "--min-sqnr", "20", "-o", out("pc.tflite"))
        c.check(p.returncode == 0 and os.path.exists(out("pc.tflite")),
                f"per channel the same model passes --min-sqnr 20 (exit {p.returncode}): {p.stderr[-200:]}")
        p = oracles.cli("convert", model, *data, "--min-sqnr", "dB", "-o", out("x.tflite"))
        c.check(p.returncode == 2, "--min-sqnr with no number is a usage error")

        # The automatic recipe rescues it, records its choice, and is deterministic.
        a1, a2 = out("auto1.tflite"), out("auto2.tflite")
        rep = oracles.cli_json("convert", model, *data, "--per-tensor", "--threads", "1", "-o", a1)
        auto_pt = oracles.sqnr(rep["outputs"][0])
        chosen = rep["recipe"]["chosen"]
        print(f"auto --per-tensor: {auto_pt:.2f} dB with {chosen}; candidates:",
              [(x["name"], round(x["sqnr_db"], 2)) for x in rep["recipe"]["candidates"]])
        c.check(rep["recipe"]["mode"] == "auto" and len(rep["recipe"]["candidates"]) >= 6,
                "the default is the automatic recipe, with its table in --json")
        c.check(auto_pt >= tf_pt - 0.5, f"auto per tensor ({auto_pt:.2f} dB) is no worse than tf ({tf_pt:.2f} dB)")
        c.check(sum(x["chosen"] for x in rep["recipe"]["candidates"]) == 1, "exactly one candidate is chosen")
        best = max(x["sqnr_db"] for x in rep["recipe"]["candidates"])
        c.check([x for x in rep["recipe"]["candidates"] if x["chosen"]][0]["sqnr_db"] == best,
                "the chosen candidate has the best validation SQNR")
        oracles.cli("convert", model, *data, "--per-tensor", "--threads", "2", "-o", a2, check=True)
        b1, b2 = open(a1, "rb").read(), open(a2, "rb").read()
        c.check(b1 == b2, "the automatic recipe gives the same bytes with 1 and 2 threads")
        meta = {m["name"] for m in oracles.cli_json("inspect", a1).get("metadata", [])}
        c.check("npuquant_recipe" in meta, f"the choice is in the model's metadata ({sorted(meta)})")
        c.check(("recipe " + chosen + ":").encode() in b1, "the metadata names the chosen recipe")

        # --recipe tf is TensorFlow's min/max, byte for byte, with no recipe metadata.
        t1, t2 = out("tf.tflite"), out("minmax.tflite")
        oracles.cli("convert", model, *data, "--recipe", "tf", "-o", t1, check=True)
        oracles.cli("convert", model, *data, "--calibration", "minmax", "-o", t2, check=True)
        bt = open(t1, "rb").read()
        c.check(bt == open(t2, "rb").read(), "--recipe tf writes the bytes of --calibration minmax")
        c.check(b"npuquant_recipe" not in bt, "--recipe tf adds no recipe metadata")

        # The search budget: an estimate (GMAC from the layers' shapes), so the same on every run.
        # A budget below any candidate's cost leaves TensorFlow's min/max, named candidates skipped.
        p = oracles.cli("convert", model, "-d", cal, "--eval-data", ev, "--recipe-budget", "1e-9",
                        "-o", out("b1.tflite"))
        skipped = [ln for ln in p.stderr.splitlines() if "skipped: it would cost about" in ln]
        rep = oracles.cli_json("convert", model, *data, "--recipe-budget", "1e-9", "-o", out("b2.tflite"))
        tried = [x["name"] for x in rep["recipe"]["candidates"]]
        # minmax+equalize is minmax itself when equalization has no pair to rescale (ReLU6 here):
        # it is then listed with minmax's figures at no cost, not skipped
        c.check(p.returncode == 0 and len(skipped) == 7 - len(tried) >= 5
                and all("--recipe-budget" in ln for ln in skipped),
                f"--recipe-budget 1e-9 skips every candidate after minmax, naming each ({len(skipped)}, tried {tried})")
        c.check(tried[0] == "minmax" and set(tried) <= {"minmax", "minmax+equalize"} and rep["recipe"]["chosen"] == "minmax",
                f"only minmax is run and chosen ({tried})")
        c.check(open(out("b1.tflite"), "rb").read() == open(out("b2.tflite"), "rb").read(),
                "the same budget gives the same bytes")
        rep = oracles.cli_json("convert", model, *data, "--recipe-budget", "-1", "-o", out("b3.tflite"))
        c.check(len(rep["recipe"]["candidates"]) == 7, "--recipe-budget -1 tries every candidate")
        oracles.cli("convert", model, *data, "-o", out("b4.tflite"), check=True)
        c.check(open(out("b3.tflite"), "rb").read() == open(out("b4.tflite"), "rb").read(),
                "on this small model the default budget tries everything: the bytes of no limit")
        for bad in ("0", "-2", "x"):
            p = oracles.cli("convert", model, *data, "--recipe-budget", bad, "-o", out("bad.tflite"))
            c.check(p.returncode == 2, f"--recipe-budget {bad} is a usage error (exit {p.returncode})")

        # Without --eval-data the figures come from 32 of the 40 calibration samples, spread evenly.
        rep = oracles.cli_json("convert", model, "-d", cal, "--recipe", "tf", "-o", out("e1.tflite"))
        c.check(rep["eval_samples"] == 32 and rep["eval_samples_of"] == 40 and rep["outputs"][0]["samples"] == 32,
                f"32 of 40 calibration samples evaluated by default ({rep['eval_samples']} of {rep['eval_samples_of']})")
        rep = oracles.cli_json("convert", model, "-d", cal, "--recipe", "tf", "--eval-samples", "0", "-o", out("e2.tflite"))
        c.check(rep["eval_samples"] == 40 and rep["outputs"][0]["samples"] == 40, "--eval-samples 0 evaluates all 40")

        for bad in (["--recipe", "best"], ["--recipe", "auto", "--equalize"], ["--recipe", "tf", "--calibration", "mse"]):
            p = oracles.cli("convert", model, *data, *bad, "-o", out("bad.tflite"))
            c.check(p.returncode == 2, f"{' '.join(bad)} is a usage error (exit {p.returncode})")
    c.finish()


if __name__ == "__main__":
    oracles.main(main)
