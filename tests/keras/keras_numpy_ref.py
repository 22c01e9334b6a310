"""Keras inference formulas in numpy (float64, NHWC): the independent
reference for the Keras frontend tests, plus an evaluator for whole Keras 2
.h5 Functional/Sequential models built from these layers (weights read with
h5py)."""
import json

import numpy as np

# ---------------- numpy reference ops (NHWC, Keras/TF semantics) ----------------
def same_pads(n, k, s, d):
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def conv2d(x, k, b, strides=(1, 1), padding="valid", dil=(1, 1), depthwise=False):
    """x [N,H,W,C]; k [kh,kw,cin,cout] (or [kh,kw,C,mult] when depthwise)."""
    x = x.astype(np.float64)
    kh, kw = k.shape[:2]
    if padding == "same":
        ph, pw = same_pads(x.shape[1], kh, strides[0], dil[0]), same_pads(x.shape[2], kw, strides[1], dil[1])
        x = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    H = (x.shape[1] - (kh - 1) * dil[0] - 1) // strides[0] + 1
    W = (x.shape[2] - (kw - 1) * dil[1] - 1) // strides[1] + 1
    C = x.shape[3]
    out_c = C * k.shape[3] if depthwise else k.shape[3]
    y = np.zeros((x.shape[0], H, W, out_c))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i * dil[0]:i * dil[0] + (H - 1) * strides[0] + 1:strides[0],
                      j * dil[1]:j * dil[1] + (W - 1) * strides[1] + 1:strides[1], :]
            if depthwise:
                y += (patch[..., :, None] * k[i, j][None, None, None]).reshape(y.shape)
            else:
                y += patch @ k[i, j].astype(np.float64)
    return y + (b if b is not None else 0)


def conv2d_transpose(x, k, b, strides, padding):
    """k [kh,kw,out,in]; Keras output size: same -> in*s, valid -> in*s + max(k-s, 0)."""
    N, H, W, _ = x.shape
    kh, kw, co, _ = k.shape
    full = np.zeros((N, (H - 1) * strides[0] + kh, (W - 1) * strides[1] + kw, co))
    for i in range(H):
        for j in range(W):
            full[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :] += \
                np.einsum("nc,hwoc->nhwo", x[:, i, j, :].astype(np.float64), k)
    if padding == "same":
        oh, ow = H * strides[0], W * strides[1]
        th, tw = full.shape[1] - oh, full.shape[2] - ow
        full = full[:, th // 2:th // 2 + oh, tw // 2:tw // 2 + ow, :]
    else:
        oh, ow = H * strides[0] + max(kh - strides[0], 0), W * strides[1] + max(kw - strides[1], 0)
        full = full[:, :oh, :ow, :]
    return full + b


def pool2d(x, k, s, padding, mode):
    if padding == "same":
        ph, pw = same_pads(x.shape[1], k[0], s[0], 1), same_pads(x.shape[2], k[1], s[1], 1)
    else:
        ph = pw = (0, 0)
    H = (x.shape[1] + sum(ph) - k[0]) // s[0] + 1
    W = (x.shape[2] + sum(pw) - k[1]) // s[1] + 1
    y = np.zeros((x.shape[0], H, W, x.shape[3]))
    for i in range(H):
        for j in range(W):
            r0, c0 = i * s[0] - ph[0], j * s[1] - pw[0]
            win = x[:, max(r0, 0):min(r0 + k[0], x.shape[1]), max(c0, 0):min(c0 + k[1], x.shape[2]), :]
            y[:, i, j, :] = win.max(axis=(1, 2)) if mode == "max" else win.mean(axis=(1, 2))
    return y


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def erf(x):
    import math
    return np.vectorize(math.erf)(x)


ACTS = {
    "linear": lambda x: x, "relu": lambda x: np.maximum(x, 0), "relu6": lambda x: np.clip(x, 0, 6),
    "sigmoid": sigmoid, "tanh": np.tanh, "swish": lambda x: x * sigmoid(x),
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1), "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)),
    "gelu": lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2))), "exponential": np.exp,
    "softmax": lambda x: np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True),
    "hard_swish": lambda x: x * np.clip(x + 3, 0, 6) / 6,
}


