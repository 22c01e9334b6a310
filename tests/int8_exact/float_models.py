#!/usr/bin/python3
"""Small float .tflite models for the exactness test, written with the
independent python writer of examples/fashion (tflite_min_writer.py, which
shares no code with npuquant's C writer), extended here with the ops these
models need. npuquant then converts them, as a user would.

    float_models.py OUT_DIR    -> OUT_DIR/<name>.tflite, names on stdout

  cat_mean_max  [1, 256, 24] -> concat(mean(x, 2), reduce_max(x, 2)), keep_dims:
                the ONNX cat([mean(x, 2), amax(x, 2)]) pattern, where the
                CONCATENATION ties MEAN's output parameters to its input's.
  prelu         [1, 16, 16, 8] -> PRELU with a per-channel [1, 1, 8] slope.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "fashion"))
import tflite_min_writer as w  # noqa: E402 (sibling folder)

# BuiltinOperator codes and BuiltinOptions union ids (TFLite schema facts):
# ConcatenationOptions = 10, ReducerOptions = 27, no options = 0.
EXTRA_OPS = {"CONCATENATION": (2, 10), "MEAN": (40, 27), "REDUCE_MAX": (82, 27), "PRELU": (54, 0)}


class Model(w.Model):
    def _options(self, b, name, o):
        if name == "CONCATENATION":
            b.StartObject(2)
            b.PrependInt32Slot(0, o["axis"], 0)
            b.PrependInt8Slot(1, 0, 0)  # fused activation NONE
            return b.EndObject()
        if name in ("MEAN", "REDUCE_MAX"):
            b.StartObject(1)
            b.PrependBoolSlot(0, bool(o.get("keep_dims", False)), False)
            return b.EndObject()
        if name == "PRELU":
            return 0  # no options table
        return super()._options(b, name, o)


def cat_mean_max():
    m = Model()
    x = m.tensor("x", [1, 256, 24])
    axis = m.tensor("axis", [1], np.array([2]), np.int32)
    mean = m.tensor("mean", [1, 256, 1])
    mx = m.tensor("max", [1, 256, 1])
    y = m.tensor("y", [1, 256, 2])
    m.op("MEAN", [x, axis], [mean], keep_dims=True)
    m.op("REDUCE_MAX", [x, axis], [mx], keep_dims=True)
    m.op("CONCATENATION", [mean, mx], [y], axis=2)
    m.inputs, m.outputs = [x], [y]
    return m


def prelu():
    m = Model()
    x = m.tensor("x", [1, 16, 16, 8])
    slope = np.array([0.25, -0.1, 0.9, 0.03, 1.7, -0.6, 0.5, 0.011], np.float32).reshape(1, 1, 8)
    al = m.tensor("alpha", [1, 1, 8], slope)
    y = m.tensor("y", [1, 16, 16, 8])
    m.op("PRELU", [x, al], [y])
    m.inputs, m.outputs = [x], [y]
    return m


def main():
    if len(sys.argv) != 2:
        print("usage: float_models.py OUT_DIR")
        return 2
    w.OPS.update(EXTRA_OPS)  # the base writer looks op codes up in its table
    for name, make in (("cat_mean_max", cat_mean_max), ("prelu", prelu)):
        with open(os.path.join(sys.argv[1], name + ".tflite"), "wb") as fh:
            fh.write(make().serialize(description="npuquant int8_exact " + name))
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
