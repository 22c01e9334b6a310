"""npuquant.convert (float -> int8) and npuquant.compare (how far an int8
model is from its float model), both fed float32 samples the same way."""
import ctypes
import math
import os
import warnings

import numpy as np

from . import _native as nat
from ._native import lib
from .errors import InvalidArgument
from .model import Model
from .representative import NpuquantWarning, gather


_CALIBRATION = {"minmax": 0, "percentile": 1, "mse": 2, "layerwise": 3}


def _flatten_samples(model, samples):
    """samples (any form representative.gather takes) -> (float32 [N, values], N)."""
    return gather(model.inputs, samples, "samples")


def type_name(value, what):
    """"int8" / "uint8" / "float32" from a str or a numpy dtype (np.uint8, np.dtype("uint8"),
    or anything with .as_numpy_dtype such as tf.uint8)."""
    v = getattr(value, "as_numpy_dtype", value)
    if not isinstance(v, str):
        try:
            v = np.dtype(v).name
        except TypeError:
            v = str(value).rsplit(".", 1)[-1]  # torch.uint8 -> "uint8"
    if v not in nat.DTYPE_CODES:
        raise InvalidArgument(4, f"{what} must be np.int8, np.uint8 or np.float32 (or their names), got {value!r}",
                              "invalid argument")
    return v


def _as_model(m, what):
    if isinstance(m, Model):
        return m
    if isinstance(m, (str, bytes, os.PathLike)):
        return Model(m)
    raise TypeError(f"{what} must be an npuquant.Model or a path, got {type(m).__name__}")


def convert(model, samples, per_tensor=False, input_type="int8", output_type="int8", allow_float_fallback=False,
            input_mean=None, input_std=None, num_threads=0, equalize=False, bias_correct=False,
            calibration="minmax", percentile=99.99, tflite_version=None, recipe=None, **load_options):
    """Quantize a float model with representative samples into a fully int8 Model
    (what `npuquant convert` does; same samples and options give the same file).

    model: an npuquant.Model, or a path loaded with **load_options (the
      Model(...) keywords: input_shapes, inputs, outputs, signature,
      keras_json, nhwc_input).
    samples: float32 values preprocessed as in training. One input: an array
      [N, *input_shape] (the batch dimension may be left out). Several
      inputs: a list with one such array per input. Also a function
      returning (or a generator / iterable of) samples, as TFLiteConverter's
      representative_dataset: see npuquant.Converter.
    per_tensor: one scale per weight tensor (fastest on VeriSilicon NPUs).
    input_type, output_type: "int8" (default), "uint8" or "float32", or the
      numpy dtypes np.int8, np.uint8, np.float32.
    input_mean, input_std: with input_type="uint8", raw bytes b are the input
      and the float input is (b - mean) / std.
    allow_float_fallback: keep ops without an int8 form in float (off the NPU).
    calibration: "minmax" (TensorFlow's), "percentile" (with `percentile`),
      "mse" or "layerwise" (one of those per tensor); equalize, bias_correct:
      see docs/quantization.md.
    tflite_version: "2.9" refuses a model that TensorFlow Lite release cannot
      run (2.4 onward; None: no limit).
    recipe: None (the options above as given), "auto" (the CLI's default:
      candidate recipes judged on held-out samples, the best one kept) or
      "tf" (TensorFlow's min/max).
    Quantizer warnings are issued as NpuquantWarning.
    Returns the int8 Model; save it with .save("model_int8.tflite").
    """
    if isinstance(model, Model):
        if load_options:
            raise ValueError(f"load options {sorted(load_options)} only apply when model is a path")
    elif isinstance(model, (str, bytes, os.PathLike)):
        model = Model(model, **load_options)
    else:
        raise TypeError(f"model must be an npuquant.Model or a path, got {type(model).__name__}")
    data, n = _flatten_samples(model, samples)
    q, said, _notes = convert_flat(model, data, n, per_tensor=per_tensor, input_type=input_type,
                                   output_type=output_type, allow_float_fallback=allow_float_fallback,
                                   input_mean=input_mean, input_std=input_std, num_threads=num_threads,
                                   equalize=equalize, bias_correct=bias_correct, calibration=calibration,
                                   percentile=percentile, tflite_version=tflite_version, recipe=recipe)
    for msg in said:
        warnings.warn(msg, NpuquantWarning, stacklevel=2)
    return q


def _bad(message):
    return InvalidArgument(4, message, "invalid argument")


