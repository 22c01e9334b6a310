"""npuquant: turn a float32 model into a fully int8 TensorFlow Lite model for
an NPU (i.MX 8M Plus, Ethos-U, Edge TPU). A thin binding (ctypes + numpy)
over libnpuquant: the same library, and the same results, as the CLI.

    import numpy as np, npuquant

    # The TFLiteConverter way (see help(npuquant.Converter)):
    conv = npuquant.Converter.from_onnx("net.onnx")      # or from_file, from_keras_file,
    conv.representative_dataset = lambda: ([x[None]] for x in calib)   # from_torch, ...
    conv.inference_input_type = np.uint8
    tflite = conv.convert()                  # the int8 .tflite's bytes
    open("net_int8.tflite", "wb").write(tflite)
    print(tflite.report)                     # SQNR per output, NPU report, data summary

    # The functional way, step by step:
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

Models from PyTorch: Converter.from_torch(module, example_inputs) exports
through torch.onnx.export. Errors from the library raise npuquant.Error
subclasses (FormatError, InvalidArgument (also a ValueError), ...; LoadError
and ConvertError by stage) with the library's message, which names the file,
node or tensor and what was expected. Models are safe to share between
threads (see help(npuquant.Model)).

The library is found through $NPUQUANT_LIB, else beside this package (pip
install . puts it there), else in the source tree's build/ folder, else by
the system loader (libnpuquant.so.0, after cmake --install).
See docs/python.md.
"""
from ._native import lib as _lib
from ._native import text as _text
from .converter import ConversionReport, ConvertedModel, Converter
from .errors import (ConvertError, Error, FileError, FormatError, InternalError, InvalidArgument,
                     InvalidArgumentError, LoadError, NpuquantError, NumericError, OutOfMemoryError, ShapeError,
                     UnsupportedError)
from .model import Model
from .quantize import compare, convert
from .representative import NpuquantWarning
from .samples import load_samples

# Show the public names as npuquant.X (help(), tracebacks), not by the file defining them.
for _cls in (Model, Converter, ConversionReport, ConvertedModel, NpuquantWarning, Error, FileError, FormatError,
             UnsupportedError, InvalidArgument, OutOfMemoryError, ShapeError, NumericError, InternalError, LoadError,
             ConvertError):
    _cls.__module__ = __name__
del _cls

__all__ = ["Converter", "ConversionReport", "ConvertedModel", "Model", "convert", "compare", "load_samples",
           "npu_targets", "set_memory_limit", "memory_limit", "NpuquantWarning", "Error", "FileError", "FormatError", "UnsupportedError",
           "InvalidArgument", "OutOfMemoryError", "ShapeError", "NumericError", "InternalError", "LoadError",
           "ConvertError", "NpuquantError", "InvalidArgumentError"]
__version__ = "0.1.0"


def npu_targets():
    """The NPU targets Model.npu_report() knows: ["imx8mp", "ethos-u", "edgetpu"]."""
    return [t.strip() for t in _text(_lib.nq_npu_targets()).split(",")]


def set_memory_limit(nbytes):
    """The process-wide budget for model-sized memory (constants, folded
    constants, decoded archive members, activations, samples), as the CLI's
    --max-memory: a model needing more raises npuquant.OutOfMemoryError
    naming the node or tensor. None restores the default (half of physical
    memory). At least 1 MiB, as --max-memory. Untrusted models are the
    reason to lower it."""
    if nbytes is None:
        nbytes = 0
    elif isinstance(nbytes, bool) or not isinstance(nbytes, int) or nbytes < 2 ** 20:
        raise InvalidArgument(4, f"set_memory_limit: a number of bytes of at least 1 MiB (1048576), or None "
                                 f"(the default), expected, got {nbytes!r}", "invalid argument")
    _lib.nq_set_memory_limit(min(nbytes, 2 ** 64 - 1))


def memory_limit():
    """The memory budget in force, in bytes (see set_memory_limit)."""
    return int(_lib.nq_memory_limit())
