"""What test_yolov5n.py and test_yolov5n_16x8.py share: YOLOv5n from ../shared, its photos,
the conversion and the figures.

The float model (float16 weights behind DEQUANTIZE, a [1, 25200, 85] output) is converted with
`--output-type float32`, `--recipe tf` unless the test asks for the default recipe, and the
test's own flags, calibrated on the even-numbered
shared photos (as 0..1 pixels), and judged on every other odd-numbered photo (views it never
saw): each part's SQNR against the float model in LiteRT.js, and the detections matched as
yolo_detect.py matches them.
"""
import os

import numpy as np

import oracles
import yolo_detect

MODEL = "yolov5n-fp16-tflite/yolov5n-fp16.tflite"
SIZE = 640
SANITIZED = os.environ.get("NQ_SANITIZED") == "1"


def float_model():
    """The float model's path (skips when it or LiteRT.js is missing)."""
    model = oracles.model(MODEL)
    oracles.require("litert", model)
    return model


def photos():
    """(calibration photos, evaluation photos)."""
    shared = oracles.shared_photos(20)
    return shared[0::2], shared[1::2][::2]


def convert(model, tmp, calibration, name, *flags, timeout, npu="none", recipe="tf"):
    """`npuquant convert` of the float model into tmp/name (recipe None: the default, automatic
    one); (its path, the finished process)."""
    cal = oracles.image_dir(tmp, "cal", calibration)
    out = os.path.join(tmp, name)
    chosen = ("--recipe", recipe) if recipe else ()
    p = oracles.cli("convert", model, "-d", cal, "--range", "0..1", "-o", out, "--npu", npu, *chosen,
                    "--output-type", "float32", *flags, check=True, timeout=timeout)
    return out, p


def photo_input(path, inp):
    """A photo as the float model takes it, and quantized for the int8 input `inp`."""
    x = oracles.photo(path, SIZE)
    q = np.clip(np.round(x / inp["scale"][0]) + inp["zero_point"][0], -128, 127).astype(np.int8)
    return x, q


def check_agree(checks, path, ours, lite):
    """LiteRT.js runs the model as npuquant's executor does: within 1e-5 of the output's
    magnitude, far less than one step of the int8 heads moves a box."""
    off = float(np.max(np.abs(ours - lite)) / np.max(np.abs(ours)))
    checks.check(off <= 1e-5, "%s: LiteRT.js and npuquant agree within %.2g of the output (1e-5)"
                 % (os.path.basename(path), off))


def figures(checks, ref, test_outs, where, kind):
    """Per-part SQNR and detection recall/precision of test_outs against the float outputs,
    printed (`where` the outputs come from, `kind` of model), with the check that the float
    model finds enough detections to count. Returns (parts, recall, precision)."""
    parts = yolo_detect.part_sqnr(ref, test_outs)
    recall, precision, n_ref, n_test = yolo_detect.recall_precision(ref, test_outs)
    print("%d evaluation photos%s: %s" % (len(ref), where, ", ".join("%s %.2f dB" % kv for kv in parts.items())))
    print("detections: float %d, %s %d, recall %.3f, precision %.3f" % (n_ref, kind, n_test, recall, precision))
    checks.check(n_ref >= 20, "the float model finds %d detections (>= 20, enough to count)" % n_ref)
    return parts, recall, precision
