"""npuquant.Converter: the TFLiteConverter-shaped front door. Load a float
model (from_file, from_onnx, from_keras_file, from_saved_model,
from_frozen_graph, from_torch), set representative_dataset and the
inference types, convert() to the int8 model's bytes, which carry a report.

    conv = npuquant.Converter.from_onnx("net.onnx")
    conv.representative_dataset = lambda: ([x[None]] for x in calib)
    conv.inference_input_type = np.uint8
    tflite_bytes = conv.convert()
    open("net_int8.tflite", "wb").write(tflite_bytes)
    print(tflite_bytes.report)        # SQNR per output, NPU report, data summary
"""
import json
import math
import os
import tempfile
import threading
import warnings
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

import numpy as np

from .errors import Error, InvalidArgument
from .model import Model
from .quantize import compare as _compare
from .quantize import convert_flat, type_name
from .representative import NpuquantWarning, gather

PathLike = Union[str, bytes, "os.PathLike[str]"]
_TARGETS = ("imx8mp", "ethos-u", "edgetpu")


def _bad(message):
    return InvalidArgument(4, message, "invalid argument")


class ConversionReport:
    """What a conversion did and how good the int8 model is.

    samples   the number of calibration samples
    data      the library's summary of what it calibrated on (list of lines:
              count, shape, layout, per-channel min/mean/max)
    notes     the library's other notes, each {"topic", "text"}; topic
              "calibration", "recipe", "float_tail", "split_outputs",
              "split_weights" or "int16" (nq_note_topic_name)
    warnings  the library's warnings (data that looks wrong, ops kept in float)
    outputs   per model output: name, sqnr_db, max_abs_error, rmse,
              rmse_over_scale and, for class scores, top1_agreement
              (npuquant.compare of the float and int8 models on `eval` samples,
              the calibration samples unless Converter.eval_dataset is set)
    parts     with split_outputs: per part of a split output, the same figures
              against its slice of the float output, and "output" (its index)
    npu       the NPU report of the int8 model for Converter.target (None
              when target is None): nodes, cpu_fallback_nodes, findings
    options   the conversion options used

    str(report) is a readable summary; save(path) writes it as JSON.
    """

    def __init__(self, samples: int, data: List[str], warnings_: List[str], outputs: List[Dict[str, Any]],
                 npu: Optional[Dict[str, Any]], options: Dict[str, Any],
                 parts: Optional[List[Dict[str, Any]]] = None, notes: Optional[List[Dict[str, str]]] = None):
        self.samples = samples
        self.notes = notes or []
        self.parts = parts or []
        self.data = data
        self.warnings = warnings_
        self.outputs = outputs
        self.npu = npu
        self.options = options

    def to_dict(self) -> Dict[str, Any]:
        """The report as a JSON-ready dict (infinite SQNR, identical outputs, as null)."""
        def clean(v):
            if isinstance(v, float) and not math.isfinite(v):
                return None
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, list):
                return [clean(x) for x in v]
            return v
        return clean({"samples": self.samples, "data": self.data, "notes": self.notes, "warnings": self.warnings,
                      "outputs": self.outputs, "parts": self.parts, "npu": self.npu, "options": self.options})

    def save(self, path: PathLike) -> None:
        """Write the report as JSON (atomically: a temporary file, then rename)."""
        path = os.fsdecode(path)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=1)
            f.write("\n")
        os.replace(tmp, path)

    def __str__(self) -> str:
        lines = [f"npuquant conversion on {self.samples} samples"]
        lines += ["  " + d for d in self.data]
        lines += ["  " + n["text"] for n in self.notes]
        lines += ["  warning: " + w for w in self.warnings]
        for o in self.outputs:
            top1 = f", top-1 agreement {o['top1_agreement'] * 100:.1f}%" if "top1_agreement" in o else ""
            lines.append(f"  output {o['name']}: SQNR {o['sqnr_db']:.2f} dB, max|err| {o['max_abs_error']:.4g}{top1}")
        for o in self.parts:
            lines.append(f"    part {o['name']}: SQNR {o['sqnr_db']:.2f} dB, max|err| {o['max_abs_error']:.4g}")
        if self.npu is not None:
            lines.append(f"  NPU {self.npu['target_name']}: {self.npu['nodes'] - self.npu['cpu_fallback_nodes']} of "
                         f"{self.npu['nodes']} nodes on the NPU")
            lines += [f"    node {f['node']} {f['op']}: {f['reason']}" for f in self.npu["findings"]
                      if f["cpu_fallback"]]
        return "\n".join(lines)

    __repr__ = __str__


