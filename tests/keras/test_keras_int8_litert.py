#!/usr/bin/python3
"""Keras files from other eras: str_ww_ref_model.h5 (Keras 2.14, Conv/DW
with BatchNorm, Dropout) and the four face_classification .hdf5 models
(Keras 2.0.5, SeparableConv2D, residual Add, GlobalAveragePooling). Each is
loaded, converted to int8 from the .h5 and the int8 .tflite is run in
LiteRT.js (Google's interpreter) on real inputs.

Checks: the int8 model's dequantized output from LiteRT.js is close to the
float .h5 output from npuquant (SQNR floor), and for the face models the
predicted class on each photo (whole image resized, grayscale 64x64,
scaled to -1..1 as the project trained them) is reported for float and
int8; at least 3 of 4 models x photos must agree overall 75%.
For SWW, TF's own int8 model of the same network is compared too. Without ../shared
(CI unset): a mini-Xception stand-in on synthetic pictures (standin())."""
import glob
import os
import shutil
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402
import keras_common as kc  # noqa: E402



def litert(model, inputs):
    """LiteRT.js's outputs, or None when it is not installed."""
    try:
        return oracles.run("litert", model, inputs)
    except oracles.OracleSkip:
        return None


def io_facts(model):
    return oracles.cli_json("inspect", model)


def quantize(x, facts):
    if facts["type"] == "float32":
        return x.astype(np.float32)
    s, z = facts["scale"][0], facts["zero_point"][0]
    lo, hi = (-128, 127) if facts["type"] == "int8" else (0, 255)
    return np.clip(np.round(x / s) + z, lo, hi).astype(np.int8 if facts["type"] == "int8" else np.uint8)


def dequantize(y, facts):
    if facts["type"] == "float32":
        return y.astype(np.float64)
    return (y.astype(np.float64) - facts["zero_point"][0]) * facts["scale"][0]


def standin():
    """Without ../shared (CI unset): keras_standins.py's Keras 2.0.5 mini-Xception (the face
    models' idioms) converted from the .h5 and run in LiteRT.js on 8 synthetic grey pictures
    (calibration and test), against the float .h5 in npuquant: the SQNR floor of SWW and the
    face models' 75% top-1 agreement. TF's int8 SWW and the face photos need ../shared."""
    import keras_standins as ks  # noqa: PLC0415
    print("NOTE: ../shared is absent: the mini-Xception stand-in (keras_standins.py), synthetic pictures")
    wd = tempfile.mkdtemp(prefix="nq_keras_")
    try:
        h5, _ = ks.xception_h5(os.path.join(wd, "xception_standin.h5"))
        pics = [oracles.standin_photo(os.path.join(wd, "p%d.png" % k), 48, 48, seed=70 + k, gray=True) for k in range(8)]
        xs = [kc.image(p, 16, 16, 1, 2 / 255.0, -1.0) for p in pics]
        data = os.path.join(wd, "calib.npy")
        np.save(data, np.concatenate(xs))
        out = os.path.join(wd, "xception_int8.tflite")
        oracles.cli("convert", h5, "-d", data, "-o", out, check=True)
        f = io_facts(out)
        worst, agree = 1e9, 0
        for x in xs:
            ref = oracles.run_ours(h5, [x])[0]
            y = litert(out, [quantize(x, f["inputs"][0])])
            if y is None:
                oracles.skip("LiteRT.js is not installed and no answer is recorded (the conversion passed)")
            yq = dequantize(y[0], f["outputs"][0])
            worst = min(worst, oracles.sqnr_db(np.ravel(ref), np.ravel(yq)))
            agree += int(np.argmax(ref)) == int(np.argmax(yq))
        good = worst > 15 and agree >= 0.75 * len(xs)
        print("%s xception_standin.h5 (Keras 2.0.5): int8 from .h5 in LiteRT.js vs float .h5: worst SQNR %.1f dB, "
              "float top-1 kept on %d of %d pictures" % ("ok  " if good else "FAIL", worst, agree, len(xs)))
    finally:
        shutil.rmtree(wd, ignore_errors=True)
    print("test_keras_int8_litert: %d failure(s)" % (not good))
    sys.exit(0 if good else 1)


