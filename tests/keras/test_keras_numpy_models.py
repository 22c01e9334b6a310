#!/usr/bin/python3
"""Real Keras models without a TF float twin, against an independent numpy
evaluation of the .h5 (keras_numpy_ref.eval_h5: Keras' formulas in
float64, weights read with h5py): the four face_classification models
(Keras 2.0.5: SeparableConv2D, residual Add, MaxPooling same, Global
average pooling) on the photos in face_classification-images, and the
MLPerf Tiny streaming wake-word model (Keras 2.14) on its calibration
samples. Outputs must agree within 1e-4 relative.

Without ../shared (CI unset): stand-ins written by keras_standins.py, a Keras 2.0.5
mini-Xception block (SeparableConv2D, MaxPooling same beside a strided shortcut, Add,
global average pooling) and a dense autoencoder, on seeded inputs."""
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
import keras_numpy_ref as ref  # noqa: E402

failures = 0
wd = tempfile.mkdtemp(prefix="nq_keras_")
try:
    if oracles.shared_present():
        shared = oracles.shared_dir()
        M = os.path.join(shared, "models")
        photos = sorted(glob.glob(os.path.join(shared, "data/face_classification-images/*.jpg")))
        cases = [(h5, [kc.image(p, 64, 64, 1, 2 / 255.0, -1.0) for p in photos[:2]])
                 for h5 in sorted(glob.glob(os.path.join(M, "keras-h5-face_classification/*.hdf5")))]
        specs = np.load(os.path.join(M, "mlperf-tiny-sww/calibration_samples.npz"))["specs"].astype(np.float32)
        cases.append((os.path.join(M, "mlperf-tiny-sww/str_ww_ref_model.h5"), [specs[0:1], specs[20:21]]))
    else:
        import keras_standins as ks  # noqa: PLC0415
        print("NOTE: ../shared is absent: stand-in Keras models (keras_standins.py) on seeded inputs")
        cases = [ks.xception_h5(os.path.join(wd, "xception_standin.h5"))]
        ad, x = ks.dense_autoencoder_h5(os.path.join(wd, "ad_standin.h5"))
        cases.append((ad, [x, -x]))
    for h5, xs in cases:
        worst = 0.0
        for k, x in enumerate(xs):
            got = oracles.run_ours(h5, [x])
            want = ref.eval_h5(h5, [x])
            for g, w in zip(got, want):
                worst = max(worst, kc.rel_err(g, w) if g.shape == w.shape else np.inf)
        good = worst <= 1e-4
        failures += not good
        print("%s %s: max relative error vs numpy %.3g over %d inputs" %
              ("ok  " if good else "FAIL", os.path.basename(h5), worst, len(xs)))
finally:
    shutil.rmtree(wd, ignore_errors=True)
print("test_keras_numpy_models: %d failure(s)" % failures)
sys.exit(1 if failures else 0)
