#!/usr/bin/python3
"""Issue 11's claim for the automatic recipe, measured in an independent
runtime: on MLPerf Tiny's VWW and ResNet8 from ../shared, with calibration on
the even photos and evaluation on the odd ones (as test_quant_vs_tf), the int8
model `convert` writes with no recipe flag (the automatic choice), run in
LiteRT.js, is closer to the float model (also run in LiteRT.js) than

- `convert --recipe tf` (TensorFlow's min/max, what convert wrote before), and
- TensorFlow's own int8 model of the network, by at least 1 dB,

in SQNR over all evaluation samples, and its top-1 agreement is at least
theirs (issue 11's bar). Measured 2026-12: ResNet8 auto 18.97 dB 228/240 (19.20 233 before --equalize's activation pass), tf
16.38 dB 217, TF 14.84 dB 216; VWW auto 31.33 dB 237/240, tf 27.34 dB 237, TF
26.58 dB 235. (Before a later candidate had to win beyond chance, VWW chose
minmax+equalize+bias-correct: 31.61 dB but 233/240.) The automatic choice is
deterministic: ResNet8 converted twice, with 1 and 2 threads, gives the same
bytes. The figures are printed for docs/quantization.md.

With --per-tensor (issue 11: "VWW --per-tensor within 1 dB of our own
per-channel result and above 25 dB"): the automatic choice (AdaRound among
the candidates, quant/weight_round.h) beats `--recipe tf --per-tensor` and its
pinned figure (VWW: and 25 dB), and `--calibration mse --equalize
--weight-round adaround` keeps its pinned figure.
Measured 2026-12, with --equalize's activation pass: VWW per tensor auto 30.42 dB 236/240
(chose mse+equalize+adaround; the explicit flags 30.18 dB 239/240: the search equalizes on its
3/4 of the samples; before AdaRound 26.59), tf 19.98; ResNet8 per tensor auto 18.86 dB
225/240 (chose mse+equalize+adaround; before AdaRound 16.66 dB 222/240), explicit 19.47.
AdaRound writes the same bytes with 1 thread and the default.

Under a sanitizer build (NQ_SANITIZED=1) only ResNet8 runs: the sanitizers see the same
code on it, and VWW's search (2 minutes of the ASan suite) adds no code path; the
Release run checks both. Per tensor it then runs only the explicit AdaRound recipe once
(the code the automatic candidates run): the whole per-tensor part took 5 of the ASan
suite's 10 minutes, and its figures are the Release run's to check.
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
sys.path.insert(0, HERE)
import oracles  # noqa: E402
from test_quant_vs_tf import PHOTOS, crops_npy  # noqa: E402

CASES = [
    # name, float model, TF's int8 model, input size, pixel scale
    ("resnet8", "mlperf-tiny-ic-resnet8/pretrainedResnet.tflite",
     "mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite", 32, 1.0),
    ("vww", "mlperf-tiny-vww/vww_96_float.tflite", "mlperf-tiny-vww/vww_96_int8.tflite", 96, 1 / 255.0),
]
# The automatic --per-tensor figure each must keep (measured 18.86 and 30.42
# dB, 2026-12), a little below it; and the explicit mse+equalize+adaround's
# (19.47 and 30.18 dB).
PER_TENSOR_PIN = {"resnet8": 18.4, "vww": 30.3}
ADAROUND_PIN = {"resnet8": 19.0, "vww": 29.8}


SANITIZED = os.environ.get("NQ_SANITIZED") == "1"
if SANITIZED:
    CASES = CASES[:1]


def litert_batch(model, stacked, tmp, tag):
    """LiteRT.js on every sample of the stacked .npy: the stacked first output."""
    prefix = os.path.join(tmp, tag)
    p = subprocess.run(oracles.command("litert") + ["--batch", model, prefix, stacked],
                       capture_output=True, text=True, timeout=1800)
    if p.returncode == 77:
        raise oracles.OracleSkip(p.stderr.strip())
    if p.returncode != 0:
        raise oracles.OracleError(p.stderr.strip())
    return np.load(prefix + ".out0.npy")


def run_int8(model, x, tmp, tag):
    """Quantize the float samples x to the model's input, run LiteRT.js, dequantize."""
    info = oracles.cli_json("inspect", model)
    i, o = info["inputs"][0], info["outputs"][0]
    assert i["type"] == "int8" and o["type"] == "int8", f"{model}: int8 in and out expected"
    q = np.clip(np.round(x / i["scale"][0]) + i["zero_point"][0], -128, 127).astype(np.int8)
    stacked = os.path.join(tmp, tag + "_in.npy")
    np.save(stacked, q)
    y = litert_batch(model, stacked, tmp, tag)
    return (y.astype(np.float32) - o["zero_point"][0]) * np.float32(o["scale"][0])


