"""npuquant: turn a float32 model into a fully int8 TensorFlow Lite model for
an NPU (i.MX 8M Plus, Ethos-U, Edge TPU). A thin binding (ctypes + numpy)
over libnpuquant: the same library, and the same results, as the CLI.

    import numpy as np, npuquant

    # 1. Load: .tflite, Keras .h5/.keras, SavedModel, frozen .pb, ONNX.
    m = npuquant.Model("net.onnx", input_shapes={"input": (1, 3, 224, 224)})
    m.inputs, m.outputs      # [{name, shape, dtype, scale, zero_point, ...}]
    m.ops                    # [{op, version, count}], as `inspect --json`

    # 2. Quantize with representative samples (float32, preprocessed as in
    #    training): an array [N, *input_shape], or one such array per input;
    #    load_samples reads image folders, .npy and .npz as `convert -d` does.
    samples = npuquant.load_samples(m, "photos/", range="0..1")
    q = npuquant.convert(m, samples)
    q.save("net_int8.tflite")

    # 3. Check it: accuracy against the float model, and the NPU's view.
    r = npuquant.compare(m, q, samples[:50], per_layer=True)
    r["outputs"][0]["sqnr_db"], r["outputs"][0]["top1_agreement"]
    q.npu_report("imx8mp")["cpu_fallback_nodes"]    # 0: all on the NPU

    # Run either model; keep_tensors=True also returns every intermediate.
    y = m.run([x])
    y, values = q.run([xq], keep_tensors=True)

Models from PyTorch: export to ONNX (torch.onnx.export), then load with
input_shapes= for dynamic dimensions and nhwc_input=True for channels-last
input. Errors from the library raise NpuquantError (InvalidArgumentError,
also a ValueError, for a refused argument) with the library's message, which
names the file, node or tensor and what was expected.

The library is found through $NPUQUANT_LIB, else next to this package in the
source tree's build/ folder, else by the system loader (libnpuquant.so.0).
See docs/python.md.
"""
from ._native import InvalidArgumentError, NpuquantError
from ._native import lib as _lib
from ._native import text as _text
from .model import Model
from .quantize import NpuquantWarning, compare, convert
from .samples import load_samples

# Show the public names as npuquant.X (help(), tracebacks), not by the file defining them.
for _cls in (Model, NpuquantError, InvalidArgumentError, NpuquantWarning):
    _cls.__module__ = __name__
del _cls

__all__ = ["Model", "convert", "compare", "load_samples", "npu_targets", "NpuquantError", "InvalidArgumentError", "NpuquantWarning"]


def npu_targets():
    """The NPU targets Model.npu_report() knows: ["imx8mp", "ethos-u", "edgetpu"]."""
    return [t.strip() for t in _text(_lib.nq_npu_targets()).split(",")]
