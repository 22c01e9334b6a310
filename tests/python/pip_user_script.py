"""What a user writes after `pip install .` (run by test_pip_install.py with
the venv's python, from a folder outside the source tree, without PYTHONPATH
or NPUQUANT_LIB): the TFLiteConverter way, on three sources.

    python pip_user_script.py OUT ONNX CALIB_ONNX.npy CALIB_TORCH.npy [KERAS.h5 CALIB_KERAS.npy]

Writes OUT/onnx_uint8.tflite (ONNX, a generator, uint8 input),
OUT/torch.onnx + OUT/torch_int8.tflite (a torch.nn.Module built here,
percentile calibration) and OUT/keras_int8.tflite (per-tensor), and prints
where npuquant was imported from."""
import os
import sys

import numpy as np
import torch

import npuquant

out, onnx_path = sys.argv[1], sys.argv[2]
calib_onnx, calib_torch = np.load(sys.argv[3]), np.load(sys.argv[4])
print("npuquant from", os.path.dirname(npuquant.__file__))


# 1. ONNX: a Python generator as representative data, a uint8 input.
def representative_dataset():
    for x in calib_onnx:
        yield [x[None]]


conv = npuquant.Converter.from_onnx(onnx_path)
conv.optimizations = ["DEFAULT"]  # TFLiteConverter code sets this; npuquant always quantizes fully
conv.representative_dataset = representative_dataset
conv.inference_input_type = np.uint8
tflite = conv.convert()
with open(os.path.join(out, "onnx_uint8.tflite"), "wb") as f:
    f.write(tflite)
print(tflite.report)


# 2. A torch.nn.Module, exported through torch.onnx.export.
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, stride=2)
        self.fc = torch.nn.Linear(16, 5)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv1(x)))
        x = torch.relu(self.conv2(x))
        return self.fc(x.mean(dim=(2, 3)))


conv = npuquant.Converter.from_torch(Net(), torch.zeros(1, 3, 16, 16), onnx_path=os.path.join(out, "torch.onnx"))
conv.representative_dataset = lambda: ([x[None]] for x in calib_torch)
conv.calibration = "percentile:99.9"
conv.convert().save(os.path.join(out, "torch_int8.tflite"))

# 3. A Keras .h5.
if len(sys.argv) > 6:
    calib_keras = np.load(sys.argv[6])
    conv = npuquant.Converter.from_keras_file(sys.argv[5])
    conv.representative_dataset = lambda: ([x[None]] for x in calib_keras)
    conv.per_tensor = True
    conv.convert().save(os.path.join(out, "keras_int8.tflite"))
print("done")
