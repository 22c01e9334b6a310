#!/usr/bin/python3
"""int8 vs float fidelity of a YOLOv5-style detector on a folder of photos.

    NQ_CLI=build/npuquant bench/yolo_fidelity.py FLOAT.tflite INT8.tflite PHOTOS/ [--litert]
        [--size 640] [--cache float_outs.npz]

Runs both models on every photo (stretched to the input size, values 0..1) with npuquant's
executor (or LiteRT.js with --litert) and prints the SQNR of each output part (xy, wh,
objectness, class probabilities) and the int8 detections' recall and precision against the
float ones (IoU >= 0.5, same class, score >= 0.25). --cache keeps the float outputs between runs.
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "oracles"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "quant_oracle"))
import oracles  # noqa: E402
import yolo_detect  # noqa: E402
from PIL import Image  # noqa: E402


def photo(path, size):
    img = Image.open(path).convert("RGB").resize((size, size), Image.BILINEAR)
    return (np.asarray(img, np.float32) / 255.0)[None]


def quantize_for(model, x):
    """x as the model's input wants it (float, or int8/uint8 through its own parameters)."""
    inp = oracles.tflite_facts(model)["inputs"][0]
    if inp["type"] == "float32":
        return x
    lo, hi = (-128, 127) if inp["type"] == "int8" else (0, 255)
    return np.clip(np.round(x / inp["scale"][0]) + inp["zero_point"][0], lo, hi).astype(inp["type"])


def dequantize_from(model, outs):
    res = []
    for facts, y in zip(oracles.tflite_facts(model)["outputs"], outs):
        if facts["type"] in ("int8", "uint8"):
            y = (y.astype(np.float32) - facts["zero_point"][0]) * facts["scale"][0]
        res.append(y)
    return res


def run(model, x, litert):
    x = quantize_for(model, x)
    outs = oracles.run("litert", model, [x]) if litert else oracles.run_ours(model, [x])
    return dequantize_from(model, outs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("float_model")
    ap.add_argument("int8_model")
    ap.add_argument("photos")
    ap.add_argument("--litert", action="store_true")
    ap.add_argument("--size", type=int, default=640)
    ap.add_argument("--cache")
    a = ap.parse_args()
    files = sorted(os.path.join(r, n) for r, _, fs in os.walk(a.photos, followlinks=True) for n in fs
                   if n.lower().endswith(oracles.IMAGE_EXT))
    xs = [photo(f, a.size) for f in files]
    if a.cache and os.path.exists(a.cache):
        ref = list(np.load(a.cache)["outs"])
    else:
        ref = [run(a.float_model, x, a.litert)[0] for x in xs]
        if a.cache:
            np.savez(a.cache, outs=np.stack(ref))
    test = [run(a.int8_model, x, a.litert)[0] for x in xs]
    parts = yolo_detect.part_sqnr(ref, test)
    rec, prec, n_ref, n_test = yolo_detect.recall_precision(ref, test)
    print("%d photos: SQNR %s; whole output %.2f dB" % (
        len(xs), ", ".join("%s %.2f dB" % kv for kv in parts.items()),
        yolo_detect.sqnr_db(np.stack(ref), np.stack(test))))
    print("detections: float %d, int8 %d, recall %.3f, precision %.3f" % (n_ref, n_test, rec, prec))


if __name__ == "__main__":
    main()
