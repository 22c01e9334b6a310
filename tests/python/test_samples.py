#!/usr/bin/python3
"""npuquant.load_samples reads samples as `npuquant convert -d` does, on the
bundled demo model (no ../shared needed):
  - from a folder of BMP images: npuquant.convert on what it returns writes
    the same bytes as `npuquant convert -d FOLDER` with the same options
    (plain, and with --samples/--seed/--mean/--std/--resize crop);
  - a uniform gray image becomes value/255 everywhere with range "0..1"
    (the preprocessing arithmetic, checked independently);
  - a .npy stack comes back exactly; the reader's notes are warnings;
  - labels="folders[:MAP.txt]" gives each sample's class folder (name order,
    or the map's line), following samples/seed; a bad layout raises;
  - bad options and paths raise ValueError / NpuquantError naming them."""
import os
import struct
import subprocess
import tempfile
import warnings

import numpy as np

from pyhelpers import check, finish, npuquant

SOURCE = os.environ["NQ_SOURCE_DIR"]
CLI = os.environ["NQ_CLI"]
MODEL = os.path.join(SOURCE, "examples", "fashion", "fashion_cnn.tflite")


def write_bmp(path, rgb):
    """A 24-bit uncompressed BMP (rows bottom-up, BGR, padded to 4 bytes)."""
    h, w, _ = rgb.shape
    row = (w * 3 + 3) & ~3
    pixels = bytearray()
    for y in range(h - 1, -1, -1):
        line = rgb[y, :, ::-1].astype(np.uint8).tobytes()
        pixels += line + b"\0" * (row - len(line))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    with open(path, "wb") as f:
        f.write(header + info + bytes(pixels))


def same_as_cli(tmp, folder, cli_args, **kw):
    cli_out, py_out = os.path.join(tmp, "cli.tflite"), os.path.join(tmp, "py.tflite")
    r = subprocess.run([CLI, "convert", MODEL, "-d", folder, "-o", cli_out, "--quiet", "--npu", "none", "--recipe", "tf"] + cli_args,
                       capture_output=True, text=True)
    if not check(r.returncode == 0, f"CLI convert {cli_args}: exit {r.returncode} {r.stderr.strip()}"):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        samples = npuquant.load_samples(MODEL, folder, **kw)
    npuquant.convert(MODEL, samples).save(py_out)
    with open(cli_out, "rb") as a, open(py_out, "rb") as b:
        check(a.read() == b.read(), f"convert(load_samples({kw})) equals `npuquant convert {' '.join(cli_args)}`")


