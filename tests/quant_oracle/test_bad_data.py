#!/usr/bin/python3
"""Bad representative data sets: each gives one clear error line naming the
problem (and the file), a nonzero exit, and no output file left behind.
Uses the bundled demo model (no ../shared needed)."""
import os
import shutil
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

MODEL = os.path.join(oracles.SOURCE_DIR, "examples", "fashion", "fashion_cnn.tflite")


def main():
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty")
        os.makedirs(empty)
        wrong = os.path.join(tmp, "wrong.npy")
        np.save(wrong, np.zeros((4, 32, 32, 3), np.float32))
        nan = os.path.join(tmp, "nan.npy")
        x = np.zeros((3, 28, 28, 1), np.float32)
        x[1, 5, 7, 0] = np.nan
        np.save(nan, x)
        jpegs = os.path.join(tmp, "jpegs")
        os.makedirs(jpegs)
        try:
            from PIL import Image
            Image.new("L", (28, 28), 128).save(os.path.join(jpegs, "a_good.jpg"))
            data = open(os.path.join(jpegs, "a_good.jpg"), "rb").read()
            with open(os.path.join(jpegs, "b_corrupt.jpg"), "wb") as f:
                f.write(data[: len(data) // 2])
        except ImportError:
            print("FAIL: python3-pil is missing (scripts/setup.sh installs it)")
            return 1
        cases = [
            ("empty folder", empty, ["empty"]),
            ("wrong shape", wrong, ["wrong.npy", "28"]),
            ("NaN in .npy", nan, ["nan.npy", "NaN"]),
            ("corrupt JPEG", jpegs, ["b_corrupt.jpg"]),
            ("missing path", os.path.join(tmp, "nope"), ["nope"]),
        ]
        for name, data_path, needles in cases:
            out = os.path.join(tmp, "out.tflite")
            p = oracles.cli("convert", MODEL, "-d", data_path, "-o", out, "--quiet")
            lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
            ok = (p.returncode != 0 and len(lines) == 1 and lines[0].startswith("npuquant: ")
                  and all(n.lower() in lines[0].lower() for n in needles) and not os.path.exists(out)
                  and not [f for f in os.listdir(tmp) if f.startswith("out.tflite")])
            print(f"{name:14} exit {p.returncode}: {lines[0] if lines else '(no message)'}")
            if not ok:
                failures.append(f"{name}: expected one error line naming {needles}, nonzero exit, no output file;"
                                f" got exit {p.returncode}, stderr {p.stderr!r}")
        # -o naming an input: refused, and the input is left as it was
        model_copy = os.path.join(tmp, "model.tflite")
        shutil.copy(MODEL, model_copy)
        good = os.path.join(tmp, "good.npy")
        np.save(good, np.random.default_rng(0).uniform(0, 1, (4, 28, 28, 1)).astype(np.float32))
        for name, target in (("-o = the model", model_copy), ("-o = the data", good)):
            before = open(target, "rb").read()
            p = oracles.cli("convert", model_copy, "-d", good, "-o", target, "--quiet")
            print(f"{name:14} exit {p.returncode}: {p.stderr.strip()}")
            if p.returncode == 0 or "refusing" not in p.stderr or open(target, "rb").read() != before:
                failures.append(f"{name}: the input was not protected (exit {p.returncode})")
    return oracles.report("quant_bad_data", failures)


if __name__ == "__main__":
    oracles.main(main)
