#!/usr/bin/python3
"""Calibration data set tests: the library (through dataset_dump) against
independent references made here with PIL and numpy.

- decoders: pixels equal PIL's decoding (exactly for PNG/BMP, within 2 for JPEG);
- resize: equal to a numpy implementation of the triangle-filter formula in
  image_resize.h and to PIL's float ("F") resampler;
- preprocessing: colour, crop, mean/std, scale/offset, NCHW against numpy;
- sources: nested folders in byte order, stacked .npy, .npz (stored and
  deflate), member selection, seeded subsets against a Python SplitMix64;
- bad inputs give the expected messages; mutated files never crash.
Usage: test_dataset.py PATH/TO/dataset_dump
"""
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

DUMP = sys.argv[1]
T = oracles.Checks("test_dataset")
check = T.check


def run(*args, expect_ok=True):
    p = subprocess.run([DUMP, *map(str, args)], capture_output=True, text=True, timeout=120)
    if expect_ok and p.returncode != 0:
        raise RuntimeError("dataset_dump %s failed: %s" % (" ".join(map(str, args)), p.stderr))
    return p


def decode(path, tmp):
    out = os.path.join(tmp, "decoded.npy")
    run("decode", path, out)
    return np.load(out)


def pil_pixels(path):
    im = Image.open(path)
    im.load()
    if im.mode in ("L", "LA", "1") or (im.mode == "P" and is_gray_palette(im)):
        return np.asarray(im.convert("L"))[:, :, None]
    if im.mode in ("I;16", "I"):
        return (np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8)[:, :, None]
    return np.asarray(im.convert("RGB"))


def is_gray_palette(im):
    # Only BMP decoding collapses gray palettes; PNG palettes stay RGB.
    if im.format != "BMP":
        return False
    pal = np.asarray(im.getpalette()).reshape(-1, 3)
    return bool(np.all(pal[:, 0] == pal[:, 1]) and np.all(pal[:, 1] == pal[:, 2]))


