"""TFLite's reference int8 arithmetic written out in numpy, as a source of golden outputs.

    outs = numpy_ref.run(model_path, inputs, single=False)

It reads the .tflite with its own flatbuffer access (tflite_facts.Reader, field numbers
of TFLite's schema.fbs) and evaluates the operators it knows, in order, with the
formulas of TFLite's reference kernels (lite/kernels/internal/reference/integer_ops and
quantization_util.cc): integer accumulators, QuantizeMultiplier of the double real
multiplier, and MultiplyByQuantizedMultiplier in gemmlowp's double rounding
(single=False: SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT) or in
TFLITE_SINGLE_ROUNDING's one rounding (single=True). Nothing here is taken from
npuquant's code. A model with an operator it does not know raises Unsupported.

Known: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB, MUL, LEAKY_RELU,
RESIZE_BILINEAR (ResizeBilinearInteger, whose rounding also has both variants) and
RESHAPE.
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import flatbuffers.number_types as N  # noqa: E402
import tflite_facts as tf  # noqa: E402


class Unsupported(Exception):
    pass


# ---- quantization_util.cc ---------------------------------------------------------------

def quantize_multiplier(m, single):
    """(M, shift) with m ~= M * 2^(shift - 31), as TFLite's QuantizeMultiplier."""
    if m == 0.0:
        return 0, 0
    q, shift = math.frexp(m)
    q_fixed = int(math.floor(q * (1 << 31) + 0.5))  # TfLiteRound; q > 0
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if single and shift > 30:
        return (1 << 31) - 1, 30
    return q_fixed, shift


def _c_div_pow2(x, e):
    """C's truncating x / 2^e on int64 arrays."""
    return np.where(x >= 0, x >> e, -((-x) >> e))


def mbqm(x, mult, shift, single):
    """MultiplyByQuantizedMultiplier on an int64 array (per element M and shift may be
    broadcast arrays)."""
    x = np.asarray(x, np.int64)
    mult = np.asarray(mult, np.int64)
    shift = np.asarray(shift, np.int64)
    if single:
        total = 31 - shift
        return (x * mult + (np.int64(1) << (total - 1))) >> total
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    a = x * (np.int64(1) << left)
    ab = a * mult
    nudge = np.where(ab >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    high = _c_div_pow2(ab + nudge, 31)
    high = np.where((a == -(1 << 31)) & (mult == -(1 << 31)), (1 << 31) - 1, high)
    mask = (np.int64(1) << right) - 1
    remainder = high & mask
    threshold = (mask >> 1) + (high < 0)
    return (high >> right) + (remainder > threshold)


def activation_range(act, scale, zp, dtype):
    lo, hi = (-128, 127) if dtype == "int8" else (0, 255)

    def q(f):  # zero_point + TfLiteRound(f / scale), in float as TFLite
        v = np.float32(f) / np.float32(scale)
        return zp + int(math.copysign(math.floor(abs(float(v)) + 0.5), float(v)))

    if act == 1:
        return max(lo, q(0.0)), hi
    if act == 2:
        return max(lo, q(-1.0)), min(hi, q(1.0))
    if act == 3:
        return max(lo, q(0.0)), min(hi, q(6.0))
    if act != 0:
        raise Unsupported("fused activation %d" % act)
    return lo, hi


# ---- the model --------------------------------------------------------------------------

class Model:
    def __init__(self, path):
        with open(path, "rb") as f:
            r = self.r = tf.Reader(f.read())
        model = r.table(tf.encode.Get(N.UOffsetTFlags.packer_type, r.buf, 0), "model")
        self.codes = [tf.op_name(r, c) for c in r.tables(model, 1, "operator_codes")]
        self.buffers = r.tables(model, 4, "buffers")
        sg = r.tables(model, 2, "subgraphs")[0]
        self.tensors = r.tables(sg, 0, "tensors")
        self.inputs = r.numbers(sg, 1, N.Int32Flags, "inputs")
        self.outputs = r.numbers(sg, 2, N.Int32Flags, "outputs")
        self.ops = r.tables(sg, 3, "operators")

    def info(self, t):
        return tf.tensor_facts(self.r, self.tensors, t, "tensor")

    def const(self, t):
        f = self.info(t)
        b = self.buffers[self.r.scalar(self.tensors[t], 2, N.Uint32Flags, 0)]
        start, n = self.r.vector(b, 0, 1, "buffer")
        if n == 0:
            return None
        raw = bytes(self.r.buf[start:start + n])
        return np.frombuffer(raw, dtype=f["type"]).reshape(f["shape"])

    def options(self, op):
        return self.r.sub_table(op, 4, "builtin_options")

    def opt(self, op, field, flags, default):
        o = self.options(op)
        return default if o is None else self.r.scalar(o, field, flags, default)


def _q(info):
    return float(np.float32(info["scale"][0])), int(info["zero_point"][0])


def _pad_before(size, k, stride, dil, same):
    if not same:
        return 0, (size - ((k - 1) * dil + 1)) // stride + 1
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + (k - 1) * dil + 1 - size, 0)
    return total // 2, out


