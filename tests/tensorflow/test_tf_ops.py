"""TensorFlow frontend, op by op, on frozen GraphDefs written by tfgraph.py.

1. One small graph per op (Split, SplitV, Unpack, Pack, unary and binary math,
   Tile, ArgMax, Slice, StridedSlice, Resize*, reductions, comparisons and
   logical ops (bool outputs, exact), ...): `npuquant run`
   on the .pb equals a numpy implementation of TensorFlow's definition
   (tf_numpy_ref.py), max |ours - ref| / max |ref| <= 1e-5. Outputs named
   "node:k" must be output k of a multi-output node.
2. NCHW graphs: a CNN that is NCHW throughout (Conv2D, BiasAdd,
   FusedBatchNormV3, MaxPool, Mean over [2, 3], MatMul) equals the NHWC numpy
   reference and its converted model has one TRANSPOSE, on the model input;
   a mixed graph (Pad, DepthwiseConv2dNative, Split and ConcatV2 on axis 1,
   broadcast AddV2, AvgPool, keep_dims Mean, Flatten, ClipByValue,
   Conv2DBackpropInput, DepthToSpace, Sum over C, all NCHW) equals its numpy
   reference and has exactly 4 TRANSPOSEs: the input's, the NCHW output's,
   and one before each flattened value (TF's NCHW element order), shared by
   two Flattens of one value through an Identity alias.
3. int8: the CNN, Softplus and Selu (composites of IR ops) converted with
   `npuquant convert` run in LiteRT.js with exactly the same int8 outputs as
   npuquant's int8 executor (--single-rounding, LiteRT's XNNPACK rounding),
   and each has an SQNR of at least 30 dB against the float model.
"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402
import tf_numpy_ref as R  # noqa: E402
from tfgraph import DType, Graph  # noqa: E402

RNG = np.random.RandomState(7)
TOL = 1e-5


def f32(*shape, lo=None, hi=None):
    if lo is not None:
        return RNG.uniform(lo, hi, shape).astype(np.float32)
    return RNG.standard_normal(shape).astype(np.float32)


def i32(*v):
    return np.array(v, np.int32)


def selu(v):
    v = np.asarray(v, np.float64)
    return 1.0507009873554805 * np.where(v > 0, v, 1.6732632423543772 * np.expm1(v))


def rel_err(ours, ref):
    ref = np.asarray(ref, np.float64)
    return float(np.abs(np.asarray(ours, np.float64) - ref).max() / max(np.abs(ref).max(), 1e-30))


def check(tmp, name, g, inputs, outputs, refs, exact_type=None):
    """Run graph g on inputs {name: array}; compare outputs with refs."""
    pb = g.save(os.path.join(tmp, name + ".pb"))
    args = ["--inputs", ",".join(inputs), "--outputs", ",".join(outputs)]
    outs = oracles.run_ours(pb, list(inputs.values()), args)
    assert len(outs) == len(refs), "%s: %d outputs, %d expected" % (name, len(outs), len(refs))
    worst = 0.0
    for o, r, on in zip(outs, refs, outputs):
        r = np.asarray(r)
        assert o.shape == r.shape, "%s: output %s has shape %s, numpy %s" % (name, on, o.shape, r.shape)
        if exact_type is not None:
            assert o.dtype == exact_type and np.array_equal(o, r), "%s: %s = %r, numpy %r" % (name, on, o, r)
            continue
        e = rel_err(o, r)
        worst = max(worst, e)
        assert e <= TOL, "%s: output %s: max rel. error %.3g > %g" % (name, on, e, TOL)
    return worst


def multi_output_cases(tmp):
    worst = 0.0
    x = f32(2, 6, 4)
    g = Graph()
    g.placeholder("x", x.shape)
    g.const("axis", i32(1).reshape(()))
    g.op("s", "Split", ["axis", "x"], num_split=3, T=DType(1))
    g.op("d", "Sub", ["s:2", "s"], T=DType(1))
    p = np.split(x.astype(np.float64), 3, axis=1)
    worst = max(worst, check(tmp, "split", g, {"x": x}, ["d", "s:1"], [p[2] - p[0], p[1]]))

    g = Graph()
    g.placeholder("x", x.shape)
    g.const("axis", i32(-1).reshape(()))
    g.op("s", "Split", ["axis", "x"], num_split=2)
    p = np.split(x, 2, axis=-1)
    worst = max(worst, check(tmp, "split_neg_axis", g, {"x": x}, ["s:1", "s:0"], [p[1], p[0]]))

    y = f32(1, 4, 7)
    g = Graph()
    g.placeholder("y", y.shape)
    g.const("sizes", np.array([2, -1, 3], np.int64))
    g.const("axis", i32(2).reshape(()))
    g.op("sv", "SplitV", ["y", "sizes", "axis"], num_split=3, Tlen=DType(9))
    worst = max(worst, check(tmp, "splitv", g, {"y": y}, ["sv:2", "sv", "sv:1"],
                             [y[:, :, 4:], y[:, :, :2], y[:, :, 2:4]]))

    z = f32(3, 4, 2)
    g = Graph()
    g.placeholder("z", z.shape)
    g.op("u", "Unpack", ["z"], num=4, axis=1)
    g.op("m", "Mul", ["u:3", "u:1"])
    worst = max(worst, check(tmp, "unpack", g, {"z": z}, ["m", "u:2"],
                             [z[:, 3].astype(np.float64) * z[:, 1], z[:, 2]]))
    g = Graph()
    g.placeholder("z", z.shape)
    g.op("u", "Unpack", ["z"], num=2, axis=-1)
    g.op("m", "AddV2", ["u:1", "u"])
    worst = max(worst, check(tmp, "unpack_neg_axis", g, {"z": z}, ["m"], [z[..., 1].astype(np.float64) + z[..., 0]]))

    # Unpack of a Shape (shape arithmetic): folds, then Pack of a runtime
    # tensor list and a Reshape built from the unpacked dims.
    g = Graph()
    g.placeholder("z", z.shape)
    g.op("shape", "Shape", ["z"])
    g.op("dims", "Unpack", ["shape"], num=3, axis=0)
    g.op("prod", "Mul", ["dims:1", "dims:2"])
    g.op("newshape", "Pack", ["dims", "prod"], axis=0, N=2)
    g.op("r", "Reshape", ["z", "newshape"])
    g.op("neg", "Neg", ["r"])
    g.op("pk", "Pack", ["r", "neg", "r"], axis=1, N=3)
    r = z.reshape(3, 8).astype(np.float64)
    worst = max(worst, check(tmp, "unpack_shape_pack", g, {"z": z}, ["pk"], [np.stack([r, -r, r], axis=1)]))
    print("Split, SplitV, Unpack, Pack ('node:k' outputs): max rel. error %.2g" % worst)


def elementwise_cases(tmp):
    worst = 0.0
    x = f32(2, 3, 5)
    pos = f32(2, 3, 5, lo=0.1, hi=3.0)
    e = np.float64
    unary = {
        "Square": (x, lambda v: v.astype(e) ** 2, {}),
        "Rsqrt": (pos, lambda v: 1 / np.sqrt(v.astype(e)), {}),
        "Sqrt": (pos, lambda v: np.sqrt(v.astype(e)), {}),
        "Abs": (x, np.abs, {}),
        "Neg": (x, np.negative, {}),
        "Exp": (x, lambda v: np.exp(v.astype(e)), {}),
        "Log": (pos, lambda v: np.log(v.astype(e)), {}),
        "Relu6": (x * 4, lambda v: np.clip(v, 0, 6), {}),
        "LeakyRelu": (x, lambda v: np.where(v > 0, v, 0.3 * v.astype(e)), {"alpha": 0.3}),
        "Elu": (x, lambda v: np.where(v > 0, v, np.expm1(v.astype(e))), {}),
        "Sigmoid": (x, lambda v: 1 / (1 + np.exp(-v.astype(e))), {}),
        "Tanh": (x, lambda v: np.tanh(v.astype(e)), {}),
        "Reciprocal": (pos, lambda v: 1 / v.astype(e), {}),
        "LogSoftmax": (x, lambda v: v - np.log(np.exp(v.astype(e)).sum(axis=-1, keepdims=True)), {}),
        "Softplus": (x * 40, lambda v: np.logaddexp(0, v.astype(e)), {}),  # |x| up to ~150: exp(x) overflows
        "Selu": (x * 3, selu, {}),
    }
    for op, (v, fn, attrs) in unary.items():
        g = Graph()
        g.placeholder("x", v.shape)
        g.op("y", op, ["x"], **attrs)
        worst = max(worst, check(tmp, "u_" + op, g, {"x": v}, ["y"], [fn(v)]))
    c = f32(5)
    binary = {
        "Pow": (pos, f32(2, 3, 5, lo=-2, hi=2), lambda a, b: a.astype(e) ** b),
        "SquaredDifference": (x, c, lambda a, b: (a.astype(e) - b) ** 2),
        "Minimum": (x, c, np.minimum),
        "Maximum": (x, c, np.maximum),
    }
    for op, (a, b, fn) in binary.items():
        g = Graph()
        g.placeholder("a", a.shape)
        if b.shape == a.shape:
            g.placeholder("b", b.shape)
            ins = {"a": a, "b": b}
        else:
            g.const("b", b)
            ins = {"a": a}
        g.op("y", op, ["a", "b"])
        worst = max(worst, check(tmp, "b_" + op, g, ins, ["y"], [fn(a, b)]))
    g = Graph()
    g.placeholder("a", x.shape)
    g.const("lo", np.array(-0.5, np.float32))
    g.const("hi", np.array(0.75, np.float32))
    g.op("y", "ClipByValue", ["a", "lo", "hi"])
    g.const("bias", c)
    g.op("z", "BiasAddV1", ["a", "bias"])
    worst = max(worst, check(tmp, "clip_biasaddv1", g, {"a": x}, ["y", "z"], [np.clip(x, -0.5, 0.75), x.astype(e) + c]))
    print("%d unary and %d binary ops, ClipByValue, BiasAddV1: max rel. error %.2g" % (len(unary), len(binary), worst))


def compare_cases(tmp):
    """Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual (bool outputs,
    broadcast [2, 3, 5] against [3, 5], values on a 0.5 grid so that equal pairs
    occur), LogicalAnd/Or/Not on them, and a SelectV2 whose condition is one."""
    a = (np.round(f32(2, 3, 5) * 4) / 2).astype(np.float32)
    b = (np.round(f32(3, 5) * 4) / 2).astype(np.float32)
    cmp = {"Equal": np.equal, "NotEqual": np.not_equal, "Less": np.less, "LessEqual": np.less_equal,
           "Greater": np.greater, "GreaterEqual": np.greater_equal}
    for op, fn in cmp.items():
        g = Graph()
        g.placeholder("a", a.shape)
        g.placeholder("b", b.shape)
        g.op("y", op, ["a", "b"], T=DType(1))
        check(tmp, "c_" + op, g, {"a": a, "b": b}, ["y"], [fn(a, b)], exact_type=np.bool_)
    g = Graph()
    g.placeholder("a", a.shape)
    g.placeholder("b", b.shape)
    g.const("t", np.array(0.25, np.float32))
    g.op("lt", "Less", ["a", "b"], T=DType(1))
    g.op("gt", "Greater", ["a", "t"], T=DType(1))
    g.op("and", "LogicalAnd", ["lt", "gt"])
    g.op("or", "LogicalOr", ["lt", "gt"])
    g.op("not", "LogicalNot", ["lt"])
    lt, gt = a < b, a > 0.25
    check(tmp, "logical", g, {"a": a, "b": b}, ["and", "or", "not"], [lt & gt, lt | gt, ~lt], exact_type=np.bool_)
    g.op("sel", "SelectV2", ["gt", "a", "b"], T=DType(1))
    worst = check(tmp, "select_runtime", g, {"a": a, "b": b}, ["sel"], [np.where(gt, a, b)])
    print("6 comparisons, LogicalAnd/Or/Not exact; SelectV2 on a computed condition: max rel. error %.2g" % worst)


def shape_cases(tmp):
    worst = 0.0
    x = f32(1, 4, 6, 3)
    g = Graph()
    g.placeholder("x", x.shape)
    g.const("mult", i32(1, 2, 1, 3))
    g.op("y", "Tile", ["x", "mult"])
    worst = max(worst, check(tmp, "tile", g, {"x": x}, ["y"], [np.tile(x, (1, 2, 1, 3))]))

    for ot, dt in ((3, np.int32), (9, np.int64)):
        g = Graph()
        g.placeholder("x", x.shape)
        g.const("dim", i32(2).reshape(()))
        g.op("y", "ArgMax", ["x", "dim"], output_type=DType(ot))
        check(tmp, "argmax%d" % ot, g, {"x": x}, ["y"], [np.argmax(x, axis=2).astype(dt)], exact_type=dt)

    g = Graph()
    g.placeholder("x", x.shape)
    g.const("ax", i32(-1).reshape(()))
    g.op("neg", "Neg", ["x"])
    g.op("y", "Concat", ["ax", "x", "neg", "x"], N=3)  # v1: the axis comes first
    worst = max(worst, check(tmp, "concat_v1", g, {"x": x}, ["y"], [np.concatenate([x, -x, x], axis=-1)]))

    g = Graph()
    g.placeholder("x", x.shape)
    g.const("b", i32(0, 1, 2, 0))
    g.const("s", i32(-1, 2, 3, 2))
    g.op("y", "Slice", ["x", "b", "s"], Index=DType(3))
    worst = max(worst, check(tmp, "slice", g, {"x": x}, ["y"], [x[:, 1:3, 2:5, 0:2]]))

    g = Graph()
    g.placeholder("x", x.shape)
    g.const("b", i32(0, 3, 1, 1))
    g.const("e", i32(1, 0, 6, 2))
    g.const("st", i32(1, -1, 2, 1))
    g.op("y", "StridedSlice", ["x", "b", "e", "st"], begin_mask=1, end_mask=3, shrink_axis_mask=8, Index=DType(3))
    worst = max(worst, check(tmp, "strided_slice", g, {"x": x}, ["y"], [x[:, 3::-1, 1:6:2, 1]]))

    for op in ("Mean", "Sum", "Max", "Min", "Prod"):
        fn = {"Mean": np.mean, "Sum": np.sum, "Max": np.max, "Min": np.min, "Prod": np.prod}[op]
        for axes, keep in (((1, 2), True), ((1, 2), False), ((-1,), False), ((0, 3), True)):
            g = Graph()
            g.placeholder("x", x.shape)
            g.const("ax", np.array(axes, np.int32))
            g.op("y", op, ["x", "ax"], keep_dims=keep)
            ref = fn(x.astype(np.float64), axis=tuple(a % 4 for a in axes), keepdims=keep)
            worst = max(worst, check(tmp, "reduce_%s_%d" % (op, len(axes)), g, {"x": x}, ["y"], [ref]))

    for op, ref in (("ResizeNearestNeighbor", R.resize_nearest), ("ResizeBilinear", R.resize_bilinear)):
        for ac, hp in ((False, False), (True, False), (False, True)):
            for size in ((9, 5), (3, 13)):
                g = Graph()
                g.placeholder("x", x.shape)
                g.const("size", i32(*size))
                g.op("y", op, ["x", "size"], align_corners=ac, half_pixel_centers=hp)
                worst = max(worst, check(tmp, "%s_%d%d_%d" % (op, ac, hp, size[0]), g, {"x": x}, ["y"],
                                         [ref(x, size[0], size[1], ac, hp)]))
    print("Tile, ArgMax, Slice, StridedSlice, 5 reductions x 4, 2 resizes x 6: max rel. error %.2g" % worst)


def nchw_cnn(g, p):
    """x [1, 3, 10, 10] NCHW -> Conv2D -> BiasAdd -> FusedBatchNormV3 -> Relu
    -> MaxPool -> Mean[2, 3] -> MatMul, everything data_format NCHW."""
    g.placeholder("x", (1, 3, 10, 10))
    g.const("w", p["w"])
    g.op("conv", "Conv2D", ["x", "w"], strides=[1, 1, 1, 1], padding="SAME", data_format="NCHW", T=DType(1))
    g.const("b", p["b"])
    g.op("bias", "BiasAdd", ["conv", "b"], data_format="NCHW")
    for k in ("scale", "offset", "mean", "var"):
        g.const(k, p[k])
    g.op("bn", "FusedBatchNormV3", ["bias", "scale", "offset", "mean", "var"], epsilon=0.001, data_format="NCHW",
         is_training=False)
    g.op("relu", "Relu", ["bn"])
    g.op("pool", "MaxPool", ["relu"], ksize=[1, 1, 2, 2], strides=[1, 1, 2, 2], padding="VALID", data_format="NCHW")
    g.const("hw", i32(2, 3))
    g.op("gap", "Mean", ["pool", "hw"], keep_dims=False)
    g.const("fc", p["fc"])
    g.op("logits", "MatMul", ["gap", "fc"])


def nchw_cnn_ref(x, p):
    h = R.conv2d(x.transpose(0, 2, 3, 1), p["w"]) + p["b"]
    h = np.maximum(R.batch_norm(h, p["scale"], p["offset"], p["mean"], p["var"], 0.001), 0)
    return R.max_pool(h, (2, 2), (2, 2)).mean(axis=(1, 2)) @ p["fc"]


def nchw_params():
    return {"w": f32(3, 3, 3, 8) * 0.5, "b": f32(8) * 0.1, "scale": f32(8, lo=0.5, hi=1.5), "offset": f32(8) * 0.1,
            "mean": f32(8) * 0.1, "var": f32(8, lo=0.5, hi=2), "fc": f32(8, 5)}


def nchw_cases(tmp):
    p = nchw_params()
    g = Graph()
    nchw_cnn(g, p)
    x = f32(1, 3, 10, 10)
    worst = check(tmp, "nchw_cnn", g, {"x": x}, ["logits"], [nchw_cnn_ref(x, p)])
    # Transposes only at the boundary: one, from the NCHW model input.
    pb = os.path.join(tmp, "nchw_cnn.pb")
    facts = oracles.cli_json("inspect", pb, "--tensors", "--inputs", "x", "--outputs", "logits")
    ops = {o["op"]: o["count"] for o in facts["ops"]}
    assert ops.get("TRANSPOSE", 0) == 1, "NCHW CNN: %d TRANSPOSE ops (1 expected, at the input): %r" % (
        ops.get("TRANSPOSE", 0), ops)
    names = [t["name"] for t in facts["tensors"]]
    assert "x/nhwc" in names, "NCHW CNN: the transpose is not the model input's: %r" % names
    print("NCHW CNN = NHWC numpy reference (max rel. error %.2g); ops %s" % (worst, ", ".join(
        "%s x%d" % kv for kv in sorted(ops.items()))))

    # Mixed NCHW graph: layout-remapped Pad/Split/ConcatV2/Mean and a Flatten
    # that must see TF's NCHW element order.
    y = f32(1, 4, 6, 6)
    dw = f32(3, 3, 4, 2)
    tw = f32(2, 2, 3, 8) * 0.5  # Conv2DBackpropInput filter [h, w, out, in]
    add_c = f32(8, 1, 1)
    g = Graph()
    g.placeholder("y", y.shape)
    g.const("pads", i32(0, 0, 0, 0, 1, 1, 2, 0).reshape(4, 2))
    g.op("pad", "Pad", ["y", "pads"])
    g.const("dw", dw)
    g.op("dconv", "DepthwiseConv2dNative", ["pad", "dw"], strides=[1, 1, 1, 1], padding="VALID", data_format="NCHW")
    g.const("c1", i32(1).reshape(()))
    g.op("sp", "Split", ["c1", "dconv"], num_split=2)
    g.op("cat", "ConcatV2", ["sp:1", "sp", "c1"], N=2)
    g.const("addc", add_c)
    g.op("plus", "AddV2", ["cat", "addc"])
    g.op("act", "Relu6", ["plus"])
    g.op("avg", "AvgPool", ["act"], ksize=[1, 1, 2, 2], strides=[1, 1, 2, 2], padding="VALID", data_format="NCHW")
    g.const("ax3", i32(3))
    g.op("m", "Mean", ["avg", "ax3"], keep_dims=True)
    g.const("flat_shape", i32(1, -1))
    g.op("flat", "Reshape", ["m", "flat_shape"])
    g.const("osz", i32(1, 3, 5, 6))  # NCHW; SAME with stride 2 from 3x3
    g.const("lo", np.array(-0.5, np.float32))
    g.const("hi", np.array(1.5, np.float32))
    g.op("clip", "ClipByValue", ["avg", "lo", "hi"])
    g.op("deconv", "Conv2DBackpropInput", ["osz", "tw", "clip"], strides=[1, 1, 2, 2], padding="SAME",
         data_format="NCHW")
    g.const("tw", tw)
    g.op("d2s", "DepthToSpace", ["act"], block_size=2, data_format="NCHW")
    g.const("ax1", i32(1))
    g.op("csum", "Sum", ["d2s", "ax1"], keep_dims=False)
    # Two Flattens of one NCHW value, one through an Identity alias: they
    # share one transpose.
    g.op("avg_id", "Identity", ["avg"])
    g.const("minus1", i32(-1))
    g.op("flat1", "Reshape", ["avg", "minus1"])
    g.op("flat2", "Reshape", ["avg_id", "flat_shape"])

    yh = y.transpose(0, 2, 3, 1).astype(np.float64)
    h = R.depthwise(np.pad(yh, ((0, 0), (1, 1), (2, 0), (0, 0))), dw, padding="VALID")
    h = np.concatenate([h[..., 4:], h[..., :4]], axis=-1) + add_c.reshape(8)
    act = np.clip(h, 0, 6)
    avg = R.avg_pool(act, (2, 2), (2, 2))
    m = avg.mean(axis=2, keepdims=True)  # NCHW axis 3 = NHWC axis 2
    flat = m.transpose(0, 3, 1, 2).reshape(1, -1)
    deconv = R.conv2d_transpose(np.clip(avg, -0.5, 1.5), tw, (1, 5, 6, 3), (2, 2), "SAME").transpose(0, 3, 1, 2)
    n, hh, ww, cc = act.shape
    d2s = act.reshape(n, hh, ww, 2, 2, cc // 4).transpose(0, 1, 3, 2, 4, 5).reshape(n, hh * 2, ww * 2, cc // 4)
    csum = d2s.sum(axis=3)
    avg_nchw = avg.transpose(0, 3, 1, 2)
    outs = ["flat", "deconv", "csum", "flat1", "flat2"]
    worst = check(tmp, "nchw_mixed", g, {"y": y}, outs,
                  [flat, deconv, csum, avg_nchw.reshape(-1), avg_nchw.reshape(1, -1)])
    facts = oracles.cli_json("inspect", os.path.join(tmp, "nchw_mixed.pb"), "--inputs", "y",
                             "--outputs", ",".join(outs))
    ntr = sum(o["count"] for o in facts["ops"] if o["op"] == "TRANSPOSE")
    assert ntr == 4, "mixed NCHW graph: %d TRANSPOSE ops, 4 expected" % ntr
    print("mixed NCHW graph (Pad, depthwise, Split/ConcatV2 axis 1, AvgPool, Mean, Flatten, "
          "ClipByValue, Conv2DBackpropInput, DepthToSpace) = numpy (max rel. error %.2g)" % worst)
    # A GPU-trained Keras/TF1 graph: an NHWC input turned NCHW by a Transpose,
    # NCHW conv, Selu (built from 6 IR ops), and a Transpose back to NHWC at
    # the end: no TRANSPOSE left on that path.
    # The same input also feeds an NCHW MaxPool as if it were NCHW itself and
    # a Flatten of the transposed value (both directions of transpose of one
    # tensor must stay apart).
    x = f32(1, 6, 5, 3)
    w, b = f32(3, 3, 3, 4), f32(4)
    g = Graph()
    g.placeholder("x", x.shape)
    g.const("to_nchw", i32(0, 3, 1, 2))
    g.const("to_nhwc", i32(0, 2, 3, 1))
    g.const("swap_hw", i32(0, 1, 3, 2))
    g.op("xt", "Transpose", ["x", "to_nchw"])
    g.const("w", w)
    g.op("conv", "Conv2D", ["xt", "w"], strides=[1, 1, 1, 1], padding="SAME", data_format="NCHW")
    g.const("b", b)
    g.op("ba", "BiasAdd", ["conv", "b"], data_format="NCHW")
    g.op("r", "Selu", ["ba"])
    g.op("out_nhwc", "Transpose", ["r", "to_nhwc"])
    g.op("out_swap", "Transpose", ["r", "swap_hw"])
    g.const("c1", i32(1))
    g.op("xs", "Sum", ["xt", "c1"], keep_dims=False)
    g.const("flat_shape", i32(1, -1))
    g.op("flat", "Reshape", ["xt", "flat_shape"])
    g.op("pool", "MaxPool", ["x"], ksize=[1, 1, 2, 2], strides=[1, 1, 1, 1], padding="VALID", data_format="NCHW")
    r = selu(R.conv2d(x, w) + b)
    xt = x.transpose(0, 3, 1, 2)
    pool = R.max_pool(x.transpose(0, 2, 3, 1), (2, 2), (1, 1)).transpose(0, 3, 1, 2)
    outs = ["out_nhwc", "out_swap", "xs", "flat", "pool"]
    worst = check(tmp, "gpu_transposes", g, {"x": x}, outs,
                  [r, r.transpose(0, 3, 2, 1), xt.sum(axis=1), xt.reshape(1, -1), pool])
    facts = oracles.cli_json("inspect", os.path.join(tmp, "gpu_transposes.pb"), "--inputs", "x",
                             "--outputs", ",".join(outs))
    ntr = sum(o["count"] for o in facts["ops"] if o["op"] == "TRANSPOSE")
    # out_swap 1, flat 1, pool 2 (its NCHW input and output); none for the conv chain.
    assert ntr == 4, "NHWC->NCHW->NHWC graph: %d TRANSPOSE ops, 4 expected" % ntr
    print("Transpose NHWC->NCHW, NCHW convs, Transpose back = numpy (max rel. error %.2g), "
          "no TRANSPOSE on the conv path" % worst)
    return p


SQNR = {}


def int8_same_in_litert(tmp, name, g, shape, out, scale=1.0):
    """Convert g to int8; LiteRT's int8 outputs must equal our int8 executor's."""
    pb = g.save(os.path.join(tmp, name + ".pb"))
    np.save(os.path.join(tmp, "calib.npy"), f32(16, *shape) * scale)
    model = os.path.join(tmp, name + ".tflite")
    rep = oracles.cli_json("convert", pb, "--inputs", "x", "--outputs", out, "-d", os.path.join(tmp, "calib.npy"),
                           "-o", model, "--quiet")
    sq = float(rep["outputs"][0]["sqnr_db"])
    assert sq >= 30, "int8 %s: SQNR %.2f dB vs float < 30" % (name, sq)
    SQNR[name] = sq
    facts = oracles.tflite_facts(model)
    qi = facts["inputs"][0]
    steps = 0
    for k in range(4):
        x = f32(*shape) * scale
        q = np.clip(np.round(x / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
        lite = oracles.run("litert", model, [q])[0]
        qp = os.path.join(tmp, "q.npy")
        np.save(qp, q)
        ours = oracles.run_ours(model, [qp], ["--single-rounding"])[0]
        assert ours.dtype == np.int8 and lite.dtype == np.int8, (ours.dtype, lite.dtype)
        steps = max(steps, int(np.abs(ours.astype(int) - lite.astype(int)).max()))
    assert steps == 0, "int8 %s: LiteRT and npuquant's int8 executor differ by %d steps" % (name, steps)
    return facts


def int8_models(tmp, p):
    g = Graph()
    nchw_cnn(g, p)
    facts = int8_same_in_litert(tmp, "cnn8", g, (1, 3, 10, 10), "logits")
    ops = {o["op"]: o["count"] for o in facts["ops"]}
    assert ops.get("TRANSPOSE", 0) == 1, "int8 NCHW CNN: TRANSPOSE count %r" % ops
    for op in ("Softplus", "Selu"):
        g = Graph()
        g.placeholder("x", (1, 8, 8, 4))
        g.op("y", op, ["x"])
        int8_same_in_litert(tmp, op, g, (1, 8, 8, 4), "y", scale=3.0)
    print("int8 NCHW CNN (1 TRANSPOSE), Softplus, Selu: LiteRT.js == npuquant int8 executor "
          "(single rounding) on 4 inputs each; SQNR vs float %s" % ", ".join("%s %.1f dB" % kv for kv in SQNR.items()))


def test():
    """Parts 1-2 (numpy) and part 3 (LiteRT.js) are separate ctest tests, so a missing
    LiteRT.js skips only part 3: `test_tf_ops.py numpy|litert` (no argument: both)."""
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    assert part in ("numpy", "litert", "all"), "usage: test_tf_ops.py [numpy|litert]"
    with tempfile.TemporaryDirectory() as tmp:
        p = None
        if part != "litert":
            multi_output_cases(tmp)
            elementwise_cases(tmp)
            compare_cases(tmp)
            shape_cases(tmp)
            p = nchw_cases(tmp)
        if part != "numpy":
            int8_models(tmp, p or nchw_params())


if __name__ == "__main__":
    oracles.main(test)
