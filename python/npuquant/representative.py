"""Turning representative data in any of the forms TFLiteConverter users
write into the library's layout (float32 [N, values of every input]), and
checking the shapes on the way: a per-sample shape that is a permutation of
the model's input shape (NCHW data for an NHWC model) is warned about."""
import warnings

import numpy as np

from .errors import InvalidArgument

MAX_SAMPLES = 2**31 - 1


class NpuquantWarning(UserWarning):
    """A warning from npuquant: an op kept in float, data that looks wrong."""


def _bad(message):
    return InvalidArgument(4, message, "invalid argument")


def _per_sample(spec):
    return int(np.prod(spec["shape"], dtype=np.int64))


def _layout_word(shape):
    """'channels last' / 'channels first' for an image-like 4-D shape, else None."""
    if len(shape) != 4:
        return None
    small = [d <= 4 for d in shape]
    if small[3] and not small[1]:
        return "channels last (NHWC)"
    if small[1] and not small[3]:
        return "channels first (NCHW)"
    return None


def _check_layout(spec, shape, where):
    """Warn when an array's per-sample shape is the model input's shape in
    another axis order (same element count, so it would be silently reshaped)."""
    model = list(spec["shape"])
    body = model[1:] if len(model) >= 2 and model[0] == 1 else model
    got = list(shape)
    while len(got) > len(body) and got[0] == 1:
        got = got[1:]
    if len(got) > len(body):  # a batch of samples: drop the sample axis
        got = got[1:]
    if got == body or len(got) != len(body) or sorted(got) != sorted(body):
        return
    if [d for d in got if d != 1] == [d for d in body if d != 1]:
        return  # only size-1 axes moved: the values are in the same order
    ours = _layout_word(model) or f"{model}"
    perm = [got.index(d) for d in body] if len(set(body)) == len(body) else None
    hint = f"; reorder the axes, e.g. np.transpose(x, {tuple([0] + [p + 1 for p in perm])})" if perm else ""
    warnings.warn(f"input '{spec['name']}' is {model} ({ours}) but {where} has per-sample shape {got}: "
                  f"the same values in another axis order{hint}", NpuquantWarning, stacklevel=4)


def _as_float(a, spec, where):
    try:
        a = np.asarray(a, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise _bad(f"input '{spec['name']}': {where} is not numeric ({e})") from None
    per = _per_sample(spec)
    if a.size == 0 or a.size % per != 0:
        raise _bad(f"input '{spec['name']}' {spec['shape']} takes {per} values per sample; "
                                 f"{where} has shape {list(a.shape)} ({a.size} values)")
    return a


def _one_item(item, ins, where):
    """One yielded item -> list of float32 arrays [k, per_i] (k samples)."""
    if isinstance(item, dict):
        names = [s["name"] for s in ins]
        unknown = [k for k in item if k not in names]
        if unknown or len(item) != len(ins):
            raise _bad(f"{where}: a dict sample needs exactly the input names {names}, got "
                                     f"{sorted(item)}")
        item = [item[n] for n in names]
    elif isinstance(item, np.ndarray) or np.isscalar(item):
        item = [item]
    elif not isinstance(item, (list, tuple)):
        raise TypeError(f"{where}: a sample is a list of arrays (one per model input), an array or a dict "
                        f"{{input name: array}}; got {type(item).__name__}")
    if len(item) != len(ins):
        raise _bad(f"{where}: the model has {len(ins)} inputs, the sample has {len(item)} arrays")
    parts, k = [], None
    for a, spec in zip(item, ins):
        shape = np.shape(a)
        a = _as_float(a, spec, where)
        _check_layout(spec, shape, where)
        rows = a.size // _per_sample(spec)
        if k is not None and rows != k:
            raise _bad(f"{where}: input '{spec['name']}' has {rows} samples, the first input {k}")
        k = rows
        parts.append(a.reshape(rows, -1))
    return parts


def gather(model_inputs, data, what="representative_dataset"):
    """data -> (float32 C array [N, sum of per-sample sizes], N).

    Accepted: a callable returning an iterable (TFLiteConverter's
    representative_dataset), an iterable/generator of samples, or arrays. A
    sample is a list with one array per input (a leading batch dimension of
    1, or of k for k samples, is fine), one array for a one-input model, or a
    dict {input name: array}. Arrays: [N, *input shape] for a one-input model;
    for several inputs a list with one [N, ...] array per input (the form
    npuquant.convert always took) is also accepted."""
    ins = model_inputs
    if not ins:
        raise _bad("the model has no inputs to feed")
    if data is None:
        raise _bad(f"{what} is not set: give a function returning samples, or arrays")
    if callable(data) and not isinstance(data, np.ndarray):
        fn = data
        try:
            data = fn()
        except TypeError as e:
            raise TypeError(f"{what}: calling {getattr(fn, '__name__', fn)!r}() failed: {e}") from e
        if data is None:
            raise _bad(f"{what}: the function returned None; it must return or yield samples")
    if isinstance(data, (str, bytes)):
        raise TypeError(f"{what}: got a {type(data).__name__}; for files use npuquant.load_samples(model, path)")
    if np.isscalar(data) or (isinstance(data, np.ndarray) and (data.ndim == 0 or data.size == 0)):
        raise _bad(f"{what}: no samples (got {type(data).__name__} of shape {list(np.shape(data))}); expected "
                   f"samples for input {[s['name'] for s in ins]}")
    rows = []
    if isinstance(data, np.ndarray):
        if len(ins) > 1:
            raise _bad(f"{what}: the model has {len(ins)} inputs; give one array per input in a "
                                     f"list, or samples as lists")
        a = _as_float(data, ins[0], what)
        _check_layout(ins[0], data.shape, what)
        rows = [[a.reshape(-1, _per_sample(ins[0]))]]
    elif (isinstance(data, (list, tuple)) and len(ins) > 1 and len(data) == len(ins)
          and all(isinstance(a, np.ndarray) and a.ndim >= 2 and a.size != _per_sample(s) for a, s in zip(data, ins))):
        rows = [_one_item(list(data), ins, what)]  # one batch array per input
    else:
        try:
            it = iter(data)
        except TypeError:
            raise TypeError(f"{what}: expected a function returning an iterable of samples, an iterable, or "
                            f"arrays; got {type(data).__name__}") from None
        for i, item in enumerate(it):
            rows.append(_one_item(item, ins, f"{what} sample {i}"))
            if sum(len(r[0]) for r in rows) > MAX_SAMPLES:
                raise _bad(f"{what}: more than {MAX_SAMPLES} samples")
    if not rows:
        raise _bad(f"{what}: no samples (the iterable was empty)")
    flat = [np.concatenate([r[j] for r in rows], axis=0) for j in range(len(ins))]
    n = len(flat[0])
    if n > MAX_SAMPLES:
        raise _bad(f"{what}: {n} samples is more than the library takes")
    return np.ascontiguousarray(np.concatenate(flat, axis=1), dtype=np.float32), n
