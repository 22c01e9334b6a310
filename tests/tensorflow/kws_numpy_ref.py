"""A numpy forward pass of the MLPerf Tiny KWS DS-CNN (Keras layer order:
Conv2D 10x4 stride 2 SAME, then 4 x [DepthwiseConv2D 3x3 SAME, Conv2D 1x1],
each followed by BatchNormalization (epsilon 1e-3, the Keras default) and
ReLU; AveragePooling over the whole 25x5 map; Dense; Softmax), with the
weights read from the SavedModel's checkpoint by bundle_reader.py."""
import numpy as np

from bundle_reader import read_bundle

EPS = 1e-3


def _pad_same(x, kh, kw, s):
    h, w = x.shape[:2]
    oh, ow = -(-h // s), -(-w // s)
    ph, pw = max((oh - 1) * s + kh - h, 0), max((ow - 1) * s + kw - w, 0)
    return np.pad(x, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0))), oh, ow


def conv(x, k, b, s):  # x [H,W,C], k [kh,kw,C,O]
    kh, kw = k.shape[:2]
    xp, oh, ow = _pad_same(x, kh, kw, s)
    out = np.zeros((oh, ow, k.shape[3]))
    for i in range(kh):
        for j in range(kw):
            out += xp[i:i + s * oh:s, j:j + s * ow:s, :] @ k[i, j]
    return out + b


def dwconv(x, k, b):  # k [3,3,C,1]
    xp, oh, ow = _pad_same(x, 3, 3, 1)
    out = np.zeros((oh, ow, x.shape[2]))
    for i in range(3):
        for j in range(3):
            out += xp[i:i + oh, j:j + ow, :] * k[i, j, :, 0]
    return out + b


class KwsRef:
    def __init__(self, saved_model_dir):
        v = read_bundle(saved_model_dir + "/variables/variables")
        self.w = lambda n, a: v["layer_with_weights-%d/%s/.ATTRIBUTES/VARIABLE_VALUE" % (n, a)].astype(np.float64)

    def bn_relu(self, x, n):
        w = self.w
        y = (x - w(n, "moving_mean")) / np.sqrt(w(n, "moving_variance") + EPS) * w(n, "gamma") + w(n, "beta")
        return np.maximum(y, 0)

    def __call__(self, mfcc):  # [49, 10]
        w = self.w
        x = self.bn_relu(conv(mfcc.reshape(49, 10, 1).astype(np.float64), w(0, "kernel"), w(0, "bias"), 2), 1)
        n = 2
        for _ in range(4):
            x = self.bn_relu(dwconv(x, w(n, "depthwise_kernel"), w(n, "bias")), n + 1)
            x = self.bn_relu(conv(x, w(n + 2, "kernel"), w(n + 2, "bias"), 1), n + 3)
            n += 4
        z = x.mean(axis=(0, 1)) @ w(n, "kernel") + w(n, "bias")
        e = np.exp(z - z.max())
        return (e / e.sum()).reshape(1, -1)
