#!/usr/bin/python3
"""Every supported Keras layer against an independent numpy evaluation of
Keras' inference formulas. The models run with the reference kernels
(--reference): this test pins down the frontend's translation; the fast
kernels are tested against the reference ones elsewhere. Small Functional models with random weights are
written as Keras 2 .h5 files (keras_files.legacy_h5), run with `npuquant
run` (several inputs and outputs per model), and each output must match the
numpy result within 1e-4 relative."""
import os
import shutil
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402
import keras_common as kc  # noqa: E402
import keras_files as kf  # noqa: E402
from keras_numpy_ref import ACTS, conv2d, conv2d_transpose, pool2d, resize_bilinear_half_pixel  # noqa: E402

rng = np.random.default_rng(7)


def rnd(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


# ---------------- model builder ----------------
class Model:
    def __init__(self):
        self.layers, self.weights, self.ins, self.outs, self.vals = [], {}, [], [], {}
        self.feed = {}

    def input(self, name, shape):
        self.layers.append({"class_name": "InputLayer", "name": name, "inbound_nodes": [],
                            "config": {"batch_input_shape": [None] + list(shape), "dtype": "float32", "name": name}})
        self.ins.append(name)
        self.vals[name] = rnd(1, *shape, lo=-2, hi=2)
        return name

    def add(self, cls, name, inputs, value, weights=(), **cfg):
        cfg["name"] = name
        self.layers.append({"class_name": cls, "name": name, "config": cfg,
                            "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]]})
        self.weights[name] = [("%s/w%d:0" % (name, k), np.asarray(w, np.float32)) for k, w in enumerate(weights)]
        self.vals[name] = value
        return name

    def write(self, path):
        cfg = {"class_name": "Functional", "config": {"name": "m", "layers": self.layers,
                                                      "input_layers": [[n, 0, 0] for n in self.ins],
                                                      "output_layers": [[n, 0, 0] for n in self.outs]}}
        kf.legacy_h5(path, cfg, self.weights, "2.4.0")


def build_models():
    models = []
    # --- convolutions ---
    m = Model()
    x = m.input("img", (9, 10, 3))
    X = m.vals[x]
    k, b = rnd(3, 3, 3, 4), rnd(4)
    m.outs.append(m.add("Conv2D", "conv_same_s2", [x], np.clip(conv2d(X, k, b, (2, 2), "same"), 0, 6), [k, b], filters=4,
                        kernel_size=[3, 3], strides=[2, 2], padding="same", activation="relu6", use_bias=True))
    k2 = rnd(3, 2, 3, 5)
    m.outs.append(m.add("Conv2D", "conv_dil", [x], np.tanh(conv2d(X, k2, None, (1, 1), "valid", (2, 3))), [k2],
                        filters=5, kernel_size=[3, 2], dilation_rate=[2, 3], padding="valid", activation="tanh",
                        use_bias=False))
    kg, bg = rnd(3, 3, 1, 6), rnd(6)
    m.outs.append(m.add("Conv2D", "conv_groups", [x], conv2d(X, kg.reshape(3, 3, 3, 2), bg, depthwise=True,
                                                               padding="same"),
                        [kg, bg], filters=6, kernel_size=[3, 3], groups=3, padding="same", activation="linear"))
    kd, bd = rnd(3, 3, 3, 2), rnd(6)
    m.outs.append(m.add("DepthwiseConv2D", "dw", [x], ACTS["swish"](conv2d(X, kd, bd, (1, 2), "same",
                                                                           depthwise=True)),
                        [kd, bd], kernel_size=[3, 3], strides=[1, 2], padding="same", depth_multiplier=2,
                        activation="swish"))
    ks, kp, bs = rnd(3, 3, 3, 1), rnd(1, 1, 3, 4), rnd(4)
    sep = conv2d(conv2d(X, ks, None, padding="valid", depthwise=True), kp, bs)
    m.outs.append(m.add("SeparableConv2D", "sep", [x], ACTS["elu"](sep), [ks, kp, bs], filters=4,
                        kernel_size=[3, 3], padding="valid", depth_multiplier=1, activation="elu"))
    kt, bt = rnd(3, 3, 2, 3), rnd(2)
    m.outs.append(m.add("Conv2DTranspose", "deconv_same", [x], conv2d_transpose(X, kt, bt, (2, 2), "same"),
                        [kt, bt], filters=2, kernel_size=[3, 3], strides=[2, 2], padding="same",
                        activation="linear"))
    kt2 = rnd(3, 2, 2, 3)
    m.outs.append(m.add("Conv2DTranspose", "deconv_valid", [x], conv2d_transpose(X, kt2, 0, (2, 1), "valid"),
                        [kt2], filters=2, kernel_size=[3, 2], strides=[2, 1], padding="valid", use_bias=False,
                        activation="linear"))
    models.append(("convolutions", m))

    # --- 1-D ---
    m = Model()
    s = m.input("seq", (12, 4))
    S = m.vals[s]
    k1, b1 = rnd(3, 4, 5), rnd(5)
    m.outs.append(m.add("Conv1D", "c1_same", [s], conv2d(S[:, None], k1[None], b1, padding="same")[:, 0],
                        [k1, b1], filters=5, kernel_size=[3], padding="same", activation="linear"))
    causal = conv2d(np.pad(S, ((0, 0), (4, 0), (0, 0)))[:, None], k1[None], b1, dil=(1, 2))[:, 0]
    m.outs.append(m.add("Conv1D", "c1_causal", [s], np.maximum(causal, 0), [k1, b1], filters=5, kernel_size=[3],
                        padding="causal", dilation_rate=[2], activation="relu"))
    m.outs.append(m.add("MaxPooling1D", "mp1", [s], pool2d(S[:, None], (1, 2), (1, 2), "valid", "max")[:, 0],
                        pool_size=[2], strides=[2], padding="valid"))
    m.outs.append(m.add("AveragePooling1D", "ap1", [s], pool2d(S[:, None], (1, 3), (1, 2), "same", "avg")[:, 0],
                        pool_size=[3], strides=[2], padding="same"))
    m.outs.append(m.add("GlobalAveragePooling1D", "gap1", [s], S.mean(1)))
    m.outs.append(m.add("GlobalMaxPooling1D", "gmp1", [s], S.max(1, keepdims=True), keepdims=True))
    kdn, bdn = rnd(4, 3), rnd(3)
    m.outs.append(m.add("Dense", "dense3d", [s], ACTS["gelu"](S @ kdn + bdn), [kdn, bdn], units=3,
                        activation="gelu"))
    models.append(("1-D layers, Dense on 3-D input", m))

    # --- activations, pools, shapes on an image ---
    m = Model()
    x = m.input("img", (6, 8, 4))
    X = m.vals[x].astype(np.float64)
    for a in ("relu", "relu6", "sigmoid", "tanh", "hard_sigmoid", "selu", "exponential", "softmax", "hard_swish"):
        m.outs.append(m.add("Activation", "act_" + a, [x], ACTS[a](X), activation=a))
    m.outs.append(m.add("ReLU", "relu_capped", [x], np.clip(X, 0, 1.5), max_value=1.5, negative_slope=0.0,
                        threshold=0.0))
    m.outs.append(m.add("ReLU", "relu_leaky", [x], np.minimum(np.where(X > 0, X, 0.1 * X), 1.0), max_value=1.0,
                        negative_slope=0.1, threshold=0.0))
    m.outs.append(m.add("LeakyReLU", "leaky", [x], np.where(X > 0, X, 0.3 * X), alpha=0.3))
    al = rnd(1, 1, 4)
    m.outs.append(m.add("PReLU", "prelu", [x], np.where(X > 0, X, al * X), [al], shared_axes=[1, 2]))
    m.outs.append(m.add("ELU", "elu_a", [x], np.where(X > 0, X, 0.5 * (np.exp(X) - 1)), alpha=0.5))
    m.outs.append(m.add("Softmax", "softmax", [x], ACTS["softmax"](X), axis=-1))
    m.outs.append(m.add("MaxPooling2D", "mp_same", [x], pool2d(X, (3, 3), (2, 2), "same", "max"),
                        pool_size=[3, 3], strides=[2, 2], padding="same"))
    m.outs.append(m.add("AveragePooling2D", "ap", [x], pool2d(X, (2, 2), (2, 2), "valid", "avg"),
                        pool_size=[2, 2], strides=None, padding="valid"))
    m.outs.append(m.add("GlobalAveragePooling2D", "gap", [x], X.mean((1, 2), keepdims=True), keepdims=True))
    m.outs.append(m.add("GlobalMaxPooling2D", "gmp", [x], X.max((1, 2))))
    m.outs.append(m.add("Flatten", "flat", [x], X.reshape(1, -1)))
    m.outs.append(m.add("Reshape", "reshape", [x], X.reshape(1, 12, -1), target_shape=[12, -1]))
    m.outs.append(m.add("Permute", "permute", [x], X.transpose(0, 3, 1, 2), dims=[3, 1, 2]))
    m.outs.append(m.add("ZeroPadding2D", "zpad", [x], np.pad(X, ((0, 0), (1, 2), (0, 3), (0, 0))),
                        padding=[[1, 2], [0, 3]]))
    m.outs.append(m.add("Cropping2D", "crop", [x], X[:, 1:5, 2:7], cropping=[[1, 1], [2, 1]]))
    m.outs.append(m.add("UpSampling2D", "up_nearest", [x], X.repeat(2, 1).repeat(3, 2), size=[2, 3],
                        interpolation="nearest"))
    m.outs.append(m.add("UpSampling2D", "up_bilinear", [x], resize_bilinear_half_pixel(X, 12, 16), size=[2, 2],
                        interpolation="bilinear"))
    sc = [0.5, -1.0, 2.0, 0.25]
    m.outs.append(m.add("Rescaling", "rescale", [x], X * np.array(sc) + 0.1, scale=sc, offset=0.1))
    mean, var = rnd(4), rnd(4, lo=0.1, hi=2)
    m.outs.append(m.add("Normalization", "norm", [x], (X - mean) / np.sqrt(var), [mean, var, np.array(10.0)],
                        axis=[-1]))
    m.outs.append(m.add("Normalization", "norm_cfg", [x], (X - 0.5) / np.sqrt(4.0), mean=0.5, variance=4.0,
                        axis=None))
    g, be, mu, v = rnd(4, lo=0.5, hi=1.5), rnd(4), rnd(4), rnd(4, lo=0.5, hi=2)
    m.outs.append(m.add("BatchNormalization", "bn", [x], (X - mu) / np.sqrt(v + 1e-3) * g + be, [g, be, mu, v],
                        axis=[3], epsilon=1e-3, center=True, scale=True))
    kgr, bgr = rnd(3, 3, 2, 6), rnd(6)
    grouped = np.concatenate([conv2d(X[..., :2], kgr[..., :3], bgr[:3], padding="same"),
                              conv2d(X[..., 2:], kgr[..., 3:], bgr[3:], padding="same")], axis=3)
    m.outs.append(m.add("Conv2D", "conv_grouped", [x], grouped, [kgr, bgr], filters=6, kernel_size=[3, 3],
                        groups=2, padding="same", activation="linear"))
    m.add("Dropout", "drop", [x], X, rate=0.5)
    m.outs.append(m.add("Activation", "after_dropout", ["drop"], np.maximum(X, 0), activation="relu"))
    models.append(("activations, pooling, reshaping", m))

    # --- merges, two inputs ---
    m = Model()
    a, b = m.input("a", (5, 3)), m.input("b", (5, 3))
    A, B = m.vals[a].astype(np.float64), m.vals[b].astype(np.float64)
    m.outs.append(m.add("Add", "add", [a, b], A + B))
    m.outs.append(m.add("Subtract", "sub", [a, b], A - B))
    m.outs.append(m.add("Multiply", "mul", [a, b], A * B))
    m.outs.append(m.add("Average", "avg", [a, b], (A + B) / 2))
    m.outs.append(m.add("Maximum", "max", [a, b], np.maximum(A, B)))
    m.outs.append(m.add("Minimum", "min", [a, b], np.minimum(A, B)))
    m.outs.append(m.add("Concatenate", "cat", [a, b], np.concatenate([A, B], 1), axis=1))
    models.append(("merge layers, two inputs", m))

    # --- channels_first: Keras sees NCHW, the graph input is NHWC ---
    m = Model()
    x = m.input("img", (3, 6, 8))
    Xc = m.vals[x].astype(np.float64)           # NCHW, Keras' view
    X = Xc.transpose(0, 2, 3, 1)                # NHWC
    m.feed = {x: m.vals[x].transpose(0, 2, 3, 1).copy()}
    nchw = lambda t: t.transpose(0, 3, 1, 2)    # noqa: E731
    k, b = rnd(3, 3, 3, 4), rnd(4)
    c1 = np.maximum(conv2d(X, k, b, padding="same"), 0)
    m.add("Conv2D", "cf_conv", [x], nchw(c1), [k, b], filters=4, kernel_size=[3, 3], padding="same",
          activation="relu", data_format="channels_first")
    g, be, mu, v = rnd(4, lo=0.5, hi=1.5), rnd(4), rnd(4), rnd(4, lo=0.5, hi=2)
    bn = (c1 - mu) / np.sqrt(v + 1e-3) * g + be
    m.add("BatchNormalization", "cf_bn", ["cf_conv"], nchw(bn), [g, be, mu, v], axis=1, epsilon=1e-3)
    pl = pool2d(bn, (2, 2), (2, 2), "valid", "max")
    m.add("MaxPooling2D", "cf_pool", ["cf_bn"], nchw(pl), pool_size=[2, 2], strides=[2, 2], padding="valid",
          data_format="channels_first")
    k2 = rnd(3, 3, 4, 2)
    c2 = conv2d(pl, k2, None, padding="same")
    m.add("Conv2D", "cf_conv2", ["cf_pool"], nchw(c2), [k2], filters=2, kernel_size=[3, 3], padding="same",
          use_bias=False, activation="linear", data_format="channels_first")
    cat = np.concatenate([pl, c2], axis=3)
    m.outs.append(m.add("Concatenate", "cf_cat", ["cf_pool", "cf_conv2"], nchw(cat), axis=1))
    kd, bd = rnd(72, 5), rnd(5)
    m.add("Flatten", "flat_last", ["cf_cat"], nchw(cat).reshape(1, -1), data_format="channels_last")
    m.outs.append(m.add("Dense", "dense_nchw", ["flat_last"], nchw(cat).reshape(1, -1) @ kd + bd, [kd, bd],
                        units=5, activation="linear"))
    m.outs.append(m.add("Flatten", "flat_first", ["cf_cat"], cat.reshape(1, -1), data_format="channels_first"))
    m.outs.append(m.add("GlobalAveragePooling2D", "cf_gap", ["cf_cat"], cat.mean((1, 2)),
                        data_format="channels_first"))
    m.outs.append(m.add("Activation", "softmax_w", ["cf_cat"], ACTS["softmax"](nchw(cat)), activation="softmax"))
    models.append(("channels_first model (NHWC input, NCHW outputs)", m))
    return models


failures = 0
wd = tempfile.mkdtemp(prefix="nq_keras_")
try:
    for mi, (label, m) in enumerate(build_models()):
        path = os.path.join(wd, "m%d.h5" % mi)
        m.write(path)
        try:
            outs = oracles.run_ours(path, [m.feed.get(n, m.vals[n]) for n in m.ins], ["--reference"])
        except AssertionError as e:
            print("FAIL %s: %s" % (label, e))
            failures += 1
            continue
        if len(outs) != len(m.outs):
            print("FAIL %s: %d outputs, %d expected" % (label, len(outs), len(m.outs)))
            failures += 1
            continue
        bad = []
        worst = 0.0
        for name, got in zip(m.outs, outs):
            want = np.asarray(m.vals[name])
            if got.shape != want.shape:
                bad.append("%s: shape %s, expected %s" % (name, got.shape, want.shape))
                continue
            e = kc.rel_err(got, want)
            worst = max(worst, e)
            if e > 1e-4:
                bad.append("%s: relative error %.3g" % (name, e))
        failures += len(bad)
        print("%s %s: %d outputs, worst relative error %.3g%s" % ("ok  " if not bad else "FAIL", label, len(outs),
                                                                  worst, "; " + "; ".join(bad) if bad else ""))
finally:
    shutil.rmtree(wd, ignore_errors=True)
print("test_keras_layers: %d failure(s)" % failures)
sys.exit(1 if failures else 0)
