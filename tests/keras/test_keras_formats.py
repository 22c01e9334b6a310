#!/usr/bin/python3
"""Keras file layouts and malformed files.

Layouts (built without Keras by keras_files.py from the real MLPerf Tiny
.h5 files) must give the same outputs as the original .h5:
  resnet8 as a Keras 3 .keras archive (Functional, residual Adds);
  ad01 as a .keras with the Functional nested in a Sequential;
  ad01 as a Keras 2 .h5 with the Functional nested in a Sequential;
  ad01 as weights-only .h5 + architecture JSON (--keras-json);
  ad01 as a Keras 2.0-style Sequential (bare layer list, batch_input_shape).
Malformed files must fail with exit code 1 (or 3 for unsupported layers),
one 'npuquant: ' line on stderr naming the file and what is wrong, and no
libhdf5 error dump.

Without ../shared (CI unset) the two originals are stand-ins (keras_standins.py): the
committed golden cnn.h5 (conv, BN, depthwise, Add) for resnet8 and a dense autoencoder with
ad01's layer structure and seeded weights, on seeded inputs."""
import copy
import json
import os
import shutil
import sys
import tempfile
import zipfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402
import keras_common as kc  # noqa: E402
import keras_files as kf  # noqa: E402

failures = 0


def same_outputs(label, model, ref_model, x, wd, extra=()):
    global failures
    try:
        if extra:
            prefix = os.path.join(wd, "x")
            np.save(prefix + "_in.npy", x)
            oracles.cli("run", model, "-i", prefix + "_in.npy", "-o", prefix, *extra, check=True)
            a = [np.load(prefix + ".out0.npy")]
        else:
            a = oracles.run_ours(model, [x])
        b = oracles.run_ours(ref_model, [x])
        e = max(kc.rel_err(p, q) for p, q in zip(a, b))
        good = len(a) == len(b) and e <= 1e-6
    except AssertionError as ex:
        good, e = False, float("nan")
        print("   ", ex)
    failures += not good
    print("%s %s: max relative difference to the original .h5 %.3g" % ("ok  " if good else "FAIL", label, e))


def expect_error(label, model, codes, needles, extra=()):
    global failures
    p = oracles.cli("inspect", model, *extra)
    err = p.stderr.strip().splitlines()
    good = p.returncode in codes and len(err) == 1 and err[0].startswith("npuquant: ") and \
        all(n in err[0] for n in needles) and "HDF5-DIAG" not in p.stderr
    failures += not good
    print("%s %s: exit %d: %s" % ("ok  " if good else "FAIL", label, p.returncode, " | ".join(err)[:300]))