def smooth_image(h, w, c, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    chans = [127 + 100 * np.sin(x / (3 + k) + y / (5 + 2 * k) + k) + rng.normal(0, 8, (h, w))
             for k in range(c)]
    return np.clip(np.stack(chans, -1), 0, 255).astype(np.uint8)


# ---- resize reference (the formula of image_resize.h, written again) ----
def filter_matrix(n_in, n_out, aa, first=0, count=None):
    count = n_out if count is None else count
    scale = n_in / n_out
    support = scale if (aa and scale > 1) else 1.0
    i = np.arange(n_in) + 0.5
    m = np.zeros((count, n_in))
    for k in range(count):
        c = (first + k + 0.5) * scale
        w = np.maximum(0.0, 1.0 - np.abs(i - c) / support)
        m[k] = w / w.sum()
    return m


def ref_resize(img, w, h, aa, crop=False):
    ih, iw = img.shape[:2]
    nw, nh, ox, oy = w, h, 0, 0
    if crop:
        s = max(h / ih, w / iw)
        nw = max(w, int(math.floor(iw * s + 0.5)))
        nh = max(h, int(math.floor(ih * s + 0.5)))
        ox, oy = (nw - w) // 2, (nh - h) // 2
    fx = filter_matrix(iw, nw, aa, ox, w)
    fy = filter_matrix(ih, nh, aa, oy, h)
    return np.einsum("yi,ijc,xj->yxc", fy, img.astype(np.float64), fx)


def to_color(px, color):
    px = px.astype(np.float64)
    if color == "gray":
        if px.shape[2] == 1:
            return px
        return (0.299 * px[..., 0] + 0.587 * px[..., 1] + 0.114 * px[..., 2])[..., None]
    if px.shape[2] == 1:
        px = np.repeat(px, 3, axis=2)
    return px[..., ::-1] if color == "bgr" else px


# ---- SplitMix64 + partial Fisher-Yates, as documented in dataset.h ----
M64 = (1 << 64) - 1


def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def seeded_pick(total, n, seed):
    perm = list(range(total))
    st = seed
    for k in range(n):
        m = total - k
        thr = ((1 << 64) - m) % m
        while True:
            st, r = splitmix(st)
            if r >= thr:
                break
        j = k + r % m
        perm[k], perm[j] = perm[j], perm[k]
    return sorted(perm[:n])


def open_ds(path, shape, out, *opts, expect_ok=True):
    p = run("open", path, "--shape", ",".join(map(str, shape)), *opts, out, expect_ok=expect_ok)
    if not expect_ok:
        return p
    lines = p.stdout.split("\n")
    k = lines.index("notes:")
    names = lines[:k]
    notes = [l for l in lines[k + 1:] if l and not l.startswith(("total:", "affine0:"))]
    total = int([l for l in lines if l.startswith("total:")][0].split()[1])
    return np.load(out), names, notes, total


def expect_error(path, shape, fragments, *opts, tmp):
    p = open_ds(path, shape, os.path.join(tmp, "err.npy"), *opts, expect_ok=False)
    check(p.returncode == 1, "%s: expected a failure, got rc %d" % (path, p.returncode))
    msg = p.stderr
    for f in fragments:
        check(f in msg, "%s: message %r lacks %r" % (path, msg.strip(), f))
    check(msg.count("\n") == 1 and msg.startswith("ERROR: "), "one-line message: %r" % msg)


def main():
    tmp = tempfile.mkdtemp(prefix="nq_dataset_")
    try:
        test_decoders(tmp)
        test_resize(tmp)
        test_preprocess(tmp)
        test_folders(tmp)
        test_arrays(tmp)
        test_selection(tmp)
        test_errors(tmp)
        test_fuzz(tmp)
        test_shared(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    T.finish()


def test_decoders(tmp):
    rgb = smooth_image(29, 37, 3, 1)
    gray = smooth_image(31, 23, 1, 2)[:, :, 0]
    files = {}
    Image.fromarray(rgb).save(os.path.join(tmp, "rgb.jpg"), quality=90)
    Image.fromarray(rgb).save(os.path.join(tmp, "rgb420.jpg"), quality=75, subsampling=2)
    Image.fromarray(gray).save(os.path.join(tmp, "gray.jpg"), quality=85)
    Image.fromarray(rgb).save(os.path.join(tmp, "prog.jpg"), quality=80, progressive=True)
    Image.fromarray(rgb).save(os.path.join(tmp, "rgb.png"))
    rgba = np.dstack([rgb, smooth_image(29, 37, 1, 3)])
    Image.fromarray(rgba, "RGBA").save(os.path.join(tmp, "rgba.png"))
    Image.fromarray(gray).save(os.path.join(tmp, "gray.png"))
    Image.fromarray(np.dstack([gray, gray]), "LA").save(os.path.join(tmp, "la.png"))
    Image.fromarray(rgb).quantize(17).save(os.path.join(tmp, "pal.png"))
    Image.fromarray(gray > 128).save(os.path.join(tmp, "bits.png"))
    g16 = (smooth_image(9, 11, 1, 4)[:, :, 0].astype(np.uint16) * 257 + 3)
    Image.fromarray(g16, "I;16").save(os.path.join(tmp, "g16.png"))
    Image.fromarray(rgb).save(os.path.join(tmp, "rgb24.bmp"))
    Image.fromarray(gray).save(os.path.join(tmp, "gray8.bmp"))
    Image.fromarray(rgb).quantize(40).save(os.path.join(tmp, "pal8.bmp"))
    Image.fromarray(rgba, "RGBA").save(os.path.join(tmp, "rgba32.bmp"))
    for name in sorted(os.listdir(tmp)):
        path = os.path.join(tmp, name)
        got = decode(path, tmp)
        want = pil_pixels(path)
        check(got.shape == want.shape, "%s: shape %s, PIL %s" % (name, got.shape, want.shape))
        if got.shape != want.shape:
            continue
        diff = np.abs(got.astype(int) - want.astype(int)).max()
        tol = 2 if name.endswith(".jpg") else 0
        check(diff <= tol, "%s: max |ours - PIL| = %d > %d" % (name, diff, tol))
        os.remove(path)
    # Hand-made PNGs: Adam7-interlaced, and 16-bit RGB (we keep the high byte).
    px = smooth_image(13, 11, 3, 6)
    write_png(os.path.join(tmp, "adam7.png"), px, interlace=True)
    check(np.array_equal(decode(os.path.join(tmp, "adam7.png"), tmp), px), "interlaced PNG")
    p16 = px.astype(np.uint16) * 256 + 77
    write_png(os.path.join(tmp, "rgb16.png"), p16, interlace=True, depth=16)
    check(np.array_equal(decode(os.path.join(tmp, "rgb16.png"), tmp), px), "16-bit RGB PNG")
    # Hand-made BMPs: top-down 24-bit (negative height) and a 32-bit BI_BITFIELDS.
    px = smooth_image(5, 7, 3, 5)
    write_bmp(os.path.join(tmp, "topdown.bmp"), px, top_down=True)
    write_bmp(os.path.join(tmp, "bottomup32.bmp"), px, bpp=32, bitfields=True)
    for name in ("topdown.bmp", "bottomup32.bmp"):
        got = decode(os.path.join(tmp, name), tmp)
        check(np.array_equal(got, px), "%s: pixels differ from what was written" % name)
        os.remove(os.path.join(tmp, name))


def write_png(path, px, interlace=False, depth=8):
    """A minimal PNG writer (filter 0), with Adam7 interlacing on request."""
    import zlib
    h, w, c = px.shape
    color = {1: 0, 3: 2}[c]
    dt = np.dtype(">u2") if depth == 16 else np.uint8
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
              (0, 1, 1, 2)] if interlace else [(0, 0, 1, 1)]
    raw = b""
    for x0, y0, dx, dy in passes:
        sub = px[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for row in sub:
            raw += b"\x00" + row.astype(dt).tobytes()

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 1 if interlace else 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw))
                + chunk(b"IEND", b""))


