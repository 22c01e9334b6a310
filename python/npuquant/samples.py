"""Reading representative samples the way `npuquant convert -d` does: image
folders, single images, .npy and .npz files, with the CLI's preprocessing
options, through the library's data-set reader (nq_dataset_open_input)."""
import builtins
import ctypes
import math
import os
import warnings

import numpy as np

from . import _native as nat
from ._native import lib

_RESIZE = {"stretch": 0, "crop": 1}
_COLOR = {None: 0, "rgb": 1, "bgr": 2, "gray": 3, "grey": 3}
_NORM_MEAN_STD, _NORM_SCALE_OFFSET = 1, 2


def _float_list(value, what, out):
    """mean/std: one number or one per channel, parsed by the library as the
    CLI's --mean/--std are. Returns how many values were given (the library
    checks that count against the input's channels)."""
    values = [value] if isinstance(value, (int, float)) else list(value)
    if not values or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
        raise ValueError(f"{what} must be a finite number or a list of them, got {value!r}")
    err, n = nat.Error(), ctypes.c_int()
    spec = ",".join(repr(float(v)) for v in values).encode()
    nat.check(lib.nq_parse_float_list(spec, f"--{what}".encode(), out, nat.PP_MAX_CHANNELS, ctypes.byref(n),
                                      ctypes.byref(err)), err)
    return n.value


def load_samples(model, path, input=0, *, samples=None, seed=None, range=None, mean=None, std=None, scale=None,
                 offset=None, resize="stretch", color=None, antialias=True, channels_first=False, labels=None):
    """The samples at `path` for input `input` of `model`, as float32
    [N, *input_shape]: exactly what `npuquant convert -d PATH` calibrates on
    with the same options, so convert(model, load_samples(...)) writes the
    CLI's file byte for byte.

    path: a folder (images .jpg/.png/.bmp, .npy, .npz; searched recursively,
      sorted by path), one image, one .npy (one sample or a stack), or a .npz
      ("file.npz:key" for one member). Arrays are used as they are.
    samples, seed: how many (default all, at most 500) and, with a seed, a
      random subset instead of evenly spaced ones (`--samples`, `--seed`).
    range ("0..255", "0..1", "-1..1"), mean/std (per channel), scale/offset,
    resize ("stretch" or "crop"), color ("rgb", "bgr", "gray"), antialias,
    channels_first: the image preprocessing, as the CLI's options
      (channels_first=False: the layout comes from the model, NCHW for an
      ONNX model's input, with a note saying so).
    labels: "folders" or "folders:MAP.txt" (the CLI's `--labels`): path is a
      folder of class folders and the result is (samples, labels), labels
      int32 [N]: each sample's class folder, numbered by the folder names
      sorted by byte order, or by its line in MAP.txt (one class name per
      line, in the model's output order); a layout that would shift the
      numbering (a sample beside the class folders, an empty class folder, a
      folder not in the map, a class past the model's outputs) raises.
    Notes from the reader (ignored files, the 500 cap) come as
    npuquant.NpuquantWarning.
    """
    from .quantize import NpuquantWarning, _as_model

    model = _as_model(model, "model")
    if resize not in _RESIZE:
        raise ValueError(f"resize must be one of {sorted(_RESIZE)}, got {resize!r}")
    if color not in _COLOR:
        raise ValueError(f"color must be one of rgb, bgr, gray or None (from the channel count), got {color!r}")
    if samples is not None and (not isinstance(samples, int) or samples < 1):
        raise ValueError(f"samples must be a positive integer, got {samples!r}")
    if seed is not None and (not isinstance(seed, int) or seed < 0 or seed >= 2**64):
        raise ValueError(f"seed must be an integer in [0, 2**64), got {seed!r}")
    if labels is not None and (not isinstance(labels, str) or not (labels == "folders"
                                                                   or labels.startswith("folders:"))):
        raise ValueError(f'labels must be "folders" or "folders:MAP.txt", got {labels!r}')
    if not isinstance(input, int) or not 0 <= input < len(model.inputs):
        raise ValueError(f"input must be an input index below {len(model.inputs)}, got {input!r}")
    pp = nat.Preprocess()
    lib.nq_preprocess_default(ctypes.byref(pp))
    err = nat.Error()
    if range is not None:
        nat.check(lib.nq_preprocess_set_range(ctypes.byref(pp), str(range).encode(), ctypes.byref(err)), err)
    if mean is not None or std is not None:
        if mean is not None:
            pp.n_mean = _float_list(mean, "mean", pp.mean)
        if std is not None:
            pp.n_std = _float_list(std, "std", pp.std)
        pp.norm = _NORM_MEAN_STD
    if scale is not None or offset is not None:
        for name, v in (("scale", scale), ("offset", offset)):
            if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v)):
                raise ValueError(f"{name} must be a finite number, got {v!r}")
        pp.norm = _NORM_SCALE_OFFSET
        pp.scale = 1.0 if scale is None else scale
        pp.offset = 0.0 if offset is None else offset
    pp.resize = _RESIZE[resize]
    pp.color = _COLOR[color]
    pp.antialias = int(bool(antialias))
    opts = nat.DataOptions()
    lib.nq_data_options_init(ctypes.byref(opts))
    opts.max_samples = samples or 0
    opts.use_seed = int(seed is not None)
    opts.seed = seed or 0
    opts.channels_first = int(bool(channels_first))
    ds = nat.P()
    with model._use() as h:
        nat.check(lib.nq_dataset_open_input(os.fsencode(path), h, input, ctypes.byref(pp), ctypes.byref(opts),
                                            ctypes.byref(ds), ctypes.byref(err)), err)
    try:
        notes = nat.text(lib.nq_dataset_notes(ds))
        n, elems = lib.nq_dataset_count(ds), lib.nq_dataset_sample_elems(ds)
        out = np.empty((n, elems), dtype=np.float32)
        for i in builtins.range(n):  # `range` is the preprocessing option here
            row = out[i].ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            nat.check(lib.nq_dataset_get(ds, i, row, ctypes.byref(err)), err)
        if labels is not None:
            lab = np.empty(max(n, 1), dtype=np.int32)
            classes = max(int(np.prod(o["shape"])) for o in model.outputs) if model.outputs else 0
            mapf = os.fsencode(labels[len("folders:"):]) if labels.startswith("folders:") else None
            nat.check(lib.nq_dataset_folder_labels(ds, os.fsencode(path), mapf, classes,
                                                   lab.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), None,
                                                   ctypes.byref(err)), err)
    finally:
        lib.nq_dataset_free(ds)
    for line in notes.splitlines():
        warnings.warn(line, NpuquantWarning, stacklevel=2)
    out = out.reshape((n,) + tuple(model.inputs[input]["shape"]))
    return out if labels is None else (out, lab[:n])

