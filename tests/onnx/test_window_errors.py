#!/usr/bin/python3
"""Negative tests of the ONNX window ops (Conv, ConvTranspose, pools) in 1-D
and 3-D: models built here with python3-onnx's helper that the frontend must
refuse with a message naming the node and what was expected, never a crash.
`npuquant inspect` loads each; it must exit non-zero (not by a signal) and its
stderr must contain the expected words.
Exit: 0 pass, 1 failure, 77 skip (python3-onnx missing; a failure under CI=true).
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

try:
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper, save
except ImportError as e:
    oracles.skip("python3-onnx is not installed: %s" % e)


def model(op, x_shape, w_shape, y_shape, **attrs):
    """One-node model: y = op(x, W) (W omitted for pools)."""
    inputs = ["x"]
    inits = []
    if w_shape is not None:
        inputs.append("W")
        w = np.linspace(-1, 1, int(np.prod(w_shape)), dtype=np.float32).reshape(w_shape)
        inits.append(numpy_helper.from_array(w, "W"))
    node = helper.make_node(op, inputs, ["y"], name="win", **attrs)
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


CASES = [
    # name, model, words expected in the message
    ("conv3d", model("Conv", [1, 2, 4, 4, 4], [3, 2, 1, 1, 1], [1, 3, 4, 4, 4]), ["'win' (Conv)", "3-D window"]),
    ("maxpool3d", model("MaxPool", [1, 2, 4, 4, 4], None, [1, 2, 2, 2, 2], kernel_shape=[2, 2, 2]),
     ["'win' (MaxPool)", "3-D window"]),
    ("convt3d", model("ConvTranspose", [1, 2, 2, 2, 2], [2, 2, 2, 2, 2], [1, 2, 3, 3, 3]),
     ["'win' (ConvTranspose)", "3-D window"]),
    ("conv1d_strides2", model("Conv", [1, 2, 8], [3, 2, 3], [1, 3, 6], strides=[1, 1]),
     ["'win' (Conv)", "strides has 2 values; 1 expected"]),
    ("conv1d_pads3", model("Conv", [1, 2, 8], [3, 2, 3], [1, 3, 6], pads=[1, 1, 1]),
     ["pads has 3 values; 2 expected"]),
    ("conv1d_w4", model("Conv", [1, 2, 8], [3, 2, 1, 3], [1, 3, 6]), ["weights 'W' have rank 4 for an input of rank 3"]),
    ("conv1d_kshape", model("Conv", [1, 2, 8], [3, 2, 3], [1, 3, 6], kernel_shape=[5]),
     ["kernel_shape disagrees with the weights"]),
    ("conv1d_group", model("Conv", [1, 3, 8], [4, 1, 3], [1, 4, 6], group=2), ["group 2 do not match"]),
    ("maxpool1d_k2", model("MaxPool", [1, 2, 8], None, [1, 2, 4], kernel_shape=[2, 2]),
     ["kernel_shape has 2 values; 1 expected"]),
    ("maxpool1d_dil", model("MaxPool", [1, 2, 8], None, [1, 2, 3], kernel_shape=[2], dilations=[3]),
     ["dilated pooling"]),
    ("convt_group", model("ConvTranspose", [1, 3, 4], [3, 2, 3], [1, 4, 6], group=2),
     ["'win' (ConvTranspose)", "group 2 do not match"]),
    ("convt_huge_dilation", model("ConvTranspose", [1, 2, 4], [2, 2, 3], [1, 2, 9], dilations=[65536]),
     ["dilated kernel of 131073 taps"]),
    ("convt_dilated_huge", model("ConvTranspose", [1, 2, 4, 4], [2, 2, 3, 3], [1, 2, 9, 9], dilations=[20000, 20000]),
     ["dilated kernels (40001 x 40001 taps"]),
    ("convt_neg_pads", model("ConvTranspose", [1, 2, 4], [2, 2, 3], [1, 2, 9], output_shape=[12]),
     ["negative pads are not supported"]),
    ("convt1d_opad2", model("ConvTranspose", [1, 2, 4], [2, 2, 3], [1, 2, 9], output_padding=[1, 1]),
     ["output_padding has 2 values; 1 expected"]),
]


def main():
    bad = 0
    with tempfile.TemporaryDirectory(prefix="nq-winerr-") as tmp:
        for name, m, words in CASES:
            path = os.path.join(tmp, name + ".onnx")
            save(m, path)
            p = oracles.cli("inspect", path, timeout=60)
            msg = p.stderr.strip()
            if p.returncode <= 0 or any(w not in msg for w in words):
                print("FAIL %s: exit %d, message %r lacks %r" % (name, p.returncode, msg, words))
                bad += 1
            else:
                print("ok   %-20s %s" % (name, msg.splitlines()[-1][:150]))
    print("%d of %d refused with the expected message" % (len(CASES) - bad, len(CASES)))
    return 1 if bad else 0


if __name__ == "__main__":
    oracles.main(main)