def write_bmp(path, px, top_down=False, bpp=24, bitfields=False):
    h, w, _ = px.shape
    stride = (w * bpp + 31) // 32 * 4
    rows = []
    order = range(h) if top_down else range(h - 1, -1, -1)
    for y in order:
        row = bytearray()
        for x in range(w):
            r, g, b = px[y, x]
            row += bytes([b, g, r]) + (b"\x00" if bpp == 32 else b"")
        rows.append(bytes(row) + b"\x00" * (stride - len(row)))
    masks = struct.pack("<III", 0xFF0000, 0xFF00, 0xFF) if bitfields else b""
    off = 14 + 40 + len(masks)
    dib = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, bpp,
                      3 if bitfields else 0, stride * h, 2835, 2835, 0, 0)
    data = b"".join(rows)
    with open(path, "wb") as f:
        f.write(b"BM" + struct.pack("<IHHI", off + len(data), 0, 0, off) + dib + masks + data)


def test_resize(tmp):
    rng = np.random.default_rng(7)
    img = rng.uniform(0, 255, (17, 23, 3)).astype(np.float32)
    np.save(os.path.join(tmp, "r.npy"), img)
    for (w, h, aa) in [(8, 6, 1), (8, 6, 0), (50, 40, 1), (50, 40, 0), (23, 5, 1), (3, 17, 1),
                       (1, 1, 1), (1, 1, 0)]:
        out = os.path.join(tmp, "ro.npy")
        run("resize", os.path.join(tmp, "r.npy"), w, h, aa, out)
        got = np.load(out)
        want = ref_resize(img, w, h, aa)
        err = np.abs(got - want).max()
        check(err < 1e-3, "resize to %dx%d aa=%d: max error %g vs numpy" % (w, h, aa, err))
        if aa:
            # PIL's BILINEAR is the same support-scaled triangle filter.
            pil = np.stack([np.asarray(Image.fromarray(img[:, :, c], "F").resize(
                (w, h), Image.BILINEAR)) for c in range(3)], -1)
            err = np.abs(got - pil).max()
            check(err < 1e-2, "resize to %dx%d: max error %g vs PIL" % (w, h, err))


