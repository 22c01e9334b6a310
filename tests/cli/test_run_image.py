#!/usr/bin/python3
"""`npuquant run -i IMAGE` with preprocessing options: the float VWW model and
TensorFlow's int8 VWW model, fed the same photo through --range 0..1, agree
(the int8 input is quantized with the model's own input parameters), and the
int8 result equals feeding the same preprocessed pixels as a .npy."""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402


def run(*args):
    return oracles.cli("run", *args)


def main():
    models = oracles.model("mlperf-tiny-vww")
    shared = oracles.shared_dir()
    img = os.path.join(shared, "data", "tflm-person_detection", "person.bmp")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        f = run(os.path.join(models, "vww_96_float.tflite"), "-i", img, "--range", "0..1", "-o", f"{tmp}/f")
        q = run(os.path.join(models, "vww_96_int8.tflite"), "-i", img, "--range", "0..1", "-o", f"{tmp}/q")
        if f.returncode or q.returncode:
            print(f"FAIL: run failed: {f.stderr}{q.stderr}")
            return 1
        yf = np.load(f"{tmp}/f.out0.npy")
        yq = (np.load(f"{tmp}/q.out0.npy").astype(np.float32) + 128) / 256.0
        print(f"float {yf.ravel()}, int8 {yq.ravel()}")
        if np.max(np.abs(yf - yq)) > 0.05 or np.argmax(yf) != np.argmax(yq):
            failures.append("float and int8 VWW disagree on the same photo")
        # the same pixels as an int8 .npy give the same int8 output
        dump = run(os.path.join(models, "vww_96_float.tflite"), "-i", img, "--range", "0..1", "-o", f"{tmp}/d",
                   "--tensors", f"{tmp}/t")
        x = [n for n in os.listdir(f"{tmp}/t") if n.startswith("0_")]
        if dump.returncode or not x:
            failures.append(f"--tensors dump failed: {dump.stderr}")
        else:
            xf = np.load(os.path.join(tmp, "t", x[0]))
            xq = np.clip(np.floor(xf / np.float32(0.00392156886) + 0.5) - 128, -128, 127).astype(np.int8)
            np.save(f"{tmp}/x.npy", xq)
            r = run(os.path.join(models, "vww_96_int8.tflite"), "-i", f"{tmp}/x.npy", "-o", f"{tmp}/n")
            if r.returncode or not np.array_equal(np.load(f"{tmp}/n.out0.npy"), np.load(f"{tmp}/q.out0.npy")):
                failures.append("image input and the equivalent .npy give different int8 outputs")
        bad = run(os.path.join(models, "vww_96_float.tflite"), "-i", os.path.join(shared, "models", "mlperf-tiny-vww",
                  "vww_96.h5"), "-o", f"{tmp}/b")
        if bad.returncode == 0 or "vww_96.h5" not in bad.stderr:
            failures.append(f"a non-image, non-.npy input should fail naming it: {bad.stderr!r}")
    return oracles.report("cli_run_image", failures)


if __name__ == "__main__":
    oracles.main(main)
