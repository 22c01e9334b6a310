#!/usr/bin/env bash
# The README's main job on the bundled example, from scratch:
#  1. set up the machine and build npuquant;
#  2. make the data sets from Debian's dataset-fashion-mnist (300 training
#     images for calibration, the 10,000 test images for evaluation);
#  3. convert the bundled float model examples/fashion/fashion_cnn.onnx (the
#     PyTorch route: trained with torch, exported to ONNX) to a fully int8 .tflite;
#  4. evaluate float and int8 on all 10,000 test images with npuquant's own
#     executors and print both accuracies and the model sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
out=${DEMO_OUT:-out/demo}

scripts/setup.sh --demo
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" --target npuquant npuquant_shared

mkdir -p "$out"
/usr/bin/python3 examples/fashion/prepare_data.py "$out" --calib 300
echo
echo "== npuquant convert (300 training images calibrate the activation ranges)"
build/npuquant convert examples/fashion/fashion_cnn.onnx -d "$out/calib.npy" -o "$out/fashion_cnn_int8.tflite"
echo
echo "== npuquant compare on the 10,000 Fashion-MNIST test images"
build/npuquant compare examples/fashion/fashion_cnn.onnx "$out/fashion_cnn_int8.tflite" \
  -d "$out/test.npy" --samples 10000 --labels "$out/test_labels.npy"
echo
echo "int8 model written to $out/fashion_cnn_int8.tflite"