def test_preprocess(tmp):
    px = smooth_image(40, 60, 3, 11)
    d = os.path.join(tmp, "pp")
    os.mkdir(d)
    path = os.path.join(d, "img.png")
    Image.fromarray(px).save(path)
    out = os.path.join(tmp, "pp.npy")
    cases = [
        ([1, 20, 30, 3], [], "rgb", False, lambda v: v),
        ([1, 16, 16, 3], ["--crop"], "rgb", True, lambda v: v),
        ([1, 50, 20, 3], ["--crop", "--noaa"], "rgb", True, lambda v: v),
        ([1, 20, 30, 3], ["--color", "bgr", "--range", "0..1"], "bgr", False, lambda v: v / 255),
        ([1, 20, 30, 3], ["--range", "-1..1"], "rgb", False, lambda v: v * (2 / 255) - 1),
        ([1, 24, 24, 1], [], "gray", False, lambda v: v),
        ([1, 24, 24, 3], ["--mean", "123.675,116.28,103.53", "--std", "58.395,57.12,57.375"], "rgb",
         False, lambda v: (v - np.array([123.675, 116.28, 103.53])) / np.array([58.395, 57.12, 57.375])),
        ([1, 24, 24, 3], ["--scale", "0.5", "--offset", "-3"], "rgb", False, lambda v: v * 0.5 - 3),
        ([1, 80, 120, 3], ["--noaa"], "rgb", False, lambda v: v),
    ]
    for shape, opts, color, crop, norm in cases:
        got, names, _, _ = open_ds(d, shape, out, *opts)
        aa = "--noaa" not in opts
        want = norm(ref_resize(to_color(px, color), shape[2], shape[1], aa, crop))[None]
        err = np.abs(got[0] - want).max() if got[0].shape == want.shape else 1e9
        check(err < 2e-3 * max(1, np.abs(want).max() / 255),
              "preprocess %s %s: max error %g" % (shape, opts, err))
        check(names == [path], "preprocess names %s" % names)
    # NCHW layout is the NHWC result transposed.
    got, _, _, _ = open_ds(d, [1, 3, 20, 30], out, "--nchw", "--range", "0..1")
    want = ref_resize(px, 30, 20, True) / 255
    check(np.abs(got[0, 0] - want.transpose(2, 0, 1)).max() < 1e-4, "NCHW layout")
    # The affine map reported for uint8 input quantization.
    p = run("open", d, "--shape", "1,8,8,3", "--mean", "127.5", "--std", "127.5", out)
    aff = [l for l in p.stdout.split("\n") if l.startswith("affine0:")][0].split()
    check(abs(float(aff[1]) - 1 / 127.5) < 1e-9 and abs(float(aff[2]) + 1) < 1e-6,
          "affine for mean/std 127.5: %s" % aff)


def test_folders(tmp):
    d = os.path.join(tmp, "tree")
    for sub in ("b", "a/x", "a/y", "a.d"):
        os.makedirs(os.path.join(d, sub))
    px = smooth_image(6, 6, 3, 3)
    rel = ["b/2.png", "a/x/1.JPG", "a/y/0.bmp", "a.png", "a.d/z.jpeg", "a/10.png"]
    for i, r in enumerate(rel):
        img = Image.fromarray((px + i * 10).astype(np.uint8))
        img.save(os.path.join(d, r), format={"png": "PNG", "jpg": "JPEG", "bmp": "BMP",
                                             "jpeg": "JPEG"}[r.rsplit(".", 1)[1].lower()])
    for junk in ("notes.txt", ".hidden.png", "a/x/README"):
        with open(os.path.join(d, junk), "w") as f:
            f.write("not an image")
    os.symlink(d, os.path.join(d, "a", "loop"))  # never followed as a folder
    got, names, notes, total = open_ds(d, [1, 6, 6, 3], os.path.join(tmp, "t.npy"))
    want = sorted(os.path.join(d, r) for r in rel)
    check(names == want, "folder order %s, expected %s" % (names, want))
    check(total == 6 and got.shape == (6, 1, 6, 6, 3), "folder total %d shape %s" % (total, got.shape))
    check(any("ignored 4 files" in n for n in notes), "ignored-files note: %s" % notes)
    # Same images, same values (png exact): the sample for a.png equals its pixels.
    k = names.index(os.path.join(d, "a.png"))
    check(np.array_equal(got[k, 0], (px + 30).astype(np.float32)), "a.png values")


