#!/usr/bin/python3
"""convert's data checks (src/calib/sample_checks.c), the CLI and Python
alike, on bundled models only (no ../shared needed):
  - the summary: one "npuquant: data:" line per input from the CLI and the
    same line in Converter.convert()'s report (count, shape, layout,
    per-channel min/mean/max checked against numpy);
  - wrong range: raw 0..255 pixels for a model without its own input
    normalisation warn (CLI stderr, NpuquantWarning), as resized images
    (not whole numbers) and as an integer .npy; 0..1 data does not warn;
  - constant samples warn, naming the first one;
  - NaN: refused with a message naming the sample (CLI: file and element);
  - wrong layout: NCHW arrays for an NHWC model warn in Python with the
    np.transpose that fixes them, and are refused by the CLI naming both
    shapes; moving only size-1 axes does not warn;
  - an image folder for an NCHW ONNX model: the channel order comes from
    the model, with a note saying so (it used to fail with "has 28 channels")."""
import json
import os
import subprocess
import tempfile
import warnings

import numpy as np

from pyhelpers import SOURCE, check, finish, npuquant
from test_samples import write_bmp

CLI = os.environ["NQ_CLI"]
ONNX = os.path.join(SOURCE, "examples", "fashion", "fashion_cnn.onnx")  # [1, 1, 28, 28], NCHW
NHWC3 = os.path.join(SOURCE, "tests", "golden", "vectors", "f_conv_same_s2_odd.tflite")  # [1, 9, 7, 3]


def cli_convert(tmp, model, data, *extra):
    out = os.path.join(tmp, "cli.tflite")
    r = subprocess.run([CLI, "convert", model, "-d", data, "-o", out, "--npu", "none"] + list(extra),
                       capture_output=True, text=True)
    lines = r.stderr.splitlines()
    return r.returncode, [ln[len("npuquant: data: "):] for ln in lines if ln.startswith("npuquant: data: ")], \
        [ln for ln in lines if ln.startswith("npuquant: warning: ")], r.stderr


def py_convert(model, data, **attrs):
    """(report or exception, warning texts) of Converter.convert()."""
    conv = npuquant.Converter.from_file(model)
    conv.representative_dataset = data
    conv.target = None
    for k, v in attrs.items():
        setattr(conv, k, v)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        try:
            result = conv.convert().report
        except npuquant.Error as e:
            result = e
    return result, [str(w.message) for w in said if issubclass(w.category, npuquant.NpuquantWarning)]