def top1(ref, y):
    a = ref.reshape(ref.shape[0], -1).argmax(1)
    b = y.reshape(y.shape[0], -1).argmax(1)
    return int((a == b).sum())


def per_tensor(c, name, fm, cal, x, ref, n, pc_sq, tmp):
    """--per-tensor: auto against tf and its pin, VWW within 1 dB of per channel and above 25 dB;
    the explicit AdaRound recipe against its pin."""
    figures = {}
    recipes = (("pt auto", []), ("pt tf", ["--recipe", "tf"]),
               ("pt mse+equalize+adaround", ["--calibration", "mse", "--equalize", "--weight-round", "adaround"]))
    if SANITIZED:
        tag, flags = recipes[2]
        out = os.path.join(tmp, name + "_pt_adaround.tflite")
        oracles.cli_json("convert", fm, "-d", cal, "-o", out, "--per-tensor", "--quiet", *flags)
        sq = oracles.sqnr_db(ref, run_int8(out, x, tmp, name + "_pt_adaround"))
        print(f"sanitizer build: {name} --per-tensor {tag} only: {sq:.2f} dB in LiteRT.js")
        c.check(sq > 10, f"{name} --per-tensor {tag} converts and runs ({sq:.2f} dB)")
        return
    for tag, flags in recipes:
        out = os.path.join(tmp, name + "_" + tag.replace(" ", "_").replace("+", "_") + ".tflite")
        t0 = time.monotonic()
        rep = oracles.cli_json("convert", fm, "-d", cal, "-o", out, "--per-tensor", "--quiet", *flags)
        if tag == "pt auto":
            print(f"{name} --per-tensor: auto chose {rep['recipe']['chosen']} in {time.monotonic() - t0:.1f} s; "
                  "validation SQNR: " + ", ".join(f"{x['name']} {x['sqnr_db']}" for x in rep["recipe"]["candidates"]))
        y = run_int8(out, x, tmp, name + "_" + tag.replace(" ", "_").replace("+", "_"))
        figures[tag] = (oracles.sqnr_db(ref, y), top1(ref, y))
        if tag != "pt auto" and name == "resnet8" and flags[-1] == "adaround":
            again = out + ".again.tflite"
            oracles.cli("convert", fm, "-d", cal, "-o", again, "--per-tensor", "--quiet", "--threads", "1", *flags,
                        check=True)
            c.check(open(out, "rb").read() == open(again, "rb").read(),
                    f"{name}: AdaRound writes the same bytes twice (default threads, then 1)")
    print(f"  LiteRT.js --per-tensor on {n} evaluation samples: " +
          ", ".join(f"{k} {s:.2f} dB top-1 {t}/{n}" for k, (s, t) in figures.items()))
    a_sq = figures["pt auto"][0]
    c.check(a_sq >= figures["pt tf"][0], f"{name} --per-tensor: auto {a_sq:.2f} dB >= tf {figures['pt tf'][0]:.2f} dB")
    c.check(a_sq >= PER_TENSOR_PIN[name], f"{name} --per-tensor: auto {a_sq:.2f} dB >= its pinned {PER_TENSOR_PIN[name]} dB")
    ada = figures["pt mse+equalize+adaround"][0]
    c.check(ada >= ADAROUND_PIN[name],
            f"{name} --per-tensor mse+equalize+adaround {ada:.2f} dB >= its pinned {ADAROUND_PIN[name]} dB")
    if name == "vww":
        c.check(a_sq >= 25.0 and a_sq >= pc_sq - 1.0,
                f"{name} --per-tensor: auto {a_sq:.2f} dB above 25 dB and within 1 dB of per channel {pc_sq:.2f} dB")


