#!/usr/bin/python3
"""The README demo, end to end, without ../shared: data sets from Debian's
dataset-fashion-mnist, the bundled ONNX model converted to int8 with 300
training images, both models evaluated on all 10,000 test images. Checks:
the float accuracy equals torch's own (recorded by train_export.py), the int8
accuracy is within 1 percentage point of it, and the ONNX and TFLite forms of
the bundled model agree."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

EX = os.path.join(oracles.SOURCE_DIR, "examples", "fashion")


def main():
    if not os.path.exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"):
        oracles.skip("dataset-fashion-mnist is not installed (scripts/setup.sh installs it)")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([oracles.PY, os.path.join(EX, "prepare_data.py"), tmp, "--calib", "300"], check=True)
        out = os.path.join(tmp, "int8.tflite")
        oracles.cli("convert", os.path.join(EX, "fashion_cnn.onnx"), "-d", os.path.join(tmp, "calib.npy"), "-o", out,
                    "--quiet", check=True)
        rep = oracles.cli_json("compare", os.path.join(EX, "fashion_cnn.onnx"), out, "-d",
                               os.path.join(tmp, "test.npy"), "--samples", "10000", "--labels",
                               os.path.join(tmp, "test_labels.npy"), "--quiet")
        o = rep["outputs"][0]
        fa, qa = o["float_accuracy"], o["int8_accuracy"]
        torch_acc = json.load(open(os.path.join(EX, "fashion_cnn.json")))["torch_test_accuracy"]
        print(f"10,000 test images: float {100 * fa:.2f}%, int8 {100 * qa:.2f}%, torch {100 * torch_acc:.2f}%,"
              f" {o['samples']} samples")
        if o["samples"] != 10000:
            failures.append(f"evaluated {o['samples']} samples, not 10000")
        if abs(fa - torch_acc) > 0.0015:
            failures.append(f"float accuracy {fa:.4f} differs from torch's {torch_acc:.4f}")
        if abs(fa - qa) > 0.01:
            failures.append(f"int8 accuracy {qa:.4f} is more than 1 point from float {fa:.4f}")
        # the ONNX and TFLite forms of the bundled model compute the same function
        tf = oracles.cli_json("compare", os.path.join(EX, "fashion_cnn.onnx"), os.path.join(EX, "fashion_cnn.tflite"),
                              "-d", os.path.join(tmp, "calib.npy"), "--quiet")["outputs"][0]
        print(f"fashion_cnn.onnx vs fashion_cnn.tflite: max |diff| {tf['max_abs_error']:.3g}")
        if tf["max_abs_error"] > 1e-5:
            failures.append(f"the ONNX and TFLite demo models differ by {tf['max_abs_error']}")
    return oracles.report("demo", failures)


if __name__ == "__main__":
    oracles.main(main)