def main():
    rng = np.random.default_rng(11)
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "imgs")
        os.mkdir(folder)
        for i in range(7):
            h, w = 20 + 7 * i, 45 - 3 * i
            write_bmp(os.path.join(folder, f"img{i}.bmp"), rng.integers(0, 256, (h, w, 3)))
        with open(os.path.join(folder, "README.txt"), "w") as f:
            f.write("not an image\n")

        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            s = npuquant.load_samples(MODEL, folder, range="0..1")
        check(s.shape == (7, 1, 28, 28, 1) and s.dtype == np.float32, f"7 samples shaped like the input: {s.shape}")
        check(0.0 <= s.min() and s.max() <= 1.0 and s.std() > 0.05, "range 0..1 values, not constant")
        check(any("README.txt" in str(w.message) or "ignored" in str(w.message) for w in said),
              f"the ignored file is a warning: {[str(w.message) for w in said]}")

        same_as_cli(tmp, folder, ["--range", "0..1"], range="0..1")
        same_as_cli(tmp, folder, ["--samples", "4", "--seed", "7", "--mean", "120", "--std", "60", "--resize", "crop"],
                    samples=4, seed=7, mean=120, std=60, resize="crop")

        gray = os.path.join(tmp, "gray.bmp")
        write_bmp(gray, np.full((40, 30, 3), 100))
        g = npuquant.load_samples(MODEL, gray, range="0..1")
        check(g.shape == (1, 1, 28, 28, 1) and np.allclose(g, 100 / 255, atol=1e-6),
              f"a uniform gray 100 image is 100/255 everywhere: {g.min()}..{g.max()}")
        g = npuquant.load_samples(MODEL, gray, scale=2.0, offset=-1.0)
        check(np.allclose(g, 199.0), f"scale 2, offset -1: 199 everywhere: {g.min()}..{g.max()}")

        stack = rng.standard_normal((5, 28, 28, 1)).astype(np.float32)
        npy = os.path.join(tmp, "stack.npy")
        np.save(npy, stack)
        a = npuquant.load_samples(MODEL, npy)
        check(a.shape == (5, 1, 28, 28, 1) and np.array_equal(a.reshape(stack.shape), stack), ".npy stack exactly")

        classes = os.path.join(tmp, "classes")
        for name, count in (("dog", 3), ("Cat", 2), ("bird", 4)):  # byte order: Cat, bird, dog
            os.makedirs(os.path.join(classes, name))
            for i in range(count):
                write_bmp(os.path.join(classes, name, f"{i}.bmp"), rng.integers(0, 256, (30, 30, 3)))
        x, lab = npuquant.load_samples(MODEL, classes, labels="folders")
        check(x.shape[0] == 9 and lab.tolist() == [0, 0, 1, 1, 1, 1, 2, 2, 2],
              f"labels='folders': the folders in byte order (Cat, bird, dog): {lab.tolist()}")
        mapf = os.path.join(tmp, "map.txt")
        with open(mapf, "w") as f:
            f.write("bird\ndog\nCat\n")
        _, lab = npuquant.load_samples(MODEL, classes, labels="folders:" + mapf)
        check(lab.tolist() == [2, 2, 0, 0, 0, 0, 1, 1, 1], f"labels='folders:MAP': the map's lines: {lab.tolist()}")
        _, lab = npuquant.load_samples(MODEL, classes, labels="folders", samples=3, seed=5)
        full = [0, 0, 1, 1, 1, 1, 2, 2, 2]
        sub = npuquant.load_samples(MODEL, classes, samples=3, seed=5)
        allx = npuquant.load_samples(MODEL, classes)
        picked = [next(k for k in range(9) if np.array_equal(allx[k], s_)) for s_ in sub]
        check(lab.tolist() == [full[k] for k in picked], f"labels follow samples/seed: {lab.tolist()} at {picked}")

        def raises(fn, exc, words, what):
            try:
                fn()
            except exc as e:
                check(all(w in str(e) for w in words), f"{what}: {type(e).__name__} naming {words}: {e}")
                return
            except Exception as e:  # noqa: BLE001
                check(False, f"{what}: {type(e).__name__} instead of {exc.__name__}: {e}")
                return
            check(False, f"{what}: no error")

        raises(lambda: npuquant.load_samples(MODEL, os.path.join(tmp, "nope")), npuquant.NpuquantError, ["nope"],
               "missing path")
        raises(lambda: npuquant.load_samples(MODEL, folder, range="0..2"), ValueError, ["0..2"], "bad range")
        raises(lambda: npuquant.load_samples(MODEL, folder, resize="zoom"), ValueError, ["resize"], "bad resize")
        raises(lambda: npuquant.load_samples(MODEL, folder, input=1), ValueError, ["input"], "bad input index")
        raises(lambda: npuquant.load_samples(MODEL, folder, mean=[1, float("nan")]), ValueError, ["mean"], "NaN mean")
        raises(lambda: npuquant.load_samples(MODEL, folder, samples=0), ValueError, ["samples"], "zero samples")
        raises(lambda: npuquant.load_samples(MODEL, os.path.join(tmp, "cli.tflite")), npuquant.NpuquantError,
               ["cli.tflite"], "a file that is no data")
        os.makedirs(os.path.join(classes, "empty"))
        raises(lambda: npuquant.load_samples(MODEL, classes, labels="folders"), npuquant.NpuquantError,
               ["empty", "an empty class folder"], "an empty class folder")
        raises(lambda: npuquant.load_samples(MODEL, classes, labels="classes"), ValueError, ["labels"], "bad labels")
    return finish("test_samples")


if __name__ == "__main__":
    raise SystemExit(main())
