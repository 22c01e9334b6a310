#!/usr/bin/python3
"""Channel shuffles lower to NHWC without TRANSPOSE (issue 17 item 3).

ShuffleNet's channel shuffle (reshape [N, C, H, W] -> [N, g, C/g, H, W],
transpose (0, 2, 1, 3, 4), reshape back) used to become RESHAPE + 5-D
TRANSPOSE + RESHAPE per shuffle; the passes channel_shuffle.c and
fold_channel_gather.c make it a GATHER on the channel axis that folds into
the convs reading it, the channel split after it, and past PAD / depthwise
conv. Two models exported from torch at test time (seeded random weights):
  - torchvision shufflenet_v2_x0_5 (16 shuffles, torch.chunk splits);
  - shufflemix: shuffles with g = 3, 4 and 2, one read by a depthwise conv,
    one by a chunk, and one that is the model output.
For each:
  1. layout: our graph has no more TRANSPOSE ops than the ONNX graph has
     Transpose nodes, in fact none but those at the NCHW model inputs and
     outputs (NHWC inside), and no RESHAPE;
  2. float: our output equals onnxruntime-node's within 1e-5 (absolute, the
     outputs are of order 1);
  3. int8: `convert` (seeded random calibration data) writes a model that
     LiteRT.js runs bit-identically to our int8 executor (single rounding),
     and the NPU report counts its TRANSPOSE ops (one note, "1 TRANSPOSE op").
Exit: 0 pass, 1 failure, 77 skip (torch, python3-onnx, node or an oracle
missing).
"""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402

try:
    import numpy as np
    import onnx
    import torch
    import torchvision
except ImportError as e:
    oracles.skip("torch, torchvision or python3-onnx is not installed: %s" % e)

FLOAT_TOL = 1e-5
N_CALIB = 4


def shuffle(x, groups):
    n, c, h, w = x.shape
    return x.reshape(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class ShuffleMix(torch.nn.Module):
    """conv -> shuffle(3) -> depthwise -> conv -> shuffle(4) -> chunk -> cat -> shuffle(2) (the output)."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.c1 = nn.Conv2d(3, 12, 3, padding=1)
        self.dw = nn.Conv2d(12, 12, 3, stride=2, padding=1, groups=12)
        self.c2 = nn.Conv2d(12, 12, 1)
        self.c3 = nn.Conv2d(6, 6, 1)

    def forward(self, x):
        y = torch.relu(self.c1(x))
        y = torch.relu(self.c2(torch.relu(self.dw(shuffle(y, 3)))))
        a, b = shuffle(y, 4).chunk(2, dim=1)
        return shuffle(torch.cat([a, torch.relu(self.c3(b))], dim=1), 2)


def export(name, tmp):
    torch.manual_seed(7)
    if name == "shufflemix":
        model, size = ShuffleMix(), 32
    else:
        model, size = getattr(torchvision.models, name)(weights=None), 224
    model.eval()
    gen = torch.Generator().manual_seed(11)
    x = torch.rand(1, 3, size, size, generator=gen) * 2 - 1
    calib = torch.rand(N_CALIB, 3, size, size, generator=gen) * 2 - 1
    path = os.path.join(tmp, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["out"])
    return path, x.numpy().astype(np.float32), calib.numpy().astype(np.float32)


def op_counts(model):
    return {o["op"]: o["count"] for o in oracles.cli_json("inspect", model)["ops"]}


def check_model(c, name, tmp):
    path, x, calib = export(name, tmp)
    onnx_transposes = sum(n.op_type == "Transpose" for n in onnx.load(path).graph.node)
    ops = op_counts(path)
    ours = ops.get("TRANSPOSE", 0)
    g = onnx.load(path).graph
    boundary = sum(len(v.type.tensor_type.shape.dim) == 4 for v in list(g.input) + list(g.output))
    c.check(ours <= min(onnx_transposes, boundary), "%s: %d TRANSPOSE ops (ONNX graph: %d Transpose nodes; only "
            "the %d at NCHW inputs/outputs expected)" % (name, ours, onnx_transposes, boundary))
    c.check("RESHAPE" not in ops, "%s: %d RESHAPE ops left from the shuffles" % (name, ops.get("RESHAPE", 0)))

    ref = oracles.run("ort", path, [x])[0]
    got = oracles.run_ours(path, [x])[0]
    err = float(np.abs(got - ref).max())
    c.check(err <= FLOAT_TOL, "%s: float output differs from onnxruntime by %.3g (limit %g)" % (name, err, FLOAT_TOL))

    calib_path = os.path.join(tmp, name + ".calib.npy")
    np.save(calib_path, calib)
    int8 = os.path.join(tmp, name + ".int8.tflite")
    oracles.cli("convert", path, "-d", calib_path, "-o", int8, "--quiet", check=True)
    qi = oracles.tflite_facts(int8)["inputs"][0]
    xq = np.clip(np.round(x / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
    lite = oracles.run("litert", int8, [xq])[0].astype(np.int32)
    mine = oracles.run_ours(int8, [xq], ["--single-rounding"])[0].astype(np.int32)
    steps = int(np.abs(lite - mine).max())
    c.check(steps == 0, "%s: int8 output differs from LiteRT.js by %d steps" % (name, steps))

    int8_ops = op_counts(int8)
    report = oracles.cli("inspect", int8, "--npu", "imx8mp", check=True).stdout
    n = int8_ops.get("TRANSPOSE", 0)
    want = "%d TRANSPOSE op%s" % (n, "" if n == 1 else "s")
    c.check(n == 0 or want in report, "%s: the NPU report does not count the %d TRANSPOSE ops:\n%s" % (name, n,
                                                                                                       report))
    print("%-20s ONNX Transpose %d, ours %d; GATHER %d; float max|err| %.2g; int8 vs LiteRT.js %d steps" % (
        name, onnx_transposes, ours, int8_ops.get("GATHER", 0), err, steps))


def test():
    c = oracles.Checks("onnx_channel_shuffle")
    with tempfile.TemporaryDirectory(prefix="nq-shuffle-") as tmp:
        for name in sys.argv[1:] or ["shufflemix", "shufflenet_v2_x0_5"]:
            check_model(c, name, tmp)
    return c.finish()


if __name__ == "__main__":
    oracles.main(test)