wd = tempfile.mkdtemp(prefix="nq_keras_")
try:
    if oracles.shared_present():
        shared = oracles.shared_dir()
        R8 = os.path.join(shared, "models", "mlperf-tiny-ic-resnet8/pretrainedResnet.h5")
        AD = os.path.join(shared, "models", "mlperf-tiny-ad/ad01.h5")
        img = kc.image(os.path.join(shared, "data/skimage-samples/chelsea.png"), 32, 32, 3)
        feat = kc.log_mel(os.path.join(shared, "data/mlperf-tiny-audio/marvin_617de221_0.wav"), 128, 5).reshape(1, 640)
    else:
        import keras_standins as ks  # noqa: PLC0415
        print("NOTE: ../shared is absent: stand-ins for resnet8 and ad01 (keras_standins.py)")
        R8, img = ks.conv_h5(os.path.join(wd, "conv_standin.h5"))
        AD, feat = ks.dense_autoencoder_h5(os.path.join(wd, "ad_standin.h5"))
    r8_cfg, r8_w, r8_ver = kf.read_legacy(R8)
    ad_cfg, ad_w, ad_ver = kf.read_legacy(AD)

    p = os.path.join(wd, "resnet8.keras")
    kf.keras3_archive(p, r8_cfg, r8_w)
    same_outputs("resnet8 .keras (Keras 3 layout)", p, R8, img, wd)
    p = os.path.join(wd, "resnet8_tfkeras213.keras")
    kf.keras3_archive(p, r8_cfg, r8_w, container="_layer_checkpoint_dependencies", version="2.13.1")
    same_outputs("resnet8 .keras (tf.keras 2.13 layout)", p, R8, img, wd)
    p = os.path.join(wd, "ad01_nested.keras")
    kf.keras3_archive(p, ad_cfg, ad_w, nest_in_sequential=True)
    same_outputs("ad01 .keras, Functional nested in Sequential", p, AD, feat, wd)
    p = os.path.join(wd, "ad01_seq_built.keras")
    kf.keras3_sequential_archive(p, ad_cfg, ad_w)
    same_outputs("ad01 .keras Sequential without InputLayer (build_input_shape), deflated", p, AD, feat, wd)
    p = os.path.join(wd, "ad01_nested.h5")
    kf.legacy_h5(p, ad_cfg, ad_w, ad_ver, nest_in_sequential=True)
    same_outputs("ad01 .h5, Functional nested in Sequential", p, AD, feat, wd)
    p, j = os.path.join(wd, "ad01_weights.h5"), os.path.join(wd, "ad01.json")
    kf.weights_only_h5(p, j, ad_cfg, ad_w, ad_ver)
    same_outputs("ad01 weights-only .h5 + --keras-json", p, AD, feat, wd, extra=("--keras-json", j))
    expect_error("weights-only .h5 without --keras-json", p, (1, 2), ["ad01_weights.h5", "--keras-json"])
    p = os.path.join(wd, "ad01_k20.h5")
    kf.legacy_h5(p, ad_cfg, ad_w, "2.0.5", model_config=kf.keras20_sequential(ad_cfg))
    same_outputs("ad01 as Keras 2.0 Sequential (layer list, batch_input_shape)", p, AD, feat, wd)

    # --- malformed files ---
    data = open(R8, "rb").read()
    p = os.path.join(wd, "truncated.h5")
    open(p, "wb").write(data[:len(data) // 2])
    expect_error("truncated HDF5", p, (1,), ["truncated.h5"])
    p = os.path.join(wd, "header_only.h5")
    open(p, "wb").write(data[:600])
    expect_error("HDF5 cut after the superblock", p, (1,), ["header_only.h5"])
    # a global heap object whose size overruns its collection: libhdf5 1.10
    # would copy out of bounds while reading model_config; we must refuse first
    g = data.find(b"GCOL\x01\0\0\0")
    if g < 0:
        print("FAIL resnet8.h5 has no global heap collection to damage")
        failures += 1
    else:
        bad = bytearray(data)
        bad[g + 16 + 8:g + 16 + 16] = (1 << 40).to_bytes(8, "little")
        p = os.path.join(wd, "heap.h5")
        open(p, "wb").write(bytes(bad))
        expect_error("global heap object size overrunning its collection", p, (1,), ["heap.h5", "global heap"])
    cfg = copy.deepcopy(ad_cfg)
    cfg["config"]["layers"][1]["name"] = cfg["config"]["layers"][1]["config"]["name"] = "dense_renamed"
    cfg["config"]["layers"][2]["inbound_nodes"][0][0][0] = "dense_renamed"
    p = os.path.join(wd, "missing_weights.h5")
    kf.legacy_h5(p, ad_cfg, ad_w, ad_ver, model_config=cfg)
    expect_error("config naming a layer with no weights", p, (1,), ["dense_renamed", "Dense", "no weights"])
    bad_w = dict(ad_w)
    bad_w["dense_1"] = [(n, a[:64] if a.ndim == 2 else a) for n, a in ad_w["dense_1"]]
    p = os.path.join(wd, "wrong_shape.h5")
    kf.legacy_h5(p, ad_cfg, bad_w, ad_ver)
    expect_error("kernel of the wrong shape", p, (1,), ["dense_1", "Dense", "[64,128]"])
    cfg = copy.deepcopy(ad_cfg)
    cfg["config"]["layers"][3]["class_name"] = "Lambda"
    p = os.path.join(wd, "lambda.h5")
    kf.legacy_h5(p, ad_cfg, ad_w, ad_ver, model_config=cfg)
    expect_error("Lambda layer", p, (3,), ["'activation'", "Lambda"])
    cfg["config"]["layers"][3]["class_name"] = "FancyNewLayer"
    kf.legacy_h5(p, ad_cfg, ad_w, ad_ver, model_config=cfg)
    expect_error("unknown layer class", p, (3,), ["'activation'", "FancyNewLayer", "not supported"])
    p = os.path.join(wd, "badjson.h5")
    kf.legacy_h5(p, ad_cfg, ad_w, ad_ver)
    with h5py.File(p, "a") as h:
        h.attrs["model_config"] = b'{"class_name": "Functional", "config": {"layers": [ }'
    expect_error("model_config that is not JSON", p, (1,), ["badjson.h5", "JSON"])
    p = os.path.join(wd, "noweights.keras")
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("config.json", json.dumps(kf.keras3_functional(ad_cfg)))
        z.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    expect_error(".keras with a damaged model.weights.h5", p, (1,), ["noweights.keras", "model.weights.h5"])
finally:
    shutil.rmtree(wd, ignore_errors=True)
print("test_keras_formats: %d failure(s)" % failures)
sys.exit(1 if failures else 0)