def main():
    oracles.shared_dir()
    c = oracles.Checks("recipe_litert")
    photos = oracles.images(*PHOTOS)
    with tempfile.TemporaryDirectory(prefix="nq_recipe_lrt_") as tmp:
        for name, fm, tm, size, scale in CASES:
            fm, tm = oracles.model(fm), oracles.model(tm)
            cal, ev = os.path.join(tmp, name + "_cal.npy"), os.path.join(tmp, name + "_ev.npy")
            crops_npy(photos[0::2], size, scale, cal)
            n = crops_npy(photos[1::2], size, scale, ev)
            auto, tf = os.path.join(tmp, name + "_auto.tflite"), os.path.join(tmp, name + "_tf.tflite")
            t0 = time.monotonic()
            rep = oracles.cli_json("convert", fm, "-d", cal, "-o", auto, "--quiet")
            t_auto = time.monotonic() - t0
            t0 = time.monotonic()
            oracles.cli("convert", fm, "-d", cal, "-o", tf, "--recipe", "tf", "--quiet", check=True)
            t_tf = time.monotonic() - t0
            print(f"{name}: auto chose {rep['recipe']['chosen']} in {t_auto:.1f} s (--recipe tf: {t_tf:.1f} s); "
                  "validation SQNR: " + ", ".join(f"{x['name']} {x['sqnr_db']}" for x in rep["recipe"]["candidates"]))
            c.check(rep["recipe"]["mode"] == "auto", f"{name}: no recipe flag means the automatic recipe")
            if name == "resnet8":
                again = os.path.join(tmp, name + "_auto_again.tflite")
                oracles.cli("convert", fm, "-d", cal, "-o", again, "--threads", "1", "--quiet", check=True)
                c.check(open(auto, "rb").read() == open(again, "rb").read(),
                        f"{name}: the automatic recipe writes the same bytes twice (default threads, then 1)")

            x = np.load(ev)[:, 0]
            ref = litert_batch(fm, ev, tmp, name + "_float")
            ref = ref.astype(np.float32)
            figures = {}
            for tag, path in (("auto", auto), ("tf", tf), ("TF int8", tm)):
                y = run_int8(path, x, tmp, name + "_" + tag.replace(" ", "_"))
                figures[tag] = (oracles.sqnr_db(ref, y), top1(ref, y))
            print(f"  LiteRT.js on {n} evaluation samples: " +
                  ", ".join(f"{k} {s:.2f} dB top-1 {t}/{n}" for k, (s, t) in figures.items()))
            a_sq, a_t1 = figures["auto"]
            for other, margin in (("tf", 0.0), ("TF int8", 1.0)):
                o_sq, o_t1 = figures[other]
                c.check(a_sq >= o_sq + margin,
                        f"{name}: auto {a_sq:.2f} dB >= {other} {o_sq:.2f} dB + {margin} dB in LiteRT.js")
                c.check(a_t1 >= o_t1, f"{name}: auto top-1 agreement {a_t1}/{n} >= {other}'s {o_t1}/{n}")
            per_tensor(c, name, fm, cal, x, ref, n, a_sq, tmp)
    c.finish()


if __name__ == "__main__":
    oracles.main(main)