def main():
    rng = np.random.default_rng(5)
    x = rng.random((12, 1, 28, 28), dtype=np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        def npy(name, a):
            p = os.path.join(tmp, name)
            np.save(p, a)
            return p

        # The summary line, CLI and Python alike, against numpy.
        rc, data, warned, err = cli_convert(tmp, ONNX, npy("ok.npy", x))
        check(rc == 0 and len(data) == 1 and not warned, f"0..1 data: one data line, no warning: {err.strip()}")
        want = f"{x.min():.4g}/{x.mean():.4g}/{x.max():.4g}"
        check(data and "[1, 1, 28, 28] channels first (NCHW): 12 samples" in data[0] and want in data[0],
              f"the data line names shape, layout, count and min/mean/max {want}: {data}")
        rep, said = py_convert(ONNX, lambda: ([s[None]] for s in x))
        check(not isinstance(rep, Exception) and rep.data == data and not said,
              f"Converter.convert's report.data is the CLI's data line: {getattr(rep, 'data', rep)}")

        # Per-channel figures on a 3-channel NHWC input.
        y = (rng.normal(size=(6, 9, 7, 3)) * [1, 2, 3] + [0, 5, -5]).astype(np.float32)
        rep, said = py_convert(NHWC3, y)
        per = ", ".join(f"{y[..., c].min():.4g}/{y[..., c].mean():.4g}/{y[..., c].max():.4g}" for c in range(3))
        check(not isinstance(rep, Exception) and per in rep.data[0] and "channels last (NHWC)" in rep.data[0],
              f"per-channel min/mean/max {per}: {getattr(rep, 'data', rep)}")

        # Wrong range: raw pixels for a model that does not normalise its input.
        raw = np.round(x * 255)
        rc, data, warned, err = cli_convert(tmp, ONNX, npy("raw.npy", raw))
        check(rc == 0 and any("0..255 (raw pixels?)" in w and "--range 0..1" in w for w in warned),
              f"CLI: raw 0..255 .npy warns: {warned}")
        rep, said = py_convert(ONNX, raw)
        check(any("0..255 (raw pixels?)" in w and "divide by 255" in w for w in said),
              f"Python: raw 0..255 arrays warn (NpuquantWarning): {said}")
        check(not isinstance(rep, Exception) and rep.warnings == said, "the warnings are kept in the report")

        folder = os.path.join(tmp, "imgs")
        os.mkdir(folder)
        for i in range(5):
            write_bmp(os.path.join(folder, f"img{i}.bmp"), rng.integers(0, 256, (30 + 3 * i, 40, 3)))
        rc, data, warned, err = cli_convert(tmp, ONNX, folder)
        check(rc == 0 and any("raw pixels?" in w for w in warned),
              f"CLI: an image folder at the default range 0..255 (resized: not whole numbers) warns: {warned}")
        # The image folder for an NCHW model: the layout from the model, said once.
        check(f"{folder}: input 'input' is channels first (NCHW, read from the model)" in err,
              f"CLI: images for the NCHW ONNX model take its channel order and say so: {err.strip()[:300]}")
        rc, data, warned, err = cli_convert(tmp, ONNX, folder, "--range", "0..1")
        check(rc == 0 and not warned and data and "5 samples" in data[0],
              f"CLI: the same images with --range 0..1: no warning: {warned}")
        s = npuquant.load_samples(ONNX, folder, range="0..1")
        check(s.shape == (5, 1, 1, 28, 28), f"load_samples on the NCHW model: NCHW samples {s.shape}")

        # Constant samples.
        c = x.copy()
        c[4] = 0.25
        c[9] = 0.0
        rc, data, warned, err = cli_convert(tmp, ONNX, npy("const.npy", c))
        check(rc == 0 and any("2 of 12 samples are constant" in w and "const.npy[4]" in w for w in warned),
              f"CLI: constant samples warn, naming the first: {warned}")
        rep, said = py_convert(ONNX, c)
        check(any("2 of 12 samples are constant" in w and "sample 4" in w for w in said),
              f"Python: constant samples warn: {said}")

        # NaN: refused, naming where.
        n = x.copy()
        n[7, 0, 3, 5] = np.nan
        rc, data, warned, err = cli_convert(tmp, ONNX, npy("nan.npy", n))
        check(rc != 0 and "nan.npy" in err and "NaN" in err and "[7, 0, 3, 5]" in err,
              f"CLI: a NaN in the .npy is refused naming file and element: {err.strip()}")
        rep, said = py_convert(ONNX, n)
        check(isinstance(rep, npuquant.NumericError) and isinstance(rep, npuquant.ConvertError)
              and "NaN" in str(rep) and "sample 7" in str(rep),
              f"Python: NaN raises NumericError naming the sample: {type(rep).__name__}: {rep}")
        check(any("NaN or infinite" in w for w in said), f"Python: the NaN warning comes before the error: {said}")

        # Wrong layout: NCHW arrays for an NHWC model.
        nchw = np.ascontiguousarray(y.transpose(0, 3, 1, 2))
        rep, said = py_convert(NHWC3, nchw)
        check(any("per-sample shape [3, 9, 7]" in w and "np.transpose(x, (0, 2, 3, 1))" in w for w in said),
              f"Python: NCHW arrays for an NHWC model warn with the fix: {said}")
        rep, said = py_convert(NHWC3, lambda: ([s[None]] for s in nchw))
        check(any("per-sample shape [3, 9, 7]" in w for w in said), f"Python: likewise from a generator: {said}")
        rc, data, warned, err = cli_convert(tmp, NHWC3, npy("nchw.npy", nchw))
        check(rc != 0 and "[6, 3, 9, 7]" in err and "[1, 9, 7, 3]" in err,
              f"CLI: NCHW .npy for an NHWC model is refused naming both shapes: {err.strip()}")
        rep, said = py_convert(ONNX, x.transpose(0, 2, 3, 1))
        check(not any("axis order" in w for w in said), f"only size-1 axes moved: no layout warning: {said}")

        # A model that normalises its input itself (torch: x / 255 - 0.5 before the first conv).
        try:
            import torch
        except ImportError:
            torch = None
        if torch is None:
            check(os.environ.get("CI") != "true", "python3-torch for the self-normalising model (CI=true needs it)")
            print("SKIP (part): python3-torch is not installed")
        else:
            class Net(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    torch.manual_seed(1)
                    self.conv = torch.nn.Conv2d(3, 4, 3)

                def forward(self, t):
                    return torch.relu(self.conv(t / 255.0 - 0.5))

            onnx = os.path.join(tmp, "selfnorm.onnx")
            npuquant.Converter.from_torch(Net(), torch.zeros(1, 3, 12, 10), onnx_path=onnx)
            pixels = rng.integers(0, 256, (6, 3, 12, 10)).astype(np.float32)
            rep, said = py_convert(onnx, pixels)
            check(not isinstance(rep, Exception) and not said and "channels first (NCHW)" in rep.data[0]
                  and any("normalises its input itself (MUL '/Div')" in d for d in rep.data),
                  f"raw pixels for a model dividing by 255 itself: a note, no warning, NCHW seen through the "
                  f"arithmetic before the TRANSPOSE: {getattr(rep, 'data', rep)} {said}")
            rc, data, warned, err = cli_convert(tmp, onnx, folder)
            check(rc == 0 and not warned and "channels first (NCHW, read from the model)" in err,
                  f"CLI: images for it take the NCHW order, no warning: {err.strip()[:400]}")
            # Raw bytes as the uint8 input: one mean/std for the 3 channels maps, differing ones do not.
            rc, data, warned, err = cli_convert(tmp, onnx, folder, "--input-type", "uint8", "--mean", "127",
                                                "--std", "64")
            r = subprocess.run([CLI, "inspect", os.path.join(tmp, "cli.tflite"), "--json"], capture_output=True,
                               text=True)
            qi = json.loads(r.stdout)["inputs"][0] if r.returncode == 0 else {}
            check(rc == 0 and qi.get("scale") == [1 / 64] and qi.get("zero_point") == [127],
                  f"CLI: --input-type uint8 --mean 127 --std 64 on NCHW images: scale 1/64, zero point 127 ({qi})")
            rc, data, warned, err = cli_convert(tmp, onnx, folder, "--input-type", "uint8", "--mean", "127,120,110",
                                                "--std", "64")
            check(rc == 0 and any("per-channel mean/std differ" in w for w in warned),
                  f"CLI: per-channel means on NCHW images: raw bytes cannot map, said: {warned}")
    return finish("python_data_checks")


if __name__ == "__main__":
    raise SystemExit(main())