def convert_flat(model, data, n, *, per_tensor=False, input_type="int8", output_type="int8",
                 allow_float_fallback=False, input_mean=None, input_std=None, num_threads=0, equalize=False,
                 bias_correct=False, calibration="minmax", percentile=99.99, tflite_version=None, recipe=None,
                 float_tail=True, per_channel_fc=False, recipe_budget=None, split_outputs=False, activations="int8",
                 int16_layers=None, split_weights=None, recipe_int16=False):
    """nq_convert_arrays on gathered samples: (int8 Model, warnings, notes).
    The library's warnings and notes (notes as (topic name, text): "data"
    for what it calibrated on, nq_note_topic_name's others) are collected,
    not issued, so that the caller decides where they go."""
    input_type, output_type = type_name(input_type, "input_type"), type_name(output_type, "output_type")
    if isinstance(calibration, str) and calibration.startswith("percentile:"):
        try:
            percentile = float(calibration.split(":", 1)[1])
        except ValueError:
            raise _bad(f"calibration {calibration!r}: the percentile after ':' is not a number") from None
        calibration = "percentile"
    if recipe not in (None, "auto", "tf"):
        raise _bad(f"recipe must be None (the calibration options as given), 'auto' or 'tf', got {recipe!r}")
    if recipe == "tf":  # TensorFlow's min/max whatever the other options say, as `--recipe tf`
        calibration, equalize, bias_correct = "minmax", False, False
    if calibration not in _CALIBRATION:
        raise _bad(f"calibration must be one of {sorted(_CALIBRATION)} or 'percentile:P', got {calibration!r}")
    if not isinstance(percentile, (int, float)) or not 50 < percentile <= 100:
        raise _bad(f"percentile must be a number in (50, 100], got {percentile!r}")
    if (input_mean is None) != (input_std is None):
        raise _bad("input_mean and input_std go together")
    if input_std is not None and not (isinstance(input_std, (int, float)) and isinstance(input_mean, (int, float))
                                      and math.isfinite(input_std) and input_std > 0 and math.isfinite(input_mean)):
        raise _bad(f"input_std must be finite and > 0 and input_mean finite, got {input_mean!r}, {input_std!r}")
    if recipe_budget is not None and (isinstance(recipe_budget, bool) or not isinstance(recipe_budget, (int, float))
                                      or not math.isfinite(recipe_budget) or recipe_budget == 0):
        raise _bad(f"recipe_budget must be GMAC above 0, a negative number for no limit, or None (the default, "
                   f"2000), got {recipe_budget!r}")
    if activations not in ("int8", "int16"):
        raise _bad(f"activations must be 'int8' or 'int16', got {activations!r}")
    if int16_layers is not None:
        if isinstance(int16_layers, str):
            int16_layers = [int16_layers]
        if not int16_layers or not all(isinstance(x, str) and x and "," not in x for x in int16_layers):
            raise _bad(f"int16_layers must be node names (a list of non-empty strings without commas) or 'auto', "
                       f"got {int16_layers!r}")
    if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 0:
        raise _bad(f"num_threads must be an integer >= 0 (0: all cores), got {num_threads!r}")
    if split_weights is not None and not isinstance(split_weights, str):
        if not isinstance(split_weights, (list, tuple)) or not all(isinstance(x, str) for x in split_weights):
            raise TypeError(f"split_weights must be None, 'auto' or node names, got {split_weights!r}")
        split_weights = ",".join(split_weights)
    if split_weights is not None and (not split_weights or "\0" in split_weights):
        raise _bad(f"split_weights must be None, 'auto' or node names, got {split_weights!r}")
    opts = nat.ConvertOptions()
    lib.nq_convert_options_init(ctypes.byref(opts))
    opts.per_tensor = int(bool(per_tensor))
    opts.input_type = nat.DTYPE_CODES[input_type]
    opts.output_type = nat.DTYPE_CODES[output_type]
    opts.allow_float_fallback = int(bool(allow_float_fallback))
    opts.no_float_tail = int(not float_tail)
    opts.per_channel_fc = int(bool(per_channel_fc))
    opts.split_outputs = int(bool(split_outputs))
    opts.activations_int16 = int(activations == "int16")
    if int16_layers is not None:
        opts.int16_layers = ",".join(int16_layers).encode()
    if split_weights is not None:
        opts.split_weights = split_weights.encode()
    if recipe_budget is not None:
        opts.recipe_budget = float(recipe_budget)
    opts.num_threads = int(num_threads)
    opts.equalize = int(bool(equalize))
    opts.bias_correct = int(bool(bias_correct))
    opts.calibration = _CALIBRATION[calibration]
    opts.percentile = percentile
    opts.recipe_auto = int(recipe == "auto")
    opts.recipe_int16 = int(bool(recipe_int16))
    if tflite_version is not None:
        opts.tflite_version = str(tflite_version).encode()
    if input_mean is not None:
        opts.input_from_bytes, opts.input_mean, opts.input_std = 1, input_mean, input_std
    # Collected during the call and issued after it: a Python warning raised
    # as an error (filters) must not unwind through C.
    said, notes = [], []
    opts.warn = nat.WARN_FN(lambda _user, msg: said.append(nat.text(msg)))
    opts.topic_note = nat.TOPIC_NOTE_FN(
        lambda _user, topic, msg: notes.append((nat.text(lib.nq_note_topic_name(topic)), nat.text(msg))))
    out, err = nat.P(), nat.Error()
    with model._use() as h:
        st = lib.nq_convert_arrays(h, data.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), n, ctypes.byref(opts),
                                   ctypes.byref(out), ctypes.byref(err))
    if st != 0:  # what the data checks said often explains the failure (NaN samples)
        for msg in said:
            warnings.warn(msg, NpuquantWarning, stacklevel=3)
    nat.check(st, err, nat.ConvertError)
    return Model._wrap(out), said, notes


