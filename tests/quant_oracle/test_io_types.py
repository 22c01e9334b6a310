#!/usr/bin/python3
"""Each model I/O variant of `convert` gives a model that LiteRT.js runs, that
matches our executor there, and that `compare` rates close to the float model:
per-tensor weights, uint8 input from raw bytes (--mean/--std), float32 output,
int8 input and output (the default), and float32 input. Model: the VWW
MobileNet (depthwise-heavy, where per-tensor quantization hurts most).

Also checks the facts of each file: input/output types, the uint8 input's
scale 1/std and zero point mean, per-tensor weights having one scale.

Without ../shared (CI unset) the model is the committed Fashion-MNIST float network and the
photos are synthetic grey pictures (oracles.standin_photo): the same properties, with the
stand-in's own SQNR floors; LiteRT's answers are replayed from tests/golden/recorded.

Under a sanitizer build (NQ_SANITIZED=1) with ../shared, each variant converts with
--recipe tf (one conversion instead of the automatic search's eight: 4 minutes of the ASan
suite) and the SQNR floors, measured with the automatic recipe, are left to the Release
run; the I/O facts and LiteRT.js's agreement are checked as in Release.
"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

FLOAT = "mlperf-tiny-vww/vww_96_float.tflite"
# minimum SQNR (dB) against the float model on the evaluation photos
MIN_SQNR = {"default": 20.0, "per_tensor": 12.0, "uint8_in": 20.0, "float_out": 20.0, "float_in": 20.0}


def variants():
    return [
        ("default", ["--range", "0..1"]),
        ("per_tensor", ["--range", "0..1", "--per-tensor"]),
        ("uint8_in", ["--input-type", "uint8", "--mean", "0", "--std", "255"]),
        ("float_out", ["--range", "0..1", "--output-type", "float32"]),
        ("float_in", ["--range", "0..1", "--input-type", "float32", "--output-type", "uint8"]),
    ]


def main():
    failures = []
    thin = os.environ.get("NQ_SANITIZED") == "1" and oracles.shared_present()
    with tempfile.TemporaryDirectory(prefix="nq_qtest_") as tmp:
        if oracles.shared_present():
            model = oracles.model(FLOAT, must_exist=False)
            photos = oracles.images("coral-images", "ort-examples-images", "tfls-vision-testimages",
                                    "mediapipe-gestures")
        else:
            model = os.path.join(oracles.SOURCE_DIR, "examples", "fashion", "fashion_cnn.tflite")
            print("NOTE: ../shared is absent: %s on synthetic grey pictures" % model)
            os.makedirs(os.path.join(tmp, "pictures"))
            photos = [oracles.standin_photo(os.path.join(tmp, "pictures", "p%02d.png" % k), 64, 64, seed=k, gray=True)
                      for k in range(24)]
        shape = "x".join(str(d) for d in oracles.tflite_facts(model)["inputs"][0]["shape"])
        cal = oracles.image_dir(tmp, "cal", photos[0::2])
        ev = oracles.image_dir(tmp, "ev", photos[1::2])
        for name, flags in variants():
            out = os.path.join(tmp, f"{name}.tflite")
            recipe = ["--recipe", "tf"] if thin else []
            rep = oracles.cli_json("convert", model, "-d", cal, *flags, *recipe, "-o", out,
                                   "--eval-data", ev, "--quiet")
            sq = oracles.sqnr(rep["outputs"][0])
            facts = oracles.cli_json("inspect", out)
            inp, outp = facts["inputs"][0], facts["outputs"][0]
            print(f"{name:11} SQNR {sq:6.2f} dB  input {inp['type']} {inp['scale']} {inp['zero_point']}  "
                  f"output {outp['type']}")
            if sq < MIN_SQNR[name] and not thin:
                failures.append(f"{name}: SQNR {sq:.2f} dB < {MIN_SQNR[name]}")
            want_in = {"uint8_in": "uint8", "float_in": "float32"}.get(name, "int8")
            want_out = {"float_out": "float32", "float_in": "uint8"}.get(name, "int8")
            if inp["type"] != want_in or outp["type"] != want_out:
                failures.append(f"{name}: I/O types {inp['type']}/{outp['type']}, expected {want_in}/{want_out}")
            if name == "uint8_in" and not (inp["zero_point"] == [0] and abs(inp["scale"][0] - 1 / 255) < 1e-9):
                failures.append(f"{name}: uint8 input should be scale 1/255, zero point 0: {inp}")
            full = oracles.cli_json("inspect", out, "--tensors")
            weights = [t for t in full.get("tensors", []) if t.get("constant") and t["type"] == "int8"]
            if name == "per_tensor" and any(len(t["scale"]) != 1 for t in weights):
                failures.append("per_tensor: a weight tensor has more than one scale")
            if name == "default" and not any(len(t["scale"]) > 1 for t in weights):
                failures.append("default: no per-channel weights")
            # The file in LiteRT.js on a real photo, against our executor.
            p = os.path.join(tmp, f"{name}_in.npy")
            args = ["--image", photos[1], "--shape", shape]
            if inp["type"] == "float32":
                args += ["--dtype", "float32", "--scale", str(1 / 255)]
            else:
                args += ["--dtype", inp["type"], "--scale", str(1 / 255) if inp["type"] == "int8" else "1",
                         "--quant-scale", str(inp["scale"][0]) if inp["type"] == "int8" else "1",
                         "--quant-zp", str(inp["zero_point"][0]) if inp["type"] == "int8" else "0"]
            oracles.make_input(p, *args)
            ours = oracles.run_ours(out, [p], ["--single-rounding"])
            theirs = oracles.run("litert", out, [p])
            a, b = ours[0], theirs[0]
            if a.dtype != b.dtype or a.shape != b.shape:
                failures.append(f"{name}: LiteRT output {b.dtype}{b.shape} vs ours {a.dtype}{a.shape}")
                continue
            if a.dtype == np.float32:
                # a float output is the DEQUANTIZE of the softmax's int8 (scale 1/256)
                d = float(np.max(np.abs(a - b))) / (1 / 256)
            else:
                d = float(np.max(np.abs(a.astype(np.int32) - b.astype(np.int32))))
            print(f"            LiteRT.js vs ours: {d:.2f} step(s)")
            if d > 3:
                failures.append(f"{name}: LiteRT.js differs from our executor by {d} steps")
    return oracles.report("quant_io_types", failures)


if __name__ == "__main__":
    oracles.main(main)