def resize_bilinear_half_pixel(x, oh, ow):
    N, H, W, C = x.shape
    y = np.zeros((N, oh, ow, C))
    for i in range(oh):
        fy = max((i + 0.5) * H / oh - 0.5, 0)
        y0 = min(int(np.floor(fy)), H - 1)
        y1, wy = min(y0 + 1, H - 1), fy - y0
        for j in range(ow):
            fx = max((j + 0.5) * W / ow - 0.5, 0)
            x0 = min(int(np.floor(fx)), W - 1)
            x1, wx = min(x0 + 1, W - 1), fx - x0
            y[:, i, j] = (x[:, y0, x0] * (1 - wy) * (1 - wx) + x[:, y0, x1] * (1 - wy) * wx +
                          x[:, y1, x0] * wy * (1 - wx) + x[:, y1, x1] * wy * wx)
    return y



def _weights(mw, name):
    if name not in mw:
        return []
    g = mw[name]
    names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs.get("weight_names", [])]
    return [g[n][...].astype(np.float64) for n in names]


def _apply(cls, c, w, xs):
    x = xs[0]
    act = ACTS[c.get("activation", "linear")] if cls not in ("Activation",) else None
    if cls == "Conv2D":
        return act(conv2d(x, w[0], w[1] if len(w) > 1 else None, tuple(c["strides"]), c["padding"],
                          tuple(c.get("dilation_rate", (1, 1)))))
    if cls == "DepthwiseConv2D":
        return act(conv2d(x, w[0], w[1] if len(w) > 1 else None, tuple(c["strides"]), c["padding"],
                          tuple(c.get("dilation_rate", (1, 1))), depthwise=True))
    if cls == "SeparableConv2D":
        d = conv2d(x, w[0], None, tuple(c["strides"]), c["padding"], depthwise=True)
        return act(conv2d(d, w[1], w[2] if len(w) > 2 else None))
    if cls == "Dense":
        return act(x @ w[0] + (w[1] if len(w) > 1 else 0))
    if cls == "BatchNormalization":
        k = 0
        g = w[k] if c.get("scale", True) else 1.0
        k += bool(c.get("scale", True))
        b = w[k] if c.get("center", True) else 0.0
        k += bool(c.get("center", True))
        return (x - w[k]) / np.sqrt(w[k + 1] + c.get("epsilon", 1e-3)) * g + b
    if cls == "Activation":
        return ACTS[c["activation"]](x)
    if cls in ("MaxPooling2D", "AveragePooling2D"):
        k = tuple(c["pool_size"])
        s = tuple(c["strides"] or k)
        return pool2d(x, k, s, c["padding"], "max" if cls.startswith("Max") else "avg")
    if cls == "GlobalAveragePooling2D":
        return x.mean((1, 2), keepdims=bool(c.get("keepdims", False)))
    if cls == "Add":
        return sum(xs)
    if cls == "Flatten":
        return x.reshape(x.shape[0], -1)
    if cls in ("Dropout",):
        return x
    raise RuntimeError("numpy reference: layer class %s not implemented" % cls)


def eval_h5(path, inputs):
    """Outputs of a Keras 2 .h5 (Functional with one inbound node per layer)."""
    import h5py
    with h5py.File(path, "r") as h:
        cfg = json.loads(h.attrs["model_config"])
        mw = h["model_weights"]
        vals = {}
        for name, x in zip([r[0] for r in cfg["config"]["input_layers"]], inputs):
            vals[name] = x.astype(np.float64)
        for layer in cfg["config"]["layers"]:
            if layer["class_name"] == "InputLayer":
                continue
            refs = [r[0] for r in layer["inbound_nodes"][0]]
            vals[layer["name"]] = _apply(layer["class_name"], layer["config"], _weights(mw, layer["name"]),
                                         [vals[r] for r in refs])
        return [vals[r[0]] for r in cfg["config"]["output_layers"]]
