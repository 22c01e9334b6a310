#!/usr/bin/python3
"""Writes two_outputs_signature.tflite: a small float model whose SignatureDef lists its
outputs in another order than subgraph 0 does, with two metadata entries and a
description - a stand-in, on a clone without ../shared, for the signature facts of TFLM's
hello_world and TFLite's custom_model_rf_keras (test_api_model_facts,
oracle_litert_signature_order). Written with examples/fashion/tflite_min_writer.py
(python3-flatbuffers, none of npuquant's code); seeded, so the bytes are stable.

    /usr/bin/python3 make_signature_model.py OUT.tflite
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples", "fashion"))
from tflite_min_writer import Model  # noqa: E402


def build():
    rng = np.random.default_rng(5)
    m = Model()
    x = m.tensor("features", [1, 8])
    w1 = m.tensor("reg_w", [4, 8], rng.standard_normal((4, 8)) * 0.5)
    b1 = m.tensor("reg_b", [4], rng.standard_normal(4) * 0.1)
    w2 = m.tensor("cls_w", [2, 8], rng.standard_normal((2, 8)) * 0.5)
    b2 = m.tensor("cls_b", [2], rng.standard_normal(2) * 0.1)
    reg = m.tensor("reg_concat", [1, 4])
    logits = m.tensor("logits", [1, 2])
    scores = m.tensor("scores", [1, 2])
    m.op("FULLY_CONNECTED", [x, w1, b1], [reg])
    m.op("FULLY_CONNECTED", [x, w2, b2], [logits])
    m.op("SOFTMAX", [logits], [scores])
    m.inputs, m.outputs = [x], [scores, reg]  # subgraph 0: the softmax first
    m.buffers.append(b"1.14.0".ljust(16, b"\0"))
    version = len(m.buffers) - 1
    m.buffers.append(b"npuquant test stand-in")
    conversion = len(m.buffers) - 1
    return m.serialize("npuquant signature stand-in",
                       metadata=[("min_runtime_version", version), ("CONVERSION_METADATA", conversion)],
                       signature=("serving_default", [("dense_input", x)],
                                  [("reg_out", reg), ("scores_out", scores)]))  # regression first


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as fh:
        fh.write(build())
