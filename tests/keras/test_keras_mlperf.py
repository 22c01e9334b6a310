#!/usr/bin/python3
"""Keras .h5 models from MLPerf Tiny against TensorFlow's own float .tflite
twins (the reference: made by TF from the same model). Each is run with
npuquant's executor (which matches LiteRT on .tflite files) on real inputs:
photos for the image models, log-mel features of a real recording for the
anomaly detector. Outputs must agree within 1e-4 relative. Then `convert`
straight from the .h5 must work and `compare` of the .h5 against TF's int8
twin must run and give a sane SQNR.

ad01: TF's ad01_fp32.tflite is not the same model as ad01.h5: its fully
connected weights equal the .h5's with BatchNorm folded (1e-7) but its
biases differ by up to 7%, i.e. the BatchNorm moving means it was made from
are not the ones stored in the .h5. For ad01 the reference is therefore the
.h5 itself, evaluated in float64 with numpy from the weights h5py reads
(Dense -> BatchNormalization -> ReLU, Keras' formulas); the twin's figure is
printed for information.

Without ../shared (CI unset) a stand-in with ad01's layer structure (keras_standins.py)
runs the numpy comparison, the conversion and `compare` (against our own int8 model)."""
import json
import os
import shutil
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402
import keras_common as kc  # noqa: E402

if oracles.shared_present():
    shared = oracles.shared_dir()
    M = os.path.join(shared, "models")
    IMGS = [os.path.join(shared, "data/skimage-samples", f) for f in ("chelsea.png", "astronaut.png", "coffee.png", "rocket.jpg")]
    WAV = os.path.join(shared, "data/mlperf-tiny-audio/marvin_617de221_0.wav")
else:
    M = None

def r8_inputs():
    return [kc.image(p, 32, 32, 3) for p in IMGS]  # raw 0..255, as trained

def vww_inputs():
    return [kc.image(p, 96, 96, 3, 1 / 255.0) for p in IMGS]

def ad_inputs():
    return [kc.log_mel(WAV, 128, 5, offset_frames=o).reshape(1, 640) for o in (0, 5, 10, 15)]

def ad_numpy_reference(h5_path, x):
    import h5py
    with h5py.File(h5_path, "r") as h:
        cfg = json.loads(h.attrs["model_config"])
        mw = h["model_weights"]
        y = x.astype(np.float64)
        for layer in cfg["config"]["layers"][1:]:
            name, cls = layer["config"]["name"], layer["class_name"]
            w = [mw[name][n][...].astype(np.float64) for n in mw[name].attrs["weight_names"]] if name in mw else []
            if cls == "Dense":
                y = y @ w[0] + w[1]
            elif cls == "BatchNormalization":
                g, b, m, v = w
                y = (y - m) / np.sqrt(v + layer["config"]["epsilon"]) * g + b
            elif cls == "Activation" and layer["config"]["activation"] == "relu":
                y = np.maximum(y, 0)
            elif not (cls == "Activation" and layer["config"]["activation"] == "linear"):
                raise RuntimeError("ad01 reference: unexpected layer " + cls)
    return [y]

def standin_cases(wd):
    """Without ../shared (CI unset): keras_standins.py's dense autoencoder with ad01's layers
    (Dense -> BatchNormalization -> ReLU), numpy as the reference as for ad01; our own
    conversion of it is the int8 model that `compare` reads (TF's int8 twin needs ../shared)."""
    import keras_standins as ks  # noqa: PLC0415
    print("NOTE: ../shared is absent: ad01's structure written by keras_standins.py, seeded inputs")
    h5, x = ks.dense_autoencoder_h5(os.path.join(wd, "ad_standin.h5"))
    rng = np.random.default_rng(23)
    xs = [x] + [rng.normal(0, 1, (1, 640)).astype(np.float32) for _ in range(3)]
    return [(h5, None, None, lambda: xs, ad_numpy_reference)]


CASES = [
    ("mlperf-tiny-ic-resnet8/pretrainedResnet.h5", "mlperf-tiny-ic-resnet8/pretrainedResnet.tflite",
     "mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite", r8_inputs, None),
    ("mlperf-tiny-vww/vww_96.h5", "mlperf-tiny-vww/vww_96_float.tflite", "mlperf-tiny-vww/vww_96_int8.tflite", vww_inputs, None),
    ("mlperf-tiny-ad/ad01.h5", "mlperf-tiny-ad/ad01_fp32.tflite", "mlperf-tiny-ad/ad01_int8.tflite", ad_inputs,
     ad_numpy_reference),
]

