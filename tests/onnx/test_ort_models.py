#!/usr/bin/python3
"""Real ONNX models from ../shared through the ONNX frontend.

For each model below, on a real image (ort-examples-images, preprocessed as
the model expects, NCHW):
  1. float: every output of `npuquant run` equals onnxruntime-node's
     (tests/oracles/ort_run.mjs) within 1e-4 relative (max abs diff / max |ort|);
  2. int8: `npuquant convert` (4 real images) writes a .tflite that LiteRT.js
     runs, and LiteRT.js's outputs differ from our int8 executor's
     (`npuquant run --single-rounding`) by at most MAX_STEPS steps.
Models with dynamic input dims get them fixed with --input-shape.
Without ../shared (CI unset) it runs on the committed ONNX models (examples/fashion's
Fashion-MNIST network, tests/golden/frontends/cnn.onnx) and synthetic pictures, the npm
oracles' answers replayed from tests/golden/recorded.
Exit: 0 pass, 1 failure, 77 skip (no onnxruntime-node or LiteRT.js and no recorded answer).
"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

TOL = 1e-4
MAX_STEPS = 3
# (model path under models/, input shape NCHW, mean, std, gray?, extra convert flags)
MODELS = [
    ("ort-examples-onnx/mnist.onnx", (1, 1, 28, 28), "0", "1", True, []),
    # The box decoder's Exp has no int8 TFLite form: it stays float.
    ("ort-examples-onnx/Ultraface_version-RFB-320.onnx", (1, 3, 240, 320), "127", "128", False,
     ["--allow-float-fallback"]),
    ("paddleocr-onnx/ch_ppocr_mobile_v2.0_cls_infer.onnx", (1, 3, 48, 192), "127.5", "127.5", False, []),
    ("paddleocr-onnx/ch_PP-OCRv4_det_infer.onnx", (1, 3, 320, 320), "123.675,116.28,103.53",
     "58.395,57.12,57.375", False, []),
]
COMMITTED = [
    ("examples/fashion/fashion_cnn.onnx", (1, 1, 28, 28), "0", "255", True, []),
    ("tests/golden/frontends/cnn.onnx", (1, 3, 12, 12), "127.5", "127.5", False, []),
]
# An image where the text detector finds something (elsewhere its sigmoid
# output is ~1e-7 everywhere and a relative comparison means nothing).
IMAGE_FOR = {"paddleocr-onnx/ch_PP-OCRv4_det_infer.onnx": "skimage-samples/coffee.png"}
FLOAT_OUT_TOL = 1e-3  # float outputs of a partly-float int8 model: LiteRT vs ours
IMAGE = "ort-examples-images/test_object_detection_0.jpg"


def make_input(data, shape, mean, std, gray, path, image=None):
    n, c, h, w = shape
    tmp = path + ".nhwc.npy"
    oracles.make_input(tmp, "--image", os.path.join(data, image or IMAGE),
                       "--shape", "1x%dx%dx%d" % (h, w, c), "--dtype", "float32", *(["--gray"] if gray else []))
    x = np.load(tmp).astype(np.float32)
    # make_input gives [0, 1] pixels by default; apply the model's mean/std on 0..255.
    m = np.array([float(v) for v in mean.split(",")], np.float32)
    s = np.array([float(v) for v in std.split(",")], np.float32)
    lo, hi = float(x.min()), float(x.max())
    pix = x * 255.0 if hi <= 1.0 + 1e-6 and lo >= 0.0 else x
    x = (pix - m) / s
    np.save(path, np.ascontiguousarray(x.transpose(0, 3, 1, 2)).astype(np.float32))


def check(top, data, tmp, rel, shape, mean, std, gray, flags):
    """top: the folder `rel` is under; data: ../shared/data or a folder of stand-in pictures."""
    model = os.path.join(top, rel)
    name = os.path.basename(rel).replace(".onnx", "")
    xs = ["--input-shape", "x:" + "x".join(str(d) for d in shape)] if rel.startswith("paddleocr") else []
    x_path = os.path.join(tmp, name + ".in.npy")
    make_input(data, shape, mean, std, gray, x_path, IMAGE_FOR.get(rel))
    ort = oracles.run("ort", model, [x_path])
    outs = oracles.run_ours(model, [x_path], xs)
    rels = []
    for k, ref in enumerate(ort):
        ours = outs[k]
        assert ours.size == ref.size, "%s output %d: %s vs onnxruntime %s" % (name, k, ours.shape, ref.shape)
        r = float(np.abs(ours.reshape(ref.shape) - ref).max() / max(np.abs(ref).max(), 1e-30))
        assert r <= TOL, "%s output %d: %.3g relative from onnxruntime (limit %g)" % (name, k, r, TOL)
        rels.append(r)
    int8 = os.path.join(tmp, name + ".int8.tflite")
    images = os.path.join(data, "ort-examples-images")
    oracles.cli("convert", *xs, model, "-d", images, "--samples", "4", "--mean", mean, "--std", std, "--channels-first",
                "-o", int8, "--quiet", *(["--color", "gray"] if gray else []), *flags, check=True)
    tf = oracles.tflite_facts(int8)
    qi = tf["inputs"][0]
    xq = np.clip(np.round(np.load(x_path) / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
    xq_path = os.path.join(tmp, name + ".inq.npy")
    np.save(xq_path, xq)
    lite = oracles.run("litert", int8, [xq_path])
    outs = oracles.run_ours(int8, [xq_path], ["--single-rounding"])
    steps = []
    for k, ref in enumerate(lite):
        mine = outs[k]
        if ref.dtype == np.float32:
            r = float(np.abs(mine.reshape(ref.shape) - ref).max() / max(np.abs(ref).max(), 1e-30))
            assert r <= FLOAT_OUT_TOL, "%s float output %d: %.3g relative from LiteRT.js" % (name, k, r)
            steps.append("float %.1e" % r)
            continue
        d = int(np.abs(mine.astype(np.int32).reshape(ref.shape) - ref.astype(np.int32)).max())
        assert d <= MAX_STEPS, "%s int8 output %d: %d steps from LiteRT.js (limit %d)" % (name, k, d, MAX_STEPS)
        steps.append(d)
    print("%-36s float rel %s  int8 vs LiteRT.js steps %s" % (name, ["%.1e" % r for r in rels], steps))


def test():
    with tempfile.TemporaryDirectory(prefix="nq-ortm-") as tmp:
        if oracles.shared_present():
            shared = oracles.shared_dir()
            top, data, models = os.path.join(shared, "models"), os.path.join(shared, "data"), MODELS
        else:
            top, data, models = oracles.SOURCE_DIR, os.path.join(tmp, "data"), COMMITTED
            print("NOTE: ../shared is absent: the committed ONNX models on synthetic pictures")
            pics = os.path.join(data, "ort-examples-images")
            os.makedirs(pics)
            for k in range(4):
                oracles.standin_photo(os.path.join(pics, "p%d.png" % k), 128, 96, seed=60 + k)
            oracles.standin_photo(os.path.join(data, IMAGE), 160, 120, seed=70)
        for m in models:
            check(top, data, tmp, *m)


if __name__ == "__main__":
    oracles.main(test)
