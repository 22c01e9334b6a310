#!/usr/bin/python3
"""Every wrong argument to the binding raises an exception that names the
problem (ValueError / TypeError from the binding's own checks, NpuquantError
with the library's message otherwise), and never crashes the process; run
under ASan+UBSan this also checks the library's side. Bundled demo model
only (no ../shared needed). Ends with help(npuquant) teaching the API."""
import io
import os
import pydoc
import sys
import tempfile
import warnings

import numpy as np

from pyhelpers import SOURCE, check, finish, npuquant

MODEL = os.path.join(SOURCE, "examples", "fashion", "fashion_cnn.tflite")


def raises(what, call, exc, words):
    try:
        call()
        return check(False, f"{what} raises {exc.__name__}")
    except exc as e:
        return check(all(w in str(e) for w in words), f"{what}: {exc.__name__}: {e}")


def main():
    m = npuquant.Model(MODEL)
    x = np.zeros((1, 28, 28, 1), np.float32)
    samples = np.random.default_rng(1).uniform(0, 1, size=(8, 1, 28, 28, 1)).astype(np.float32)
    q = npuquant.convert(m, samples)
    with tempfile.TemporaryDirectory() as tmp:
        garbage = os.path.join(tmp, "garbage.tflite")
        with open(garbage, "wb") as f:
            f.write(b"\x1c\x00\x00\x00TFL3" + bytes(range(256)) * 4)
        truncated = os.path.join(tmp, "truncated.tflite")
        with open(MODEL, "rb") as f, open(truncated, "wb") as g:
            g.write(f.read()[:300])
        text = os.path.join(tmp, "notes.txt")
        with open(text, "w") as f:
            f.write("not a model\n")
        cases = [
            # loading
            ("Model(None)", lambda: npuquant.Model(None), TypeError, ["path"]),
            ("Model(42)", lambda: npuquant.Model(42), TypeError, ["path", "int"]),
            ("a missing file", lambda: npuquant.Model(os.path.join(tmp, "missing.tflite")), npuquant.NpuquantError,
             ["missing.tflite", "cannot open"]),
            ("a directory", lambda: npuquant.Model(tmp), npuquant.NpuquantError, [tmp]),
            ("a text file", lambda: npuquant.Model(text), npuquant.NpuquantError, ["notes.txt", "not a model"]),
            ("a corrupt .tflite", lambda: npuquant.Model(garbage), npuquant.NpuquantError, ["garbage.tflite"]),
            ("a truncated .tflite", lambda: npuquant.Model(truncated), npuquant.NpuquantError, ["truncated.tflite"]),
            ("an unknown load option", lambda: npuquant.Model(MODEL, input_shape="x:1"), TypeError, ["input_shape"]),
            ("an empty signature", lambda: npuquant.Model(MODEL, signature=""), ValueError, ["signature"]),
            # running
            ("run() with two arrays", lambda: m.run([x, x]), ValueError, ["1 inputs", "2 arrays"]),
            ("run() with a wrong shape", lambda: m.run([x[:, :27]]), ValueError, ["[1, 28, 28, 1]", "[1, 27, 28, 1]"]),
            ("run() with float64", lambda: m.run([x.astype(np.float64)]), ValueError, ["float64"]),
            ("run() of an int8 model with floats", lambda: q.run([x]), ValueError, ["int8", "float32"]),
            ("run() with a dict", lambda: m.run({"input": x}), TypeError, ["list"]),
            ("run() with negative threads", lambda: m.run([x], num_threads=-1), ValueError, ["num_threads"]),
            # NPU report
            ("an unknown NPU target", lambda: q.npu_report("tpu9000"), npuquant.InvalidArgumentError,
             ["tpu9000", "imx8mp", "ethos-u", "edgetpu"]),
            ("an unknown NPU target is a ValueError", lambda: q.npu_report("IMX8MP"), ValueError, ["IMX8MP"]),
            ("a non-string NPU target", lambda: q.npu_report(None), TypeError, ["target"]),
            # saving
            ("save(None)", lambda: q.save(None), TypeError, ["path"]),
            ("save over the source", lambda: q.save(MODEL), npuquant.NpuquantError, ["fashion_cnn.tflite"]),
            ("save into a missing folder", lambda: q.save(os.path.join(tmp, "no", "dir", "q.tflite")),
             npuquant.NpuquantError, ["q.tflite"]),
            # convert
            ("convert with input_type='int4'", lambda: npuquant.convert(m, samples, input_type="int4"), ValueError,
             ["input_type", "int4"]),
            ("convert with calibration='best'", lambda: npuquant.convert(m, samples, calibration="best"), ValueError,
             ["calibration", "best"]),
            ("convert with a bad percentile", lambda: npuquant.convert(m, samples, calibration="percentile",
                                                                       percentile=20), npuquant.NpuquantError,
             ["percentile", "20"]),
            ("convert with input_mean only", lambda: npuquant.convert(m, samples, input_type="uint8", input_mean=0),
             ValueError, ["input_std"]),
            ("convert with input_std 0", lambda: npuquant.convert(m, samples, input_type="uint8", input_mean=0,
                                                                  input_std=0), ValueError, ["input_std"]),
            ("convert with samples of the wrong size", lambda: npuquant.convert(m, samples[:, :, :5]), ValueError,
             ["784"]),
            ("convert with no samples", lambda: npuquant.convert(m, samples[:0]), ValueError, ["no samples"]),
            ("convert with a scalar", lambda: npuquant.convert(m, 3.0), ValueError, ["no samples"]),
            ("convert of a number", lambda: npuquant.convert(7, samples), TypeError, ["model"]),
            ("convert of a Model with load options", lambda: npuquant.convert(m, samples, nhwc_input=True),
             ValueError, ["nhwc_input"]),
            ("convert of an int8 model", lambda: npuquant.convert(q, samples), npuquant.NpuquantError, []),
            # compare (models that differ: tests/python/test_load_options.py)
            ("compare with a corrupt model", lambda: npuquant.compare(m, truncated, samples),
             npuquant.NpuquantError, ["truncated.tflite"]),
        ]
        for what, call, exc, words in cases:
            raises(what, call, exc, words)

        # npuquant.Converter: each kind of bad attribute or sample.
        def converting(**attrs):
            def go():
                conv = npuquant.Converter(m)
                conv.representative_dataset = samples
                for k, v in attrs.items():
                    setattr(conv, k, v)
                conv.convert()
            return go

        def two_arrays():
            yield [x, x]

        def strings():
            yield ["a"]

        converter_cases = [
            ("Converter(42)", lambda: npuquant.Converter(42), TypeError, ["npuquant.Model", "int"]),
            ("Converter.from_file(missing)", lambda: npuquant.Converter.from_file(os.path.join(tmp, "gone.onnx")),
             npuquant.LoadError, ["gone.onnx"]),
            ("a missing file is also a FileError", lambda: npuquant.Converter.from_onnx(os.path.join(tmp, "g.onnx")),
             npuquant.FileError, ["g.onnx"]),
            ("a corrupt model is a FormatError", lambda: npuquant.Converter.from_file(garbage), npuquant.FormatError,
             ["garbage.tflite"]),
            ("no representative_dataset", converting(representative_dataset=None), npuquant.InvalidArgument,
             ["representative_dataset", "not set"]),
            ("a sample with two arrays", converting(representative_dataset=two_arrays), ValueError,
             ["1 inputs", "2 arrays", "sample 0"]),
            ("a sample of strings", converting(representative_dataset=strings), ValueError, ["not numeric"]),
            ("a sample of the wrong size", converting(representative_dataset=samples[:, :, :5]), ValueError,
             ["784", "[8, 1, 5, 28, 1]"]),
            ("a path as representative_dataset", converting(representative_dataset="photos/"), TypeError,
             ["load_samples"]),
            ("a number as representative_dataset", converting(representative_dataset=3), ValueError, ["no samples"]),
            ("an empty generator", converting(representative_dataset=lambda: iter([])), ValueError, ["empty"]),
            ("inference_input_type np.int16", converting(inference_input_type=np.int16), npuquant.InvalidArgument,
             ["inference_input_type", "int16"]),
            ("inference_output_type 'int4'", converting(inference_output_type="int4"), ValueError,
             ["inference_output_type", "int4"]),
            ("target 'tpu'", converting(target="tpu"), ValueError, ["target", "tpu", "imx8mp"]),
            ("calibration 'best'", converting(calibration="best"), ValueError, ["calibration", "best"]),
            ("per_tensor 'yes'", converting(per_tensor="yes"), TypeError, ["per_tensor", "yes"]),
            ("input_std without input_mean", converting(inference_input_type=np.uint8, input_std=2.0), ValueError,
             ["input_mean"]),
            ("num_threads -2", converting(num_threads=-2), ValueError, ["num_threads"]),
            ("tflite_version '1.0'", converting(tflite_version="1.0"), npuquant.ConvertError, ["1.0", "2.4"]),
            ("from_saved_model with tags", lambda: npuquant.Converter.from_saved_model(tmp, tags=["train"]),
             ValueError, ["tags", "serve"]),
            ("compare before convert", lambda: npuquant.Converter(m).compare(), ValueError, ["convert()"]),
            ("from_torch of a non-module", lambda: npuquant.Converter.from_torch(m, None), (TypeError, ImportError),
             ["torch"]),
        ]
        for what, call, exc, words in converter_cases:
            if isinstance(exc, tuple):
                try:
                    call()
                    check(False, f"{what} raises")
                except exc as e:
                    check(all(w in str(e) for w in words), f"{what}: {type(e).__name__}: {e}")
            else:
                raises(what, call, exc, words)

        nan = samples.copy()
        nan[0, 0, 3, 3, 0] = np.nan
        try:
            r = npuquant.convert(m, nan)
            check(r.inputs[0]["dtype"] == np.int8, "NaN in the samples: converted (the NaN ignored) or refused")
        except npuquant.NpuquantError as e:
            check(len(str(e)) > 0, f"NaN in the samples: refused: {e}")

    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        u = npuquant.convert(m, samples * 255, input_type="uint8", input_mean=127.3, input_std=1.0)
    check(u.inputs[0]["dtype"] == np.uint8 and any(issubclass(w.category, npuquant.NpuquantWarning) and
                                                   "127.3" in str(w.message) for w in said),
          f"a quantizer warning arrives as NpuquantWarning: {[str(w.message) for w in said]}")

    closed = npuquant.Model(MODEL)
    closed.close()
    closed.close()  # twice is fine
    raises("a closed Model", lambda: closed.inputs, ValueError, ["closed"])
    raises("running a closed Model", lambda: closed.run([x]), ValueError, ["closed"])
    raises("comparing with a closed Model", lambda: npuquant.compare(closed, q, samples), ValueError, ["closed"])
    check("closed" in repr(closed), "repr of a closed Model says so")
    check(m.run([x])[0].shape == (1, 10), "the models still run after all the errors")

    buf = io.StringIO()
    pydoc.Helper(output=buf)(npuquant)
    text = buf.getvalue()
    words = ["input_shapes", "nhwc_input", "convert", "compare", "npu_report", "keep_tensors", "per_layer",
             "NpuquantError", "sqnr_db", "imx8mp"]
    check(all(w in text for w in words), "help(npuquant) teaches loading, convert, compare, the NPU report, errors")
    return finish("python_bad_arguments")


if __name__ == "__main__":
    sys.exit(main())
