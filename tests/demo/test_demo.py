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

SOURCE = os.environ["NQ_SOURCE_DIR"]
CLI = os.environ["NQ_CLI"]
EX = os.path.join(SOURCE, "examples", "fashion")


def run(*args):
    p = subprocess.run(list(args), capture_output=True, text=True)
    if p.returncode != 0:
        print(f"FAIL: {' '.join(args)}\n{p.stdout}{p.stderr}")
        sys.exit(1)
    return p.stdout


def main():
    if not os.path.exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"):
        if os.environ.get("CI") == "true":
            print("FAIL: dataset-fashion-mnist is not installed (scripts/setup.sh installs it)")
            return 1
        print("SKIP: dataset-fashion-mnist is not installed (scripts/setup.sh installs it)")
        return 77
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        run("/usr/bin/python3", os.path.join(EX, "prepare_data.py"), tmp, "--calib", "300")
        out = os.path.join(tmp, "int8.tflite")
        run(CLI, "convert", os.path.join(EX, "fashion_cnn.onnx"), "-d", os.path.join(tmp, "calib.npy"), "-o", out,
            "--quiet")
        rep = json.loads(run(CLI, "compare", os.path.join(EX, "fashion_cnn.onnx"), out, "-d",
                             os.path.join(tmp, "test.npy"), "--samples", "10000", "--labels",
                             os.path.join(tmp, "test_labels.npy"), "--json", "--quiet"))
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
        tf = json.loads(run(CLI, "compare", os.path.join(EX, "fashion_cnn.onnx"), os.path.join(EX, "fashion_cnn.tflite"),
                            "-d", os.path.join(tmp, "calib.npy"), "--json", "--quiet"))["outputs"][0]
        print(f"fashion_cnn.onnx vs fashion_cnn.tflite: max |diff| {tf['max_abs_error']:.3g}")
        if tf["max_abs_error"] > 1e-5:
            failures.append(f"the ONNX and TFLite demo models differ by {tf['max_abs_error']}")
    for f in failures:
        print("FAIL: " + f)
    print("demo: " + ("FAILED" if failures else "all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
