#!/usr/bin/python3
"""torchvision models through the ONNX frontend, end to end.

For each model named on the command line (default: the seven torchvision
models below plus opmix, a small CNN of less common ops, at opsets 13, 11
and 17), with seeded random weights exported at test time by
export_torchvision.py into a temp dir:
  1. float: `npuquant run` on the ONNX model equals torch's output within
     1e-4 relative (max|ours - torch| / max|torch|);
  2. layout: the translated graph has no TRANSPOSE except the one after the
     model's NCHW input (ShuffleNet's channel shuffles become GATHERs folded
     into convs: test_channel_shuffle.py);
  3. int8: `npuquant convert` with 4 real images (ImageNet mean/std,
     --channels-first) writes a .tflite that LiteRT.js runs; its output and
     our int8 executor's (`npuquant run --single-rounding`) differ by at most
     MAX_STEPS quantization steps.
Without ../shared (CI unset) the 4 calibration images are synthetic pictures
(oracles.standin_photo) and LiteRT's answers come from tests/golden/recorded.
Exit: 0 pass, 1 failure, 77 skip (no torch, or no LiteRT.js and no recorded answer).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402

MODELS = ["mobilenet_v2", "mobilenet_v3_small", "resnet18", "squeezenet1_1", "shufflenet_v2_x0_5",
          "efficientnet_b0", "mnasnet0_5", "opmix", "opmix_opset11", "opmix_opset17"]
TOL = 1e-4
MAX_STEPS = 3
MEAN = "123.675,116.28,103.53"
STD = "58.395,57.12,57.375"


def export(names, tmp):
    ex = subprocess.run([oracles.PY, os.path.join(HERE, "export_torchvision.py"), ",".join(names), tmp],
                        capture_output=True, text=True, timeout=900)
    if ex.returncode == 77:
        raise oracles.OracleSkip(ex.stdout.strip())
    if ex.returncode != 0:
        raise AssertionError("export failed: %s" % ex.stderr.strip()[-500:])


def check_model(name, tmp, images):
    onnx = os.path.join(tmp, name + ".onnx")
    x_path = os.path.join(tmp, name + ".in.npy")
    ref = np.load(os.path.join(tmp, name + ".torch.npy"))
    ours = oracles.run_ours(onnx, [x_path])[0]
    assert ours.shape == ref.shape, "%s: shape %s vs torch %s" % (name, ours.shape, ref.shape)
    rel = float(np.abs(ours - ref).max() / np.abs(ref).max())
    assert rel <= TOL, "%s: float output differs from torch by %.3g relative (limit %g)" % (name, rel, TOL)

    facts = oracles.cli_json("inspect", onnx)
    n_transpose = sum(o["count"] for o in facts["ops"] if o["op"] == "TRANSPOSE")

    int8 = os.path.join(tmp, name + ".int8.tflite")
    oracles.cli("convert", onnx, "-d", images, "--samples", "4", "--mean", MEAN, "--std", STD, "--channels-first",
                "-o", int8, "--quiet", check=True)
    tf = oracles.tflite_facts(int8)
    allowed = 1
    assert n_transpose <= allowed, "%s: %d TRANSPOSE ops; %d expected at most" % (name, n_transpose, allowed)
    qi = tf["inputs"][0]
    xq = np.clip(np.round(np.load(x_path) / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
    xq_path = os.path.join(tmp, name + ".inq.npy")
    np.save(xq_path, xq)
    lite = oracles.run("litert", int8, [xq_path])[0].astype(np.int32)
    mine = oracles.run_ours(int8, [xq_path], ["--single-rounding"])[0].astype(np.int32)
    steps = int(np.abs(lite - mine).max())
    assert steps <= MAX_STEPS, "%s: int8 output differs from LiteRT.js by %d steps (limit %d)" % (name, steps,
                                                                                                 MAX_STEPS)
    print("%-20s float rel %.2e  transposes %d  int8 vs LiteRT.js max %d steps" % (name, rel, n_transpose, steps))


def test():
    names = sys.argv[1:] or MODELS
    with tempfile.TemporaryDirectory(prefix="nq-tv-") as tmp:
        if oracles.shared_present():
            images = os.path.join(oracles.shared_dir(), "data", "coral-images")
        else:
            images = os.path.join(tmp, "pictures")
            os.makedirs(images)
            print("NOTE: ../shared is absent: calibrating on synthetic pictures")
            for k in range(4):
                oracles.standin_photo(os.path.join(images, "p%d.png" % k), 256, 192, seed=40 + k)
        export(names, tmp)
        for name in names:
            check_model(name, tmp, images)


if __name__ == "__main__":
    oracles.main(test)