def conv(m, op, ins, outs, single, depthwise):
    x, w = m.info(ins[0]), m.info(ins[1])
    xv = m.vals[ins[0]].astype(np.int64)
    wv = m.const(ins[1]).astype(np.int64)
    bv = m.const(ins[2]).astype(np.int64) if ins[2] >= 0 else np.zeros(wv.shape[3 if depthwise else 0], np.int64)
    o = m.info(outs[0])
    s_in, zp_in = _q(x)
    s_out, zp_out = _q(o)
    I8 = N.Int8Flags
    same = m.opt(op, 0, I8, 0) == 0
    sw, sh = m.opt(op, 1, N.Int32Flags, 1), m.opt(op, 2, N.Int32Flags, 1)
    if depthwise:
        mult_d = m.opt(op, 3, N.Int32Flags, 1)
        act = m.opt(op, 4, I8, 0)
        dw, dh = m.opt(op, 5, N.Int32Flags, 1), m.opt(op, 6, N.Int32Flags, 1)
        kh, kw, oc = wv.shape[1], wv.shape[2], wv.shape[3]
    else:
        act = m.opt(op, 3, I8, 0)
        dw, dh = m.opt(op, 4, N.Int32Flags, 1), m.opt(op, 5, N.Int32Flags, 1)
        oc, kh, kw = wv.shape[0], wv.shape[1], wv.shape[2]
    n, h, wd, c = xv.shape
    ph, oh = _pad_before(h, kh, sh, dh, same)
    pw, ow = _pad_before(wd, kw, sw, dw, same)
    xs = xv - zp_in
    acc = np.zeros((n, oh, ow, oc), np.int64)
    for ky in range(kh):
        for kx in range(kw):
            iy = np.arange(oh) * sh - ph + ky * dh
            ix = np.arange(ow) * sw - pw + kx * dw
            vy, vx = (iy >= 0) & (iy < h), (ix >= 0) & (ix < wd)
            patch = np.zeros((n, oh, ow, c), np.int64)
            patch[:, vy[:, None] & vx[None, :]] = xs[:, iy[vy]][:, :, ix[vx]].reshape(n, -1, c)
            if depthwise:
                acc += np.repeat(patch, mult_d, axis=3) * wv[0, ky, kx]
            else:
                acc += patch @ wv[:, ky, kx, :].T
    acc += bv
    w_scales = [float(np.float32(s)) for s in w["scale"]]
    qm = [quantize_multiplier(s_in * ws / s_out, single) for ws in w_scales]
    if len(qm) == 1:
        qm = qm * oc
    y = mbqm(acc, [q[0] for q in qm], [q[1] for q in qm], single) + zp_out
    lo, hi = activation_range(act, s_out, zp_out, o["type"])
    return np.clip(y, lo, hi).astype(o["type"])


