#!/usr/bin/python3
"""`npuquant run` against LiteRT (TFLite's own interpreter, via
tests/oracles/litert_run.mjs): the same .npy inputs through both, outputs
compared. Float models: relative 1e-5 (different summation order only).
int8 models: at most 1 step per element for a few-op model (LiteRT's XNNPACK
rounds once, TFLite's reference kernels twice; see docs ORACLES.md).
Exit 77 when node or LiteRT.js is not installed."""
import os
import shutil
import subprocess
import tempfile

import numpy as np

from clitest import ORACLES, Checks, cli, model, skip

if not shutil.which("node"):
    skip("node is not installed (LiteRT.js oracle)")
T = Checks("cli_run_vs_litert")
rng = np.random.default_rng(3)


def litert(model_path, prefix, inputs):
    r = subprocess.run(["node", os.path.join(ORACLES, "litert_run.mjs"), model_path, prefix, *inputs],
                       capture_output=True, text=True, timeout=120)
    if r.returncode == 77:
        skip("LiteRT.js is not installed: " + r.stdout.strip())
    return r


def compare(rel, arrays, check):
    path = model(rel)
    with tempfile.TemporaryDirectory() as d:
        ins = []
        for k, a in enumerate(arrays):
            ins.append(os.path.join(d, "in%d.npy" % k))
            np.save(ins[-1], a)
        r = cli("run", path, *sum((["-i", p] for p in ins), []), "-o", os.path.join(d, "ours"))
        o = litert(path, os.path.join(d, "ref"), ins)
        if not T.check(r.returncode == 0, "%s: npuquant run failed: %s" % (rel, r.stderr.strip())):
            return
        if not T.check(o.returncode == 0, "%s: LiteRT failed: %s" % (rel, o.stderr.strip())):
            return
        k = 0
        while os.path.exists(os.path.join(d, "ref.out%d.npy" % k)):
            ours, ref = np.load(os.path.join(d, "ours.out%d.npy" % k)), np.load(os.path.join(d, "ref.out%d.npy" % k))
            T.check(ours.dtype == ref.dtype and ours.shape == ref.shape, "%s out%d: %s%s vs LiteRT %s%s" % (rel, k, ours.dtype, ours.shape, ref.dtype, ref.shape))
            if ours.shape == ref.shape:
                ok, detail = check(ours, ref)
                T.check(ok, "%s out%d: %s" % (rel, k, detail))
                print("%s out%d: %s" % (rel, k, detail))
            k += 1
        T.check(k > 0, "%s: LiteRT wrote no outputs" % rel)


def float_close(ours, ref):
    err = float(np.max(np.abs(ours.astype(np.float64) - ref))) if ours.size else 0.0
    scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
    return err <= 1e-5 * scale, "max |diff| %.3g (scale %.3g)" % (err, scale)


def within_one_step(ours, ref):
    err = int(np.max(np.abs(ours.astype(np.int64) - ref.astype(np.int64)))) if ours.size else 0
    return err <= 1, "max |diff| %d steps" % err


for x in [-1.5, 0.0, 0.75, 3.0, 6.2]:
    compare("tflm-history/hello_world_old/hello_world_no_quant.tflite", [np.array([[x]], np.float32)], float_close)
compare("tflite2onnx-ops/conv.float32.tflite", [rng.standard_normal((1, 32, 32, 8)).astype(np.float32)], float_close)
for q in [-128, -60, 0, 77, 127]:
    compare("tflm-history/hello_world_old/hello_world.tflite", [np.array([[q]], np.int8)], within_one_step)
T.finish()