def test_arrays(tmp):
    rng = np.random.default_rng(3)
    d = os.path.join(tmp, "arr")
    os.mkdir(d)
    stack = rng.normal(size=(5, 4, 4, 1)).astype(np.float32)
    np.save(os.path.join(d, "a_stack.npy"), stack)
    single = rng.normal(size=(4, 4, 1)).astype(np.float32)
    np.save(os.path.join(d, "b_single.npy"), single)
    u8 = rng.integers(0, 255, size=(3, 4, 4), dtype=np.uint8)  # squeezed: (K, 4, 4)
    np.save(os.path.join(d, "c_u8.npy"), u8)
    f16 = rng.normal(size=(1, 4, 4, 1)).astype(np.float16)
    np.save(os.path.join(d, "d_f16.npy"), f16)
    out = os.path.join(tmp, "a.npy")
    got, names, _, total = open_ds(d, [1, 4, 4, 1], out)
    want = np.concatenate([stack[:, None], single[None, None], u8[:, None, :, :, None].astype(np.float32),
                           f16.astype(np.float32)[None]])
    check(total == 10 and got.shape == want.shape and np.array_equal(got, want),
          "stacked .npy folder: total %d shape %s" % (total, got.shape))
    check(names[:5] == [os.path.join(d, "a_stack.npy") + "[%d]" % i for i in range(5)]
          and names[5] == os.path.join(d, "b_single.npy"), "stacked names %s" % names[:6])
    # .npz, stored and deflated: every member, or one by key.
    for fn, saver in (("s.npz", np.savez), ("c.npz", np.savez_compressed)):
        p = os.path.join(tmp, fn)
        saver(p, first=stack, second=single)
        got, names, _, _ = open_ds(p, [1, 4, 4, 1], out)
        check(np.array_equal(got, np.concatenate([stack[:, None], single[None, None]])),
              "%s: all members" % fn)
        check(names[0] == p + ":first.npy[0]" and names[-1] == p + ":second.npy", "%s names" % fn)
        got, names, _, _ = open_ds(p + ":second", [1, 4, 4, 1], out)
        check(np.array_equal(got, single[None, None]) and names == [p + ":second.npy"],
              "%s:second" % fn)
    # A big compressed member (several inflate chunks).
    big = rng.normal(size=(40, 32, 32, 3)).astype(np.float32)
    np.savez_compressed(os.path.join(tmp, "big.npz"), x=big)
    got, _, _, _ = open_ds(os.path.join(tmp, "big.npz"), [1, 32, 32, 3], out)
    check(np.array_equal(got[:, 0], big), "big deflated member")


