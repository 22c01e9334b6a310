#!/usr/bin/python3
"""Turns a real image into a model input .npy (NHWC) for the oracle runners and tests.

    /usr/bin/python3 make_input.py --image PATH --shape 1x96x96x3 --dtype float32|int8|uint8
        [--scale S] [--offset O] [--quant-scale QS] [--quant-zp ZP]
        [--gray] [--bgr] [--resize-mode stretch|crop] -o OUT.npy
    /usr/bin/python3 make_input.py --image PATH --npy-shape-from MODEL.tflite [--input K] ... -o OUT.npy

The image is loaded with PIL, converted to RGB (or grayscale with --gray or when the
shape has 1 channel), resized to H x W (stretch, or centre crop to the aspect ratio then
resize), and each pixel p (0..255) becomes value = p * scale + offset. For int8/uint8 the
value is quantized as q = round(value / quant_scale) + quant_zp (round half away from zero,
like TFLite's Quantize) and clamped to the type's range. --npy-shape-from takes shape,
dtype and quantization of the model's input K (default 0) unless given on the command line.
"""
import argparse
import os
import sys

import numpy as np

DTYPES = {"float32": np.float32, "int8": np.int8, "uint8": np.uint8}


def fail(msg):
    sys.stderr.write("make_input: %s\n" % msg)
    sys.exit(1)


def parse_shape(text):
    try:
        dims = [int(d) for d in text.lower().split("x")]
    except ValueError:
        fail("bad --shape '%s' (expected e.g. 1x96x96x3)" % text)
    if len(dims) == 3:
        dims = [1] + dims
    if len(dims) != 4 or min(dims) < 1 or dims[3] not in (1, 3):
        fail("--shape must be NxHxWxC (or HxWxC) with C = 1 or 3, got '%s'" % text)
    return dims


def model_input(model, k):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import tflite_facts  # noqa: PLC0415 (sibling module, only needed here)
    with open(model, "rb") as f:
        inputs = tflite_facts.facts(f.read())["inputs"]
    if not 0 <= k < len(inputs):
        fail("%s has %d inputs, --input %d asked" % (model, len(inputs), k))
    return inputs[k]


def load_pixels(path, height, width, gray, bgr, mode):
    from PIL import Image  # noqa: PLC0415 (python3-pil; only this tool needs it)
    try:
        img = Image.open(path)
        img = img.convert("L" if gray else "RGB")
    except OSError as e:
        fail("%s: cannot read image (%s)" % (path, e))
    if mode == "crop":
        # Centre crop to the target aspect ratio so the resize keeps proportions.
        w, h = img.size
        target = width / height
        if w / h > target:
            new_w = max(1, round(h * target))
            left = (w - new_w) // 2
            img = img.crop((left, 0, left + new_w, h))
        else:
            new_h = max(1, round(w / target))
            top = (h - new_h) // 2
            img = img.crop((0, top, w, top + new_h))
    img = img.resize((width, height), Image.BILINEAR)
    pixels = np.asarray(img, dtype=np.float64)
    if gray:
        pixels = pixels[:, :, None]
    elif bgr:
        pixels = pixels[:, :, ::-1]
    return pixels


def quantize(values, dtype, qscale, qzp):
    if qscale <= 0:
        fail("--quant-scale must be positive")
    x = values / qscale
    q = np.sign(x) * np.floor(np.abs(x) + 0.5) + qzp
    info = np.iinfo(dtype)
    return np.clip(q, info.min, info.max).astype(dtype)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image", required=True)
    ap.add_argument("--shape")
    ap.add_argument("--dtype", choices=sorted(DTYPES))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--offset", type=float, default=0.0)
    ap.add_argument("--quant-scale", type=float)
    ap.add_argument("--quant-zp", type=int)
    ap.add_argument("--gray", action="store_true")
    ap.add_argument("--bgr", action="store_true")
    ap.add_argument("--resize-mode", choices=["stretch", "crop"], default="stretch")
    ap.add_argument("--npy-shape-from", metavar="MODEL.tflite")
    ap.add_argument("--input", type=int, default=0)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()

    shape, dtype, qscale, qzp = a.shape, a.dtype, a.quant_scale, a.quant_zp
    if a.npy_shape_from:
        t = model_input(a.npy_shape_from, a.input)
        shape = shape or "x".join(str(d) for d in t["shape"])
        if dtype is None:
            if t["type"] not in DTYPES:
                fail("model input type %s is not one of %s" % (t["type"], sorted(DTYPES)))
            dtype = t["type"]
        if t["scale"]:
            qscale = t["scale"][0] if qscale is None else qscale
            qzp = t["zero_point"][0] if qzp is None else qzp
    if shape is None or dtype is None:
        fail("give --shape and --dtype, or --npy-shape-from MODEL.tflite")
    n, h, w, c = parse_shape(shape)
    if a.gray and c != 1:
        fail("--gray needs a shape with 1 channel")
    pixels = load_pixels(a.image, h, w, c == 1, a.bgr, a.resize_mode)
    values = pixels * a.scale + a.offset
    values = np.broadcast_to(values[None], (n, h, w, c))
    if dtype == "float32":
        out = values.astype(np.float32)
    else:
        out = quantize(values, DTYPES[dtype], 1.0 if qscale is None else qscale, 0 if qzp is None else qzp)
    np.save(a.output, np.ascontiguousarray(out))


if __name__ == "__main__":
    main()