def _figures(f, labels):
    sq = f.sqnr_db
    d = {"name": nat.text(f.name), "tensor_ref": f.tensor_ref, "tensor_test": f.tensor_test,
         "sqnr_db": sq, "max_abs_error": f.max_abs_error, "rmse": f.rmse, "scale": f.scale,
         "rmse_over_scale": f.rmse / f.scale if f.scale > 0 else None, "samples": f.samples,
         "classifier": bool(f.classifier)}
    if f.classifier:
        d["top1_agree"] = f.top1_agree
        d["top1_agreement"] = f.top1_agree / f.samples if f.samples else 0.0
        if labels:
            d["float_accuracy"] = f.ref_correct / f.samples if f.samples else 0.0
            d["int8_accuracy"] = f.test_correct / f.samples if f.samples else 0.0
    return d


_TASKS = {None: 0, "detect": 1, "landmark": 2}
_LAYOUTS = {None: 0, "postprocess": 1, "yolo": 2, "mediapipe": 3}


def _task_options(opts, task, layout, score_threshold, landmark_output, keypoint_dims):
    """The --task options of `npuquant compare`, checked by name."""
    if task not in _TASKS:
        raise ValueError(f"task must be None, 'detect' or 'landmark', got {task!r}")
    if layout not in _LAYOUTS:
        raise ValueError(f"layout must be None (by the outputs), 'postprocess', 'yolo' or 'mediapipe', got {layout!r}")
    if task != "detect" and (layout is not None or score_threshold is not None):
        raise ValueError("layout and score_threshold go with task='detect'")
    if task != "landmark" and (landmark_output != 0 or keypoint_dims is not None):
        raise ValueError("landmark_output and keypoint_dims go with task='landmark'")
    if score_threshold is not None and (isinstance(score_threshold, bool)
                                        or not isinstance(score_threshold, (int, float))
                                        or not 0 < score_threshold < 1):
        raise ValueError(f"score_threshold must be a number in (0, 1), got {score_threshold!r}")
    for name, v, lo in (("landmark_output", landmark_output, 0), ("keypoint_dims", keypoint_dims, 2)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < lo):
            raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    opts.task = _TASKS[task]
    opts.detect_layout = _LAYOUTS[layout]
    opts.score_threshold = float(score_threshold or 0.0)
    opts.landmark_output = int(landmark_output)
    opts.keypoint_dims = int(keypoint_dims or 0)


def _task_figures(r):
    """compare's "task" entry, as `npuquant compare --task ... --json` prints it."""
    t, err = nat.CompareTaskFigures(), nat.Error()
    nat.check(lib.nq_compare_task(r, ctypes.byref(t), ctypes.byref(err)), err)
    if t.task == 1:
        return {"task": "detect", "layout": {1: "postprocess", 3: "mediapipe"}.get(t.detect_layout, "yolo"),
                "float_detections": t.ref_detections, "int8_detections": t.test_detections,
                "matched": t.matched, "recall": t.recall, "precision": t.precision, "mean_iou": t.mean_iou}
    return {"task": "landmark", "keypoints": t.keypoints, "mean_keypoint_error": t.mean_keypoint_error}