failures = 0
wd = tempfile.mkdtemp(prefix="nq_keras_")
try:
    for h5, twin, int8, make, numpy_ref in (CASES if M else standin_cases(wd)):
        h5p, twp, i8p = (os.path.join(M, x) if x and M else x for x in (h5, twin, int8))
        samples = make()
        worst = twin_worst = 0.0
        for k, x in enumerate(samples):
            a = oracles.run_ours(h5p, [x])
            b = oracles.run_ours(twp, [x]) if twp else a
            if numpy_ref:
                for oa, ob in zip(a, b):
                    twin_worst = max(twin_worst, kc.rel_err(oa, ob))
                b = numpy_ref(h5p, x)
            if len(a) != len(b):
                print("FAIL %s: %d outputs, twin has %d" % (h5, len(a), len(b)))
                failures += 1
                break
            for oa, ob in zip(a, b):
                if oa.shape != ob.shape:
                    print("FAIL %s: output shape %s, twin %s" % (h5, oa.shape, ob.shape))
                    failures += 1
                else:
                    worst = max(worst, kc.rel_err(oa, ob))
        ok = worst <= 1e-4
        failures += not ok
        print("%s %s: float vs %s, max relative error %.3g over %d inputs" %
              ("ok  " if ok else "FAIL", h5, "numpy float64 evaluation of the .h5" if numpy_ref else "TF float twin",
               worst, len(samples)))
        if numpy_ref and twp:
            print("info %s: TF float twin differs by %.3g (its BatchNorm statistics differ, see above)" % (h5, twin_worst))
        data = os.path.join(wd, os.path.basename(h5) + ".data.npy")
        np.save(data, np.concatenate(samples, axis=0))
        out = os.path.join(wd, os.path.basename(h5) + ".int8.tflite")
        p = oracles.cli("convert", h5p, "-d", data, "-o", out)
        if p.returncode != 0 or not os.path.exists(out):
            print("FAIL %s: convert: %s" % (h5, p.stderr.strip()))
            failures += 1
        else:
            print("ok   %s: converted to int8 (%d bytes)" % (h5, os.path.getsize(out)))
        if not i8p:  # the stand-in: our own int8 model, with the .h5 as the reference
            p = oracles.cli("compare", h5p, out, "-d", data, "--json")
            sq = [o["sqnr_db"] for o in json.loads(p.stdout)["outputs"]] if p.returncode == 0 else []
            good = bool(sq) and all(v == "inf" or float(v) > 10 for v in sq)
            failures += not good
            print("%s %s: compare .h5 vs our int8: SQNR %s dB %s" % ("ok  " if good else "FAIL", h5, sq, p.stderr.strip()))
            continue
        p = oracles.cli("compare", h5p, i8p, "-d", data, "--json")
        if p.returncode != 0:
            print("FAIL %s: compare with TF int8 twin: %s" % (h5, p.stderr.strip()))
            failures += 1
        else:
            outs = json.loads(p.stdout)["outputs"]
            # The same comparison with TF's float twin as the reference: our
            # .h5 translation must see TF's int8 model exactly as TF's float
            # model does (for ad01 the twin differs, so only a floor applies).
            q = oracles.cli("compare", twp, i8p, "-d", data, "--json", check=True)
            touts = json.loads(q.stdout)["outputs"]
            for o, t in zip(outs, touts):
                if numpy_ref:
                    good = o["sqnr_db"] > 10
                else:
                    good = abs(o["sqnr_db"] - t["sqnr_db"]) < 0.5
                failures += not good
                print("%s %s: compare .h5 vs TF int8 twin, output '%s': SQNR %.2f dB (TF float twin vs int8 twin: "
                      "%.2f dB), top-1 agreement %s" %
                      ("ok  " if good else "FAIL", h5, o["name"], o["sqnr_db"], t["sqnr_db"], o.get("top1_agreement")))
finally:
    shutil.rmtree(wd, ignore_errors=True)
print("test_keras_mlperf: %d failure(s)" % failures)
sys.exit(1 if failures else 0)