def fully_connected(m, op, ins, outs, single):
    x, w, o = m.info(ins[0]), m.info(ins[1]), m.info(outs[0])
    wv = m.const(ins[1]).astype(np.int64)
    xv = m.vals[ins[0]].astype(np.int64).reshape(-1, wv.shape[1])
    s_in, zp_in = _q(x)
    s_out, zp_out = _q(o)
    acc = (xv - zp_in) @ (wv - int(w["zero_point"][0])).T
    if len(ins) > 2 and ins[2] >= 0:
        acc += m.const(ins[2]).astype(np.int64)
    if len(w["scale"]) == 1:  # GetQuantizedConvolutionMultipler: the scale product in float
        qm = [quantize_multiplier(float(np.float32(s_in) * np.float32(w["scale"][0])) / s_out, single)]
    else:
        qm = [quantize_multiplier(s_in * float(np.float32(s)) / s_out, single) for s in w["scale"]]
    qm = qm * (wv.shape[0] // len(qm))
    y = mbqm(acc, [q[0] for q in qm], [q[1] for q in qm], single) + zp_out
    lo, hi = activation_range(m.opt(op, 0, N.Int8Flags, 0), s_out, zp_out, o["type"])
    return np.clip(y, lo, hi).astype(o["type"]).reshape(o["shape"])


def add_sub(m, op, ins, outs, single, sign):
    a, b, o = m.info(ins[0]), m.info(ins[1]), m.info(outs[0])
    (s1, z1), (s2, z2), (so, zo) = _q(a), _q(b), _q(o)
    left = 20
    twice_max = 2.0 * max(s1, s2)
    m1 = quantize_multiplier(s1 / twice_max, single)
    m2 = quantize_multiplier(s2 / twice_max, single)
    mo = quantize_multiplier(twice_max / ((1 << left) * so), single)
    x1 = mbqm((m.vals[ins[0]].astype(np.int64) - z1) << left, *m1, single)
    x2 = mbqm((m.vals[ins[1]].astype(np.int64) - z2) << left, *m2, single)
    y = mbqm(x1 + sign * x2, *mo, single) + zo
    lo, hi = activation_range(m.opt(op, 0, N.Int8Flags, 0), so, zo, o["type"])
    return np.clip(y, lo, hi).astype(o["type"])


def mul(m, op, ins, outs, single):
    a, b, o = m.info(ins[0]), m.info(ins[1]), m.info(outs[0])
    (s1, z1), (s2, z2), (so, zo) = _q(a), _q(b), _q(o)
    qm = quantize_multiplier(s1 * s2 / so, single)
    acc = (m.vals[ins[0]].astype(np.int64) - z1) * (m.vals[ins[1]].astype(np.int64) - z2)
    y = mbqm(acc, *qm, single) + zo
    lo, hi = activation_range(m.opt(op, 0, N.Int8Flags, 0), so, zo, o["type"])
    return np.clip(y, lo, hi).astype(o["type"])


def leaky_relu(m, op, ins, outs, single):
    x, o = m.info(ins[0]), m.info(outs[0])
    (si, zi), (so, zo) = _q(x), _q(o)
    alpha = np.float32(m.opt(op, 0, N.Float32Flags, 0.0))
    # leaky_relu.cc Prepare: both multipliers computed in float, then widened.
    m_alpha = quantize_multiplier(float(np.float32(si) * alpha / np.float32(so)), single)
    m_id = quantize_multiplier(float(np.float32(si) / np.float32(so)), single)
    v = m.vals[ins[0]].astype(np.int64) - zi
    y = np.where(v >= 0, mbqm(v, *m_id, single), mbqm(v, *m_alpha, single)) + zo
    lo, hi = (-128, 127) if o["type"] == "int8" else (0, 255)
    return np.clip(y, lo, hi).astype(o["type"])


def _interp(value, scale_10, half_pixel, size):
    scaled = value * scale_10 + (scale_10 // 2 - (1 << 9) if half_pixel else 0)
    lower = max(int(scaled / (1 << 10)) if scaled < 0 else scaled >> 10, 0)
    up = scaled + (1 << 10) - 1
    upper = min(int(up / (1 << 10)) if up < 0 else up >> 10, size - 1)
    return scaled, lower, upper


def resize_bilinear(m, op, ins, outs, single):
    o = m.info(outs[0])
    xv = m.vals[ins[0]].astype(np.int64)
    oh, ow = [int(v) for v in m.const(ins[1])]
    align = bool(m.opt(op, 2, N.BoolFlags, False))
    half = bool(m.opt(op, 3, N.BoolFlags, False))
    n, h, w, c = xv.shape

    def scale_10(i, out):
        if align and out > 1:
            return ((1 << 10) * (i - 1) + (out - 1) // 2) // (out - 1)
        return ((1 << 10) * i + out // 2) // out

    hs, ws = scale_10(h, oh), scale_10(w, ow)
    y = np.zeros((n, oh, ow, c), np.int64)
    one = 1 << 10
    for oy in range(oh):
        iy, y0, y1 = _interp(oy, hs, half, h)
        for ox in range(ow):
            ix, x0, x1 = _interp(ox, ws, half, w)
            dy, dx = iy - one * y0, ix - one * x0
            v = (xv[:, y0, x0] * (one - dy) * (one - dx) + xv[:, y1, x0] * dy * (one - dx)
                 + xv[:, y0, x1] * (one - dy) * dx + xv[:, y1, x1] * dy * dx)
            if single:
                y[:, oy, ox] = (v + (1 << 19)) >> 20
            else:
                r = np.where(v > 0, 1 << 19, -(1 << 19))
                y[:, oy, ox] = _c_div_pow2(v + r, 20)
    return y.astype(o["type"])


def run(path, inputs, single=False):
    m = Model(path)
    m.vals = {}
    for t, x in zip(m.inputs, inputs):
        m.vals[t] = np.asarray(x)
    for op in m.ops:
        name = m.codes[m.r.scalar(op, 0, N.Uint32Flags, 0)]
        ins = m.r.numbers(op, 1, N.Int32Flags, "inputs")
        outs = m.r.numbers(op, 2, N.Int32Flags, "outputs")
        if name == "CONV_2D":
            y = conv(m, op, ins, outs, single, False)
        elif name == "DEPTHWISE_CONV_2D":
            y = conv(m, op, ins, outs, single, True)
        elif name == "FULLY_CONNECTED":
            y = fully_connected(m, op, ins, outs, single)
        elif name in ("ADD", "SUB"):
            y = add_sub(m, op, ins, outs, single, 1 if name == "ADD" else -1)
        elif name == "MUL":
            y = mul(m, op, ins, outs, single)
        elif name == "LEAKY_RELU":
            y = leaky_relu(m, op, ins, outs, single)
        elif name == "RESIZE_BILINEAR":
            y = resize_bilinear(m, op, ins, outs, single)
        elif name == "RESHAPE":
            y = m.vals[ins[0]].reshape(m.info(outs[0])["shape"])
        else:
            raise Unsupported(name)
        m.vals[outs[0]] = y
    return [m.vals[t] for t in m.outputs]