def compare(float_model, int8_model, samples, per_layer=False, labels=None, single_rounding=True, num_threads=0,
            task=None, layout=None, score_threshold=None, landmark_output=0, keypoint_dims=None):
    """Run two models on the same samples and measure how far the second is
    from the first (what `npuquant compare --json` prints).

    float_model: the reference (a Model or a path); int8_model: the model
      under test, usually npuquant.convert's result or TensorFlow's int8 model.
    samples: float32 samples as for convert(), shaped for float_model's
      inputs. An int8/uint8 input is quantized from them with that input's
      own scale and zero point; quantized outputs are dequantized.
    per_layer: also compare every float tensor of float_model that int8_model
      has under the same name (or NAME_int8): where the error grows.
    labels: one integer class per sample: adds each model's top-1 accuracy.
    single_rounding: int8 arithmetic rounds once, as XNNPACK (what LiteRT
      runs on a CPU), TFLM and Arm NN do (the default, as `npuquant compare`);
      False: TFLite's reference double rounding.
    task: None, "detect" (decode both models' detections and match them:
      layout None (by the outputs), "postprocess", "yolo" or "mediapipe"; score_threshold
      None for the layout's default) or "landmark" (the mean x/y distance
      between keypoints of output landmark_output, keypoint_dims values per
      keypoint, default 3), as `npuquant compare --task`.

    Returns {"samples": N, "int8_rounding": "single" | "double", "outputs": [...],
    "tensors": [...] (per_layer), "task": {...} (with task: the keys of
    `npuquant compare --task ... --json`), "parts": [...] (an int8_model
    converted with split_outputs: its parts are put back into float_model's
    outputs for "outputs" and "task", and measured one by one here, each
    with "output", the index of the output it is part of)}.
    Each entry: name, tensor_ref, tensor_test, sqnr_db (10 log10(sum ref^2 /
    sum err^2); inf when identical), max_abs_error, rmse, scale (of the test
    tensor, 0.0 for float), rmse_over_scale (the error in quantization steps;
    None for float), samples, classifier, and for class scores ([N] or
    [1, N] from a softmax, the only output, or any with labels; classifier
    is then True) top1_agree (count), top1_agreement (fraction) and, with
    labels, float_accuracy and int8_accuracy.
    """
    ref = _as_model(float_model, "float_model")
    test = _as_model(int8_model, "int8_model")
    if num_threads < 0:
        raise ValueError(f"num_threads must be >= 0 (0: all cores), got {num_threads}")
    data, n = _flatten_samples(ref, samples)
    opts = nat.CompareOptions()
    opts.per_tensor = int(bool(per_layer))
    opts.num_threads = int(num_threads)
    opts.single_rounding = int(bool(single_rounding))
    _task_options(opts, task, layout, score_threshold, landmark_output, keypoint_dims)
    lab = None
    if labels is not None:
        lab = np.asarray(labels)
        if lab.ndim == 2 and lab.shape[1] == 1:
            lab = lab[:, 0]
        if lab.ndim != 1 or len(lab) != n or not np.issubdtype(lab.dtype, np.integer):
            raise ValueError(f"labels must be {n} integer class indices (one per sample), got "
                             f"{lab.dtype} {list(lab.shape)}")
        lab = np.ascontiguousarray(lab, dtype=np.int32)
        opts.labels = lab.ctypes.data_as(ctypes.POINTER(ctypes.c_int32))
        opts.n_labels = len(lab)
    r, err = nat.P(), nat.Error()
    with ref._use() as href, test._use() as htest:
        nat.check(lib.nq_compare_arrays(href, htest, data.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), n,
                                        ctypes.byref(opts), ctypes.byref(r), ctypes.byref(err)), err)
    try:
        result = {"samples": n, "int8_rounding": "single" if single_rounding else "double", "outputs": []}
        for i in range(lib.nq_compare_num_outputs(r)):
            f = nat.CompareFigures()
            nat.check(lib.nq_compare_output(r, i, ctypes.byref(f), ctypes.byref(err)), err)
            result["outputs"].append(_figures(f, lab is not None))
        if per_layer:
            result["tensors"] = []
            for i in range(lib.nq_compare_num_tensors(r)):
                f = nat.CompareFigures()
                nat.check(lib.nq_compare_tensor(r, i, ctypes.byref(f), ctypes.byref(err)), err)
                result["tensors"].append(_figures(f, False))
        if lib.nq_compare_num_parts(r):
            result["parts"] = []
            for i in range(lib.nq_compare_num_parts(r)):
                f, output = nat.CompareFigures(), ctypes.c_int()
                nat.check(lib.nq_compare_part(r, i, ctypes.byref(f), ctypes.byref(output), ctypes.byref(err)), err)
                result["parts"].append(dict(_figures(f, False), output=output.value))
        if task is not None:
            result["task"] = _task_figures(r)
        return result
    finally:
        lib.nq_compare_report_free(r)