class ConvertedModel(bytes):
    """The int8 .tflite file's bytes (so TFLiteConverter code that writes
    convert()'s result to a file keeps working), plus:
      .report  the ConversionReport
      .model   the int8 npuquant.Model (run it, inspect it)
      .save(path)  write the .tflite atomically."""

    report: ConversionReport
    model: Model

    def save(self, path: PathLike) -> None:
        """Write the .tflite (atomically; never over the float model's file)."""
        self.model.save(path)


class Converter:
    """Converts a float model to a fully int8 TensorFlow Lite model, as
    tf.lite.TFLiteConverter with full-integer quantization does, with the
    library behind the `npuquant convert` command (the same data and options
    give the same file, byte for byte).

    Make one with a from_* class method, set the attributes, call convert().

    Attributes (TFLiteConverter's names where they mean the same):
      representative_dataset  a function returning an iterable of samples (a
          generator), as TFLiteConverter's; or the samples themselves. A sample
          is a list with one float32 array per model input (a leading batch
          dimension is fine), a single array for a one-input model, or a dict
          {input name: array}. An array [N, *input shape] is N samples.
          Values are preprocessed as in training.
      inference_input_type, inference_output_type  np.int8 (default),
          np.uint8 or np.float32 (also "int8", tf.uint8, ...)
      input_mean, input_std  with a uint8 input: raw bytes b are the input and
          the float input is (b - mean) / std (default: the calibrated range)
      target  the NPU to report on: "imx8mp" (default), "ethos-u", "edgetpu"
          or None
      per_tensor  one scale per weight tensor (fastest on VeriSilicon NPUs)
      calibration  "minmax" (TensorFlow's, default), "percentile",
          "percentile:99.9", "mse" or "layerwise" (one per tensor)
      bias_correction, equalize  see docs/quantization.md
      recipe  None (default): the three options above as set; "auto": try
          the candidate recipes on a held-out part of the samples and keep
          the best (what `npuquant convert` does by default; the three
          options are then ignored; when no int8 candidate reaches 25 dB on
          every output part it also tries split weights and, when `target`
          runs 16x8 (None: the CPU, or "ethos-u"), int16 activations);
          "tf": TensorFlow's min/max
      allow_float_fallback  keep ops without an int8 form in float
      float_tail  True (default): with a float32 output, the cheap ops after
          the last conv that int8 measurably spoils run in float on the CPU
          (docs/quantization.md, "The float tail"); False: all int8
      split_outputs  False (default); True: an output a CONCATENATION makes
          (boxes beside scores) becomes one int8 output per part, NAME:partK,
          each with its own scale, as `convert --split-outputs`
      split_weights  None (default); "auto" or node names (a list, or one
          string with commas): such conv / depthwise / fully-connected layers
          become two int8 layers whose weights add up, plus an ADD, as
          `convert --split-weights` (auto: weight rounding under 30 dB,
          worst first, within +25% MACs)
      per_channel_fc  False (default): FULLY_CONNECTED weights per tensor, which
          every runtime runs (Arm NN aborts on per-channel FC); True: an FC
          whose rows one scale loses (worst row under 30 dB) gets per-channel
          weights, as `convert --per-channel-fc`
      activations  "int8" (default) or "int16": TFLite's 16x8 quantization
          (int16 activations, int8 weights, int64 biases) wherever TFLite has
          an int16 kernel, as `convert --activations int16`
      int16_layers  None (default), a list of node names (or output tensor
          names) to run int16 while the rest stays int8, or "auto", as
          `convert --int16-layers`
      recipe_budget  with recipe "auto": skip the candidates whose estimated
          cost would pass this many GMAC (None: the library's default, 2000;
          negative: no limit), as `convert --recipe-budget`
      tflite_version  e.g. "2.9": refuse ops that release cannot run
      num_threads  worker threads (0: one per core)
      eval_dataset  samples for the report's SQNR (default: the calibration
          samples), in representative_dataset's forms
      optimizations, target_spec  accepted and ignored (npuquant always
          quantizes fully to int8), so TFLiteConverter code runs unchanged

    Errors: npuquant.InvalidArgument (a ValueError) for a bad attribute or
    sample, TypeError for a value of the wrong kind, npuquant.LoadError /
    ConvertError (npuquant.Error) carrying the library's message.
    Threads: a Converter may be shared; convert() and compare() calls on one
    Converter take turns (a lock), and the models it returns are safe to
    share (see help(npuquant.Model)). Set the attributes before sharing it.
    """

    def __init__(self, model: Model):
        if not isinstance(model, Model):
            raise TypeError(f"Converter(model): an npuquant.Model expected, got {type(model).__name__}; "
                            f"use Converter.from_file(path)")
        self.model = model
        self.representative_dataset: Any = None
        self.inference_input_type: Any = np.int8
        self.inference_output_type: Any = np.int8
        self.input_mean: Optional[float] = None
        self.input_std: Optional[float] = None
        self.target: Optional[str] = "imx8mp"
        self.per_tensor = False
        self.calibration = "minmax"
        self.bias_correction = False
        self.equalize = False
        self.recipe: Optional[str] = None
        self.allow_float_fallback = False
        self.float_tail = True
        self.per_channel_fc = False
        self.split_outputs = False
        self.split_weights: Any = None
        self.recipe_budget: Optional[float] = None
        self.activations = "int8"
        self.int16_layers: Any = None
        self.tflite_version: Optional[str] = None
        self.num_threads = 0
        self.eval_dataset: Any = None
        self.optimizations: list = []
        self.target_spec: Any = None
        self.report: Optional[ConversionReport] = None  # the last convert()'s
        self._lock = threading.Lock()  # convert() and compare() take turns
        self._last: Optional[Model] = None

    # ---- making one ----

    @classmethod
    def from_file(cls, path: PathLike, **load_options) -> "Converter":
        """Any format npuquant reads (.tflite, Keras .h5/.keras, SavedModel
        folder, frozen .pb, ONNX; detected from the file). load_options are
        npuquant.Model's: input_shapes, inputs, outputs, signature,
        keras_json, nhwc_input."""
        return cls(Model(path, **load_options))

    @classmethod
    def from_onnx(cls, path: PathLike, input_shapes=None, nhwc_input: bool = False) -> "Converter":
        """An ONNX model. input_shapes fixes dynamic dimensions ((1, 3, 224, 224)
        for the only input, or {"name": shape}); nhwc_input=True makes the int8
        model's input channels-last instead of the model's NCHW."""
        return cls(Model(path, input_shapes=input_shapes, nhwc_input=nhwc_input))

    @classmethod
    def from_keras_file(cls, path: PathLike, keras_json: Optional[PathLike] = None) -> "Converter":
        """A Keras .h5 or .keras file (keras_json: the architecture JSON for a
        weights-only .h5). tf.keras model objects are not taken: save them
        with model.save("m.h5") first."""
        return cls(Model(path, keras_json=keras_json))

    @classmethod
    def from_saved_model(cls, saved_model_dir: PathLike, signature_keys: Optional[Sequence[str]] = None,
                         tags=None) -> "Converter":
        """A TensorFlow SavedModel folder; signature_keys: one signature
        (default "serving_default"). tags is accepted for TFLiteConverter
        code and must be None or ["serve"]."""
        if tags not in (None, ["serve"], ("serve",), {"serve"}):
            raise _bad(f"tags={tags!r}: only the 'serve' graph is read")
        sig = None
        if signature_keys is not None:
            if isinstance(signature_keys, str):
                signature_keys = [signature_keys]
            if len(signature_keys) != 1:
                raise _bad(f"signature_keys: one signature is converted at a time, got {list(signature_keys)}")
            sig = signature_keys[0]
        return cls(Model(saved_model_dir, signature=sig))

    @classmethod
    def from_frozen_graph(cls, graph_def_file: PathLike, input_arrays: Sequence[str], output_arrays: Sequence[str],
                          input_shapes: Optional[Dict[str, Sequence[int]]] = None) -> "Converter":
        """A frozen TensorFlow GraphDef (.pb) with its input and output node names."""
        return cls(Model(graph_def_file, inputs=list(input_arrays), outputs=list(output_arrays),
                         input_shapes=input_shapes))

    @classmethod
    def from_torch(cls, module, example_inputs, onnx_path: Optional[PathLike] = None, opset_version: int = 13,
                   nhwc_input: bool = False) -> "Converter":
        """A torch.nn.Module, exported with torch.onnx.export on example_inputs
        (a tensor or a tuple of tensors, shaped as the deployed input) into
        a temporary folder, or to onnx_path to keep the .onnx. nhwc_input=True
        makes the int8 model's input channels-last."""
        try:
            import torch
        except ImportError:
            raise ImportError("Converter.from_torch needs torch (python3-torch); or export to ONNX "
                              "yourself and use Converter.from_onnx") from None
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"from_torch: a torch.nn.Module expected, got {type(module).__name__}")
        args = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
        if not args or not all(isinstance(a, torch.Tensor) for a in args):
            raise TypeError("from_torch: example_inputs must be a tensor or a tuple of tensors")
        names = [f"input{i}" if len(args) > 1 else "input" for i in range(len(args))]
        was_training = module.training
        module.eval()
        try:
            with tempfile.TemporaryDirectory(prefix="npuquant-torch-") as tmp:
                path = os.fsdecode(onnx_path) if onnx_path is not None else os.path.join(tmp, "model.onnx")
                with torch.no_grad():
                    torch.onnx.export(module, args, path, input_names=names, opset_version=opset_version,
                                      do_constant_folding=True)
                return cls(Model(path, nhwc_input=nhwc_input))
        finally:
            module.train(was_training)

    # ---- converting ----

    def _options(self) -> Dict[str, Any]:
        for name in ("per_tensor", "bias_correction", "equalize", "allow_float_fallback", "float_tail",
                     "per_channel_fc", "split_outputs"):
            if not isinstance(getattr(self, name), (bool, np.bool_, int)):
                raise TypeError(f"Converter.{name} must be True or False, got {getattr(self, name)!r}")
        if self.target is not None and self.target not in _TARGETS:
            raise _bad(f"Converter.target must be one of {list(_TARGETS)} or None, got {self.target!r}")
        return {"per_tensor": bool(self.per_tensor),
                "input_type": type_name(self.inference_input_type, "Converter.inference_input_type"),
                "output_type": type_name(self.inference_output_type, "Converter.inference_output_type"),
                "allow_float_fallback": bool(self.allow_float_fallback), "input_mean": self.input_mean,
                "input_std": self.input_std, "num_threads": self.num_threads, "equalize": bool(self.equalize),
                "bias_correct": bool(self.bias_correction), "calibration": self.calibration,
                "tflite_version": self.tflite_version, "recipe": self.recipe,
                "float_tail": bool(self.float_tail), "per_channel_fc": bool(self.per_channel_fc),
                "recipe_budget": self.recipe_budget, "split_outputs": bool(self.split_outputs),
                "activations": self.activations, "int16_layers": self.int16_layers,
                "split_weights": self.split_weights,
                # the CPU (target None) and Ethos-U run 16x8; the VX delegate and the Edge TPU do not
                "recipe_int16": self.target in (None, "ethos-u")}

    def convert(self) -> ConvertedModel:
        """Calibrate on representative_dataset, quantize, measure.

        Returns the int8 .tflite's bytes (a bytes subclass) with .report (a
        ConversionReport; also kept as converter.report), .model (the int8
        npuquant.Model) and .save(path). Warnings from the library (data
        that looks wrong, ops kept in float) are issued as
        npuquant.NpuquantWarning and kept in the report.
        """
        with self._lock:
            return self._convert()

    def _convert(self) -> ConvertedModel:
        opts = self._options()
        inputs = self.model.inputs
        data, n = gather(inputs, self.representative_dataset, "representative_dataset")
        q, said, notes = convert_flat(self.model, data, n, **opts)
        for msg in said:
            warnings.warn(msg, NpuquantWarning, stacklevel=3)
        ev = data if self.eval_dataset is None else gather(inputs, self.eval_dataset, "eval_dataset")[0]
        try:
            measured = _compare(self.model, q, ev)
        except Error as e:
            # a 16x8 layer npuquant's executor has no int16 kernel for yet: TFLite runs the model
            if not (opts["activations"] == "int16" or opts["int16_layers"]) or "int16" not in str(e):
                raise
            warnings.warn(f"no SQNR: npuquant's executor cannot run this 16x8 model yet ({e})", NpuquantWarning,
                          stacklevel=3)
            said.append(f"no SQNR: npuquant's executor cannot run this 16x8 model yet ({e})")
            measured = {"outputs": []}
        npu = q.npu_report(self.target) if self.target is not None else None
        with tempfile.TemporaryDirectory(prefix="npuquant-") as tmp:
            path = os.path.join(tmp, "model_int8.tflite")
            q.save(path)
            with open(path, "rb") as f:
                result = ConvertedModel(f.read())
        result.model = q
        data = [text for topic, text in notes if topic == "data"]
        others = [{"topic": topic, "text": text} for topic, text in notes if topic != "data"]
        result.report = self.report = ConversionReport(n, data, said, measured["outputs"], npu, opts,
                                                      measured.get("parts"), others)
        self._last = q
        return result

    def compare(self, int8_model: Union[Model, PathLike, bytes, None] = None, samples: Any = None,
                **compare_options) -> Dict[str, Any]:
        """npuquant.compare of the float model and int8_model (default: the
        last convert()'s result; a Model, a path, or convert()'s bytes) on
        samples (default: representative_dataset), in representative_dataset's
        forms. compare_options: those of npuquant.compare (per_layer, labels,
        single_rounding, num_threads, task, layout, score_threshold,
        landmark_output, keypoint_dims)."""
        with self._lock:
            last = self._last
        if int8_model is None:
            if last is None:
                raise _bad("Converter.compare: nothing converted yet; call convert() or pass int8_model")
        if isinstance(int8_model, ConvertedModel):
            int8_model = int8_model.model
        elif isinstance(int8_model, bytes):
            raise TypeError("Converter.compare: pass convert()'s result itself, a Model or a path, not plain bytes")
        data = gather(self.model.inputs, self.representative_dataset if samples is None else samples, "samples")[0]
        return _compare(self.model, int8_model if int8_model is not None else last, data, **compare_options)
