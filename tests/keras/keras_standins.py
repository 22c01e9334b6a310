"""Stand-ins for ../shared's MLPerf Tiny Keras files, written here with h5py (keras_files.py)
for the Keras tests that run on a clean clone: the properties they check (layouts giving the
same outputs as the .h5, malformed files refused) hold for any model with the same layer
structure, not only for the trained weights.

    conv_h5(path)         the committed golden tests/golden/frontends/cnn.h5 (Conv2D, BN,
                          ReLU, DepthwiseConv2D, Add, pooling, Dense), rewritten with its
                          model_config as a variable-length string (in a global heap, as
                          Keras writes it) -> (path, input [1, 10, 10, 3])
    dense_autoencoder_h5(path)  ad01's structure (input_1 [640] -> dense 128 -> batch_normalization
                          -> activation -> dense_1 128 -> ... -> dense_3 640), seeded weights
                          -> (path, input [1, 640])
"""
import json
import os

import h5py
import numpy as np

import keras_files as kf

SOURCE = os.environ.get("NQ_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def conv_h5(path):
    cfg, weights, ver = kf.read_legacy(os.path.join(SOURCE, "tests", "golden", "frontends", "cnn.h5"))
    kf.legacy_h5(path, cfg, weights, ver)
    with h5py.File(path, "a") as h:
        h.attrs["model_config"] = json.dumps(cfg)  # a str: h5py stores it variable-length
    x = np.random.default_rng(21).uniform(0, 1, (1, 10, 10, 3)).astype(np.float32)
    return path, x


def dense_autoencoder_h5(path):
    rng = np.random.default_rng(22)
    layers, weights = [], {}

    def layer(cls, name, inbound, ws=(), **cfg):
        cfg["name"] = name
        layers.append({"class_name": cls, "name": name, "config": cfg,
                       "inbound_nodes": [[[inbound, 0, 0, {}]]] if inbound else []})
        suffix = {"Dense": ("kernel", "bias"), "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance")}
        weights[name] = [("%s/%s:0" % (name, s), np.asarray(w, np.float32)) for s, w in zip(suffix.get(cls, ()), ws)]

    layer("InputLayer", "input_1", None, batch_input_shape=[None, 640], dtype="float32")
    prev, width = "input_1", 640
    for k, units in enumerate((128, 128, 8, 640)):
        dense = "dense" if k == 0 else "dense_%d" % k
        layer("Dense", dense, prev, [rng.normal(0, 1 / np.sqrt(width), (width, units)), rng.normal(0, 0.1, units)],
              units=units, activation="linear", use_bias=True)
        prev, width = dense, units
        if units == 640:
            break
        bn = "batch_normalization" + ("" if k == 0 else "_%d" % k)
        layer("BatchNormalization", bn, prev, [1 + 0.1 * rng.normal(size=units), rng.normal(0, 0.1, units),
                                              rng.normal(0, 0.1, units), 0.5 + np.abs(rng.normal(size=units))],
              axis=[1], epsilon=1e-3, center=True, scale=True)
        act = "activation" + ("" if k == 0 else "_%d" % k)
        layer("Activation", act, bn, activation="relu")
        prev = act
    cfg = {"class_name": "Functional", "config": {"name": "ad_standin", "layers": layers,
                                                  "input_layers": [["input_1", 0, 0]], "output_layers": [[prev, 0, 0]]}}
    kf.legacy_h5(path, cfg, weights, "2.4.0")
    return path, rng.normal(0, 1, (1, 640)).astype(np.float32)


def xception_h5(path):
    """face_classification's mini-Xception idioms in a Keras 2.0.5 'Model' (the class name
    Keras 2.0 wrote): Conv2D without bias + BN + ReLU, SeparableConv2D, MaxPooling2D 'same'
    stride 2 beside a strided 1x1 Conv2D shortcut, Add, GlobalAveragePooling2D, softmax;
    seeded weights -> (path, [two inputs [1, 16, 16, 1] in [-1, 1]])."""
    rng = np.random.default_rng(23)
    layers, weights = [], {}

    def layer(cls, name, inbound, ws=(), **cfg):
        cfg.update(name=name, trainable=True)
        layers.append({"class_name": cls, "name": name, "config": cfg,
                       "inbound_nodes": [[[i, 0, 0, {}] for i in inbound]] if inbound else []})
        names = {"Conv2D": ("kernel", "bias"), "SeparableConv2D": ("depthwise_kernel", "pointwise_kernel", "bias"),
                 "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance")}.get(cls, ())
        weights[name] = [("%s_1/%s:0" % (name, s), np.asarray(w, np.float32)) for s, w in zip(names, ws)]

    def bn(name, inbound, n):
        layer("BatchNormalization", name, [inbound], [1 + 0.1 * rng.normal(size=n), rng.normal(0, 0.1, n),
                                                      rng.normal(0, 0.1, n), 0.5 + np.abs(rng.normal(size=n))],
              axis=-1, epsilon=1e-3, center=True, scale=True, momentum=0.99)

    conv = dict(strides=[1, 1], dilation_rate=[1, 1], activation="linear", data_format="channels_last")
    layer("InputLayer", "input_1", None, batch_input_shape=[None, 16, 16, 1], dtype="float32", sparse=False)
    layer("Conv2D", "conv2d_1", ["input_1"], [rng.normal(0, 0.5, (3, 3, 1, 8))], filters=8, kernel_size=[3, 3],
          padding="valid", use_bias=False, **conv)
    bn("conv1_bn", "conv2d_1", 8)
    layer("Activation", "conv1_act", ["conv1_bn"], activation="relu")
    layer("Conv2D", "conv2d_2", ["conv1_act"], [rng.normal(0, 0.3, (1, 1, 8, 16))], filters=16, kernel_size=[1, 1],
          padding="same", use_bias=False, **dict(conv, strides=[2, 2]))
    bn("batch_normalization_1", "conv2d_2", 16)
    layer("SeparableConv2D", "separable_conv2d_1", ["conv1_act"],
          [rng.normal(0, 0.4, (3, 3, 8, 1)), rng.normal(0, 0.3, (1, 1, 8, 16))], filters=16, kernel_size=[3, 3],
          padding="same", use_bias=False, depth_multiplier=1, **conv)
    bn("sepconv_bn", "separable_conv2d_1", 16)
    layer("MaxPooling2D", "max_pooling2d_1", ["sepconv_bn"], pool_size=[3, 3], strides=[2, 2], padding="same",
          data_format="channels_last")
    layer("Add", "add_1", ["max_pooling2d_1", "batch_normalization_1"])
    layer("Conv2D", "conv2d_3", ["add_1"], [rng.normal(0, 0.3, (3, 3, 16, 4)), rng.normal(0, 0.1, 4)], filters=4,
          kernel_size=[3, 3], padding="same", use_bias=True, **conv)
    layer("GlobalAveragePooling2D", "global_average_pooling2d_1", ["conv2d_3"], data_format="channels_last")
    layer("Activation", "predictions", ["global_average_pooling2d_1"], activation="softmax")
    cfg = {"class_name": "Model", "config": {"name": "model_1", "layers": layers,
                                             "input_layers": [["input_1", 0, 0]],
                                             "output_layers": [["predictions", 0, 0]]}}
    kf.legacy_h5(path, cfg, weights, "2.0.5")
    return path, [rng.uniform(-1, 1, (1, 16, 16, 1)).astype(np.float32) for _ in range(2)]