if not oracles.shared_present():
    standin()
shared = oracles.shared_dir()
M = os.path.join(shared, "models")
failures = 0
skipped_litert = False
wd = tempfile.mkdtemp(prefix="nq_keras_")
try:
    # --- SWW (Keras 2.14) ---
    h5 = os.path.join(M, "mlperf-tiny-sww/str_ww_ref_model.h5")
    specs = np.load(os.path.join(M, "mlperf-tiny-sww/calibration_samples.npz"))["specs"].astype(np.float32)
    data = os.path.join(wd, "sww.npy")
    np.save(data, specs)
    out = os.path.join(wd, "sww_int8.tflite")
    oracles.cli("convert", h5, "-d", data, "-o", out, check=True)
    f = io_facts(out)
    worst = 1e9
    for k in range(0, len(specs), 9):
        x = specs[k:k + 1]
        ref = oracles.run_ours(h5, [x])[0]
        y = litert(out, [quantize(x, f["inputs"][0])])
        if y is None:
            skipped_litert = True
            break
        worst = min(worst, oracles.sqnr_db(np.ravel(ref), np.ravel(dequantize(y[0], f["outputs"][0]))))
    if not skipped_litert:
        good = worst > 15
        failures += not good
        print("%s str_ww_ref_model.h5 (Keras 2.14): int8 from .h5 in LiteRT.js vs float .h5: worst SQNR %.1f dB" %
              ("ok  " if good else "FAIL", worst))
    tf_int8 = os.path.join(M, "mlperf-tiny-sww/str_ww_ref_model.tflite")
    rep = oracles.cli_json("compare", h5, tf_int8, "-d", data)["outputs"][0]
    ours = oracles.cli_json("compare", h5, out, "-d", data)["outputs"][0]
    print("info str_ww_ref_model.h5: SQNR vs float .h5 over %d samples: TF int8 %.1f dB (top-1 %.2f), "
          "npuquant int8 %.1f dB (top-1 %.2f)" % (len(specs), rep["sqnr_db"], rep.get("top1_agreement", -1),
                                                 ours["sqnr_db"], ours.get("top1_agreement", -1)))
    good = rep["sqnr_db"] > 10
    failures += not good

    # --- face_classification (Keras 2.0.5) ---
    photos = sorted(glob.glob(os.path.join(shared, "data/face_classification-images/*.jpg")))
    agree = total = 0
    for h5 in sorted(glob.glob(os.path.join(M, "keras-h5-face_classification/*.hdf5"))):
        base = os.path.basename(h5)
        xs = [kc.image(p, 64, 64, 1, 2 / 255.0, -1.0) for p in photos]
        data = os.path.join(wd, base + ".npy")
        np.save(data, np.concatenate(xs))
        out = os.path.join(wd, base + ".int8.tflite")
        oracles.cli("convert", h5, "-d", data, "-o", out, check=True)
        f = io_facts(out)
        line = []
        for p, x in zip(photos, xs):
            ref = oracles.run_ours(h5, [x])[0]
            y = litert(out, [quantize(x, f["inputs"][0])])
            if y is None:
                skipped_litert = True
                break
            yq = dequantize(y[0], f["outputs"][0])
            cf, cq = int(np.argmax(ref)), int(np.argmax(yq))
            agree += cf == cq
            total += 1
            line.append("%s: float %d int8 %d" % (os.path.splitext(os.path.basename(p))[0], cf, cq))
        if skipped_litert:
            break
        print("info %s: %s" % (base, "; ".join(line)))
    if not skipped_litert:
        good = total > 0 and agree >= 0.75 * total
        failures += not good
        print("%s face_classification: int8 (LiteRT.js) predicts the float class on %d of %d model x photo pairs" %
              ("ok  " if good else "FAIL", agree, total))
finally:
    shutil.rmtree(wd, ignore_errors=True)
if skipped_litert and not failures:
    oracles.skip("LiteRT.js is not installed (the conversions above passed)")
print("test_keras_int8_litert: %d failure(s)" % failures)
sys.exit(1 if failures else 0)