def test_selection(tmp):
    d = os.path.join(tmp, "sel")
    os.mkdir(d)
    data = np.arange(1200 * 2, dtype=np.float32).reshape(1200, 1, 2)
    np.save(os.path.join(d, "x.npy"), data)
    out = os.path.join(tmp, "s.npy")
    got, names, notes, total = open_ds(d, [1, 2], out)
    want_idx = [k * 1200 // 500 for k in range(500)]
    check(total == 1200 and len(names) == 500, "cap: %d of %d" % (len(names), total))
    check(any("500 of 1200" in n for n in notes), "cap note: %s" % notes)
    check(np.array_equal(got[:, 0], data[want_idx, 0]), "evenly spaced cap")
    got1, names1, _, _ = open_ds(d, [1, 2], out, "--samples", "10", "--seed", "42")
    got2, names2, _, _ = open_ds(d, [1, 2], out, "--samples", "10", "--seed", "42")
    pick = seeded_pick(1200, 10, 42)
    check(names1 == names2 and np.array_equal(got1, got2), "seeded subset reproducible")
    check(names1 == [os.path.join(d, "x.npy") + "[%d]" % i for i in pick],
          "seeded subset = Python SplitMix64: %s vs %s" % (names1, pick))
    _, names3, _, _ = open_ds(d, [1, 2], out, "--samples", "10", "--seed", "43")
    check(names3 != names1, "another seed, another subset")
    _, names4, _, _ = open_ds(d, [1, 2], out, "--samples", "5000")
    check(len(names4) == 1200, "--samples above total keeps all")


def test_errors(tmp):
    d = os.path.join(tmp, "err")
    os.mkdir(d)
    empty = os.path.join(d, "empty")
    os.mkdir(empty)
    with open(os.path.join(empty, "readme.txt"), "w") as f:
        f.write("x")
    expect_error(empty, [1, 4, 4, 3], [empty, "no images", "1 other"], tmp=tmp)

    good = os.path.join(d, "good.jpg")
    Image.fromarray(smooth_image(64, 64, 3, 9)).save(good, quality=90)
    raw = open(good, "rb").read()
    trunc = os.path.join(d, "trunc.jpg")
    with open(trunc, "wb") as f:
        f.write(raw[: len(raw) // 2])
    expect_error(trunc, [1, 8, 8, 3], [trunc, "JPEG", "Premature end"], tmp=tmp)
    garbage = os.path.join(d, "garbage.png")
    with open(garbage, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + bytes(30))
    expect_error(garbage, [1, 8, 8, 3], [garbage, "PNG"], tmp=tmp)

    wrong = os.path.join(d, "wrong.npy")
    np.save(wrong, np.zeros((5, 3), np.float32))
    expect_error(wrong, [1, 4, 4, 1], [wrong, "[5, 3]", "[1, 4, 4, 1]"], "--name", "input_1", tmp=tmp)

    nan = os.path.join(d, "nan.npy")
    a = np.zeros((3, 4, 4, 1), np.float32)
    a[2, 1, 3, 0] = np.nan
    np.save(nan, a)
    expect_error(nan, [1, 4, 4, 1], [nan, "[2, 1, 3, 0]", "NaN"], tmp=tmp)
    inf = os.path.join(d, "inf.npy")
    a[2, 1, 3, 0] = np.inf
    np.save(inf, a)
    expect_error(inf, [1, 4, 4, 1], [inf, "infinite"], tmp=tmp)

    # An .npz whose member's bytes are damaged (CRC mismatch) and one whose
    # member is not an .npy at all.
    bad = os.path.join(d, "bad.npz")
    np.savez(bad, x=np.ones((2, 4, 4, 1), np.float32))
    raw = bytearray(open(bad, "rb").read())
    pos = raw.find(b"\x00\x00\x80\x3f")  # a float 1.0 in the stored data
    raw[pos + 3] = 0x40
    open(bad, "wb").write(bytes(raw))
    expect_error(bad, [1, 4, 4, 1], [bad, "x.npy", "CRC"], tmp=tmp)
    import zipfile
    notnpy = os.path.join(d, "notnpy.npz")
    with zipfile.ZipFile(notnpy, "w") as z:
        z.writestr("y.npy", b"hello, not numpy")
    expect_error(notnpy, [1, 4, 4, 1], [notnpy + ":y.npy"], tmp=tmp)
    expect_error(bad + ":nope", [1, 4, 4, 1], [bad, "no member 'nope'", "x.npy"], tmp=tmp)
    notzip = os.path.join(d, "notzip.npz")
    open(notzip, "wb").write(b"PK\x03\x04" + bytes(100))
    expect_error(notzip, [1, 4, 4, 1], [notzip, "end-of-central-directory"], tmp=tmp)

    txt = os.path.join(d, "data.txt")
    open(txt, "w").write("1 2 3")
    expect_error(txt, [1, 4, 4, 1], [txt, "unsupported data file"], tmp=tmp)
    expect_error(os.path.join(d, "missing.png"), [1, 4, 4, 1], ["missing.png", "cannot open"], tmp=tmp)
    # An image for an input images cannot feed, and a colour mismatch.
    expect_error(good, [1, 4, 4, 5], [good, "5 channels"], tmp=tmp)
    expect_error(good, [2, 4, 4, 3], [good, "[2, 4, 4, 3]", "[1, H, W, C]"], tmp=tmp)
    expect_error(good, [1, 4, 4, 1], [good, "colour option is rgb"], "--color", "rgb", tmp=tmp)
    expect_error(good, [1, 4, 4, 3], ["std"], "--mean", "1", "--std", "0", tmp=tmp)
    # A BMP whose pixel data is cut short, and one with an RLE compression.
    bmp = os.path.join(d, "cut.bmp")
    write_bmp(bmp, smooth_image(8, 8, 3, 1))
    raw = open(bmp, "rb").read()
    open(bmp, "wb").write(raw[:-40])
    expect_error(bmp, [1, 4, 4, 3], [bmp, "runs past the file end"], tmp=tmp)
    raw = bytearray(raw)
    raw[30] = 1
    open(bmp, "wb").write(bytes(raw))
    expect_error(bmp, [1, 4, 4, 3], [bmp, "compression 1"], tmp=tmp)
    # Huge declared size: refused before allocating.
    raw = bytearray(raw)
    raw[30] = 0
    raw[18:26] = struct.pack("<ii", 100000, 100000)
    open(bmp, "wb").write(bytes(raw))
    expect_error(bmp, [1, 4, 4, 3], [bmp, "exceeds the limit"], tmp=tmp)


def test_fuzz(tmp):
    px = smooth_image(16, 16, 3, 2)
    files = []
    for ext, kw in (("jpg", {"quality": 80}), ("png", {}), ("bmp", {})):
        p = os.path.join(tmp, "fz." + ext)
        Image.fromarray(px).save(p, **kw)
        files.append(p)
    p = os.path.join(tmp, "fzp.bmp")
    Image.fromarray(px).quantize(8).save(p)
    files.append(p)
    for i, saver in enumerate((np.savez, np.savez_compressed)):
        p = os.path.join(tmp, "fz%d.npz" % i)
        saver(p, a=np.arange(48, dtype=np.float32).reshape(3, 4, 4))
        files.append(p)
    for seed, f in enumerate(files):
        r = run("fuzz", f, 300, seed + 1, expect_ok=False)
        check(r.returncode == 0, "fuzz %s: rc %d %s" % (f, r.returncode, r.stderr[-2000:]))


def test_shared(tmp):
    shared = os.environ.get("NQ_SHARED_DIR", "")
    data = os.path.join(shared, "data")
    if not os.path.isdir(data):
        if os.environ.get("CI") == "true":
            check(False, "NQ_SHARED_DIR missing under CI=true")
        else:
            print("SKIP (part): NQ_SHARED_DIR absent; real images not checked")
        return
    real = ["coral-images/grace_hopper.bmp", "coral-images/parrot.jpg",
            "tflm-person_detection/person.bmp", "skimage-samples/camera.png",
            "skimage-samples/chelsea.png", "tfls-vision-testimages/burger.jpg",
            "tflm-mnist_lstm-samples/sample0.png"]
    for r in real:
        path = os.path.join(data, r)
        if not os.path.exists(path):
            continue
        got = decode(path, tmp)
        want = pil_pixels(path)
        ok = got.shape == want.shape
        diff = np.abs(got.astype(int) - want.astype(int)).max() if ok else -1
        check(ok and diff <= (2 if path.endswith(".jpg") else 0),
              "%s: shape %s vs %s, max diff %d" % (r, got.shape, want.shape, diff))
    digits = os.path.join(data, "sklearn-digits", "digits_8x8.npz")
    if os.path.exists(digits):
        got, names, notes, total = open_ds(digits + ":images", [1, 8, 8, 1], os.path.join(tmp, "d.npy"))
        ref = np.load(digits)["images"]
        idx = [k * total // 500 for k in range(500)]
        check(total == ref.shape[0] and np.array_equal(got[:, 0, :, :, 0], ref[idx].astype(np.float32)),
              "digits_8x8.npz:images")
        expect_error(digits, [1, 8, 8, 1], [digits + ":target.npy", "[1797]"], tmp=tmp)
    folder = os.path.join(data, "mediapipe-gestures")
    if os.path.isdir(folder):
        got, names, notes, total = open_ds(folder, [1, 64, 64, 3], os.path.join(tmp, "g.npy"),
                                           "--samples", "8", "--seed", "1", "--range", "0..1")
        check(len(names) == 8 and got.min() >= 0 and got.max() <= 1, "gesture folder subset")


if __name__ == "__main__":
    main()
