#!/usr/bin/python3
"""`npuquant run` against LiteRT (TFLite's own interpreter, via
tests/oracles/litert_run.mjs): the same .npy inputs through both, outputs
compared. Float models: relative 1e-5 (different summation order only).
int8 models: `run` defaults to single rounding, what LiteRT runs (XNNPACK
rounds once, TFLite's reference kernels twice; see docs ORACLES.md), so its
outputs equal LiteRT's to the step, and it says so on stdout; with
--double-rounding a whole int8 network (ResNet-8) differs by some steps.
Without ../shared (CI unset): the committed Fashion-MNIST float network and the int8
golden network net_small_cnn, LiteRT's answers replayed from tests/golden/recorded.
Exit 77 when LiteRT.js is not installed and no answer is recorded."""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402
from oracles import Checks, cli, model, skip  # noqa: E402

T = Checks("cli_run_vs_litert")
rng = np.random.default_rng(3)


def compare(path, arrays, check, extra=()):
    rel = os.path.basename(path)
    with tempfile.TemporaryDirectory() as d:
        ins = []
        for k, a in enumerate(arrays):
            ins.append(os.path.join(d, "in%d.npy" % k))
            np.save(ins[-1], a)
        r = cli("run", path, *sum((["-i", p] for p in ins), []), "-o", os.path.join(d, "ours"), *extra)
        if check is not float_close:
            mode = "double" if "--double-rounding" in extra else "single"
            T.check("int8 arithmetic: %s rounding" % mode in r.stdout,
                    "%s: run names the rounding (%s) on stdout: %r" % (rel, mode, r.stdout))
        try:
            refs, err = oracles.run("litert", path, ins, timeout=120), None
        except oracles.OracleSkip as e:
            skip("LiteRT.js is not installed: %s" % e)
        except oracles.OracleError as e:
            refs, err = [], e
        if not T.check(r.returncode == 0, "%s: npuquant run failed: %s" % (rel, r.stderr.strip())):
            return
        if not T.check(err is None, "%s: LiteRT failed: %s" % (rel, err)):
            return
        for k, ref in enumerate(refs):
            ours = np.load(os.path.join(d, "ours.out%d.npy" % k))
            T.check(ours.dtype == ref.dtype and ours.shape == ref.shape, "%s out%d: %s%s vs LiteRT %s%s" % (rel, k, ours.dtype, ours.shape, ref.dtype, ref.shape))
            if ours.shape == ref.shape:
                ok, detail = check(ours, ref)
                T.check(ok, "%s out%d: %s" % (rel, k, detail))
                print("%s out%d: %s" % (rel, k, detail))
        T.check(len(refs) > 0, "%s: LiteRT wrote no outputs" % rel)


def float_close(ours, ref):
    err = float(np.max(np.abs(ours.astype(np.float64) - ref))) if ours.size else 0.0
    scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
    return err <= 1e-5 * scale, "max |diff| %.3g (scale %.3g)" % (err, scale)


def identical(ours, ref):
    err = oracles.max_steps(ours, ref)
    return err == 0, "max |diff| %d steps (the default rounding is LiteRT's)" % err


def double_differs(ours, ref):
    err = oracles.max_steps(ours, ref)
    return err > 0, "--double-rounding: max |diff| %d steps (the modes differ)" % err


if oracles.shared_present():
    for x in [-1.5, 0.0, 0.75, 3.0, 6.2]:
        compare(model("tflm-history/hello_world_old/hello_world_no_quant.tflite"), [np.array([[x]], np.float32)],
                float_close)
    compare(model("tflite2onnx-ops/conv.float32.tflite"), [rng.standard_normal((1, 32, 32, 8)).astype(np.float32)],
            float_close)
    for q in [-128, -60, 0, 77, 127]:
        compare(model("tflm-history/hello_world_old/hello_world.tflite"), [np.array([[q]], np.int8)], identical)
    x8 = rng.integers(-128, 128, (1, 32, 32, 3)).astype(np.int8)
    compare(model("mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite"), [x8], identical)
    compare(model("mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite"), [x8], double_differs, ["--double-rounding"])
else:
    fashion = os.path.join(oracles.SOURCE_DIR, "examples", "fashion", "fashion_cnn.tflite")
    net = os.path.join(oracles.SOURCE_DIR, "tests", "golden", "vectors", "net_small_cnn.tflite")
    print("NOTE: ../shared is absent: running on the committed %s and %s" % (fashion, net))
    for k in range(3):
        compare(fashion, [rng.random((1, 28, 28, 1), dtype=np.float32)], float_close)
    shape = oracles.tflite_facts(net)["inputs"][0]["shape"]
    for k in range(3):
        x8 = rng.integers(-128, 128, shape).astype(np.int8)
        compare(net, [x8], identical)
    compare(net, [x8], double_differs, ["--double-rounding"])
T.finish()
