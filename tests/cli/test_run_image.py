#!/usr/bin/python3
"""`npuquant run -i IMAGE` with preprocessing options: a float model and its int8 model,
fed the same photo through --range 0..1, agree (the int8 input is quantized with the
model's own input parameters), and the int8 result equals feeding the same preprocessed
pixels as a .npy. With ../shared: TF's float and int8 VWW on a real photo. Without it (CI
unset): the committed Fashion-MNIST float network and its int8 model written by our own
`convert`, on a synthetic grey picture (the properties hold on any picture)."""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402


def run(*args):
    return oracles.cli("run", *args)


def material(tmp):
    """(float model, int8 model, image, a file that is neither image nor .npy)."""
    if oracles.shared_present():
        models = oracles.model("mlperf-tiny-vww")
        img = os.path.join(oracles.shared_dir(), "data", "tflm-person_detection", "person.bmp")
        return (os.path.join(models, "vww_96_float.tflite"), os.path.join(models, "vww_96_int8.tflite"), img,
                os.path.join(models, "vww_96.h5"))
    fashion = os.path.join(oracles.SOURCE_DIR, "examples", "fashion", "fashion_cnn.tflite")
    print("NOTE: ../shared is absent: %s and its int8 model from `convert`, a synthetic picture" % fashion)
    cal = np.random.default_rng(5).random((32, 28, 28, 1), dtype=np.float32)
    cal[0], cal[1] = 0.0, 1.0  # the input range is exactly the pixels' 0..1
    np.save(os.path.join(tmp, "cal.npy"), cal)
    q = os.path.join(tmp, "fashion_int8.tflite")
    oracles.cli("convert", fashion, "-d", os.path.join(tmp, "cal.npy"), "-o", q, check=True)
    img = oracles.standin_photo(os.path.join(tmp, "picture.png"), 56, 56, seed=3, gray=True)
    return fashion, q, img, os.path.join(oracles.SOURCE_DIR, "examples", "fashion", "fashion_cnn.json")


def main():
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        fmodel, qmodel, img, not_image = material(tmp)
        facts = oracles.tflite_facts(qmodel)
        (s_in,), (z_in,) = facts["inputs"][0]["scale"], facts["inputs"][0]["zero_point"]
        (s_out,), (z_out,) = facts["outputs"][0]["scale"], facts["outputs"][0]["zero_point"]
        f = run(fmodel, "-i", img, "--range", "0..1", "-o", f"{tmp}/f")
        q = run(qmodel, "-i", img, "--range", "0..1", "-o", f"{tmp}/q")
        if f.returncode or q.returncode:
            print(f"FAIL: run failed: {f.stderr}{q.stderr}")
            return 1
        yf = np.load(f"{tmp}/f.out0.npy")
        yq = (np.load(f"{tmp}/q.out0.npy").astype(np.float32) - z_out) * np.float32(s_out)
        print(f"float {yf.ravel()}, int8 {yq.ravel()}")
        if np.max(np.abs(yf - yq)) > 0.05 or np.argmax(yf) != np.argmax(yq):
            failures.append("float and int8 models disagree on the same photo")
        # the same pixels as an int8 .npy give the same int8 output
        dump = run(fmodel, "-i", img, "--range", "0..1", "-o", f"{tmp}/d", "--tensors", f"{tmp}/t")
        x = [n for n in os.listdir(f"{tmp}/t") if n.startswith("0_")]
        if dump.returncode or not x:
            failures.append(f"--tensors dump failed: {dump.stderr}")
        else:
            xf = np.load(os.path.join(tmp, "t", x[0]))
            xq = np.clip(np.floor(xf / np.float32(s_in) + 0.5) + z_in, -128, 127).astype(np.int8)
            np.save(f"{tmp}/x.npy", xq)
            r = run(qmodel, "-i", f"{tmp}/x.npy", "-o", f"{tmp}/n")
            if r.returncode or not np.array_equal(np.load(f"{tmp}/n.out0.npy"), np.load(f"{tmp}/q.out0.npy")):
                failures.append("image input and the equivalent .npy give different int8 outputs")
        bad = run(fmodel, "-i", not_image, "-o", f"{tmp}/b")
        if bad.returncode == 0 or os.path.basename(not_image) not in bad.stderr:
            failures.append(f"a non-image, non-.npy input should fail naming it: {bad.stderr!r}")
    return oracles.report("cli_run_image", failures)


if __name__ == "__main__":
    oracles.main(main)
