"""Plain numpy versions of TensorFlow ops (float64, NHWC), written from TensorFlow's
documented semantics, as the independent reference of test_tf_ops.py."""
import math

import numpy as np


def same_pads(n, k, s, d=1):
    """TensorFlow SAME padding: (before, after) along one spatial axis."""
    ke = (k - 1) * d + 1
    out = -(-n // s)
    total = max((out - 1) * s + ke - n, 0)
    return total // 2, total - total // 2


def _pad_hw(x, kh, kw, s, padding, value=0.0):
    if padding == "VALID":
        return x
    ph, pw = same_pads(x.shape[1], kh, s[0]), same_pads(x.shape[2], kw, s[1])
    return np.pad(x, ((0, 0), ph, pw, (0, 0)), constant_values=value)


def _windows(x, kh, kw, s):
    """[N, OH, OW, kh, kw, C] view of the kh x kw windows with strides s."""
    n, h, w, c = x.shape
    oh, ow = (h - kh) // s[0] + 1, (w - kw) // s[1] + 1
    out = np.empty((n, oh, ow, kh, kw, c), x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, :, i, j, :] = x[:, i:i + s[0] * (oh - 1) + 1:s[0], j:j + s[1] * (ow - 1) + 1:s[1], :]
    return out


def conv2d(x, w, s=(1, 1), padding="SAME"):
    """x NHWC, w HWIO."""
    x = _pad_hw(np.asarray(x, np.float64), w.shape[0], w.shape[1], s, padding)
    return np.einsum("nhwijc,ijco->nhwo", _windows(x, w.shape[0], w.shape[1], s), np.asarray(w, np.float64))


def depthwise(x, w, s=(1, 1), padding="SAME"):
    """x NHWC, w [h, w, C, M] -> output channel c*M + m."""
    x = _pad_hw(np.asarray(x, np.float64), w.shape[0], w.shape[1], s, padding)
    y = np.einsum("nhwijc,ijcm->nhwcm", _windows(x, w.shape[0], w.shape[1], s), np.asarray(w, np.float64))
    return y.reshape(y.shape[:3] + (-1,))


def max_pool(x, k, s, padding="VALID"):
    x = _pad_hw(np.asarray(x, np.float64), k[0], k[1], s, padding, -np.inf)
    return _windows(x, k[0], k[1], s).max(axis=(3, 4))


def avg_pool(x, k, s):
    """VALID only (SAME divides by the in-image count)."""
    return _windows(np.asarray(x, np.float64), k[0], k[1], s).mean(axis=(3, 4))


def batch_norm(x, scale, offset, mean, var, eps):
    return (x - mean) / np.sqrt(var + eps) * scale + offset


def conv2d_transpose(x, w, out_shape, s, padding):
    """Conv2DBackpropInput: the gradient of conv2d(y, w) w.r.t. y; w is [h, w, out, in]."""
    kh, kw = w.shape[0], w.shape[1]
    n, oh, ow, oc = out_shape
    if padding == "SAME":
        pt, pl = same_pads(oh, kh, s[0])[0], same_pads(ow, kw, s[1])[0]
    else:
        pt = pl = 0
    y = np.zeros((n, oh + kh + s[0] * x.shape[1], ow + kw + s[1] * x.shape[2], oc))
    for i in range(x.shape[1]):
        for j in range(x.shape[2]):
            y[:, i * s[0]:i * s[0] + kh, j * s[1]:j * s[1] + kw, :] += np.einsum("nc,hwoc->nhwo", x[:, i, j, :], w)
    return y[:, pt:pt + oh, pl:pl + ow, :]


def resize_nearest(x, oh, ow, align_corners=False, half_pixel=False):
    def idx(o, n_in, n_out):
        if align_corners and n_out > 1:
            scale = (n_in - 1) / (n_out - 1)
        else:
            scale = n_in / n_out
        if half_pixel:
            i = math.floor((o + 0.5) * scale)
        elif align_corners:
            i = int(math.floor(o * scale + 0.5))  # TF rounds half away from zero; values are >= 0
        else:
            i = math.floor(o * scale)
        return min(max(i, 0), n_in - 1)
    h, w = x.shape[1], x.shape[2]
    rows = [idx(o, h, oh) for o in range(oh)]
    cols = [idx(o, w, ow) for o in range(ow)]
    return np.asarray(x, np.float64)[:, rows][:, :, cols]


def resize_bilinear(x, oh, ow, align_corners=False, half_pixel=False):
    def weights(n_in, n_out):
        scale = (n_in - 1) / (n_out - 1) if align_corners and n_out > 1 else n_in / n_out
        out = []
        for o in range(n_out):
            src = (o + 0.5) * scale - 0.5 if half_pixel else o * scale
            lo = math.floor(src)
            out.append((max(lo, 0), min(math.ceil(src), n_in - 1), src - lo))
        return out
    x = np.asarray(x, np.float64)
    y = np.empty((x.shape[0], oh, ow, x.shape[3]))
    for i, (t, b, fy) in enumerate(weights(x.shape[1], oh)):
        for j, (l, r, fx) in enumerate(weights(x.shape[2], ow)):
            top = x[:, t, l] + (x[:, t, r] - x[:, t, l]) * fx
            bot = x[:, b, l] + (x[:, b, r] - x[:, b, l]) * fx
            y[:, i, j] = top + (bot - top) * fy
    return y
