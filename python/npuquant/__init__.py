"""npuquant: a thin Python binding over libnpuquant (ctypes + numpy).

    import numpy as np, npuquant
    m = npuquant.Model("model.tflite")            # any format npuquant reads
    print(m.inputs, m.outputs)                    # names, shapes, dtypes, quantization
    y = m.run([x])                                # list of numpy outputs
    q = npuquant.convert(m, samples)              # samples: [N, *input_shape] float32 array
    q.save("model_int8.tflite")

The library is found through $NPUQUANT_LIB, else next to this package in the
source tree's build/ folder, else by the system loader (libnpuquant.so.0).
"""
import ctypes
import os

import numpy as np

__all__ = ["Model", "convert", "NpuquantError"]

_DTYPES = {0: np.float32, 1: np.float16, 2: np.int8, 3: np.uint8, 4: np.int16, 5: np.int32, 6: np.int64,
           7: np.bool_}
_DTYPE_CODES = {"int8": 2, "uint8": 3, "float32": 0}
_MAX_RANK = 6


class NpuquantError(RuntimeError):
    """A failing library call; .status is the nq_status code."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("msg", ctypes.c_char * 1024)]


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("type", ctypes.c_int), ("rank", ctypes.c_int),
                ("shape", ctypes.c_int32 * _MAX_RANK), ("n_params", ctypes.c_int),
                ("scale", ctypes.POINTER(ctypes.c_float)), ("zero_point", ctypes.POINTER(ctypes.c_int64)),
                ("axis", ctypes.c_int), ("nbytes", ctypes.c_size_t), ("is_constant", ctypes.c_int)]


class _SessionOptions(ctypes.Structure):
    _fields_ = [("num_threads", ctypes.c_int), ("reference_only", ctypes.c_int),
                ("single_rounding", ctypes.c_int)]


_WARN_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


class _ConvertOptions(ctypes.Structure):
    _fields_ = [("per_tensor", ctypes.c_int), ("input_type", ctypes.c_int), ("output_type", ctypes.c_int),
                ("allow_float_fallback", ctypes.c_int), ("input_from_bytes", ctypes.c_int),
                ("input_mean", ctypes.c_float), ("input_std", ctypes.c_float), ("num_threads", ctypes.c_int),
                ("warn", _WARN_FN), ("warn_user", ctypes.c_void_p), ("equalize", ctypes.c_int),
                ("bias_correct", ctypes.c_int), ("calibration", ctypes.c_int), ("percentile", ctypes.c_double)]


def _load_library():
    env = os.environ.get("NPUQUANT_LIB")
    here = os.path.dirname(os.path.abspath(__file__))
    for path in [env, os.path.join(here, "..", "..", "build", "libnpuquant.so")]:
        if path and os.path.exists(path):
            return ctypes.CDLL(path)
    return ctypes.CDLL("libnpuquant.so.0")


_lib = _load_library()
_P = ctypes.c_void_p
_E = ctypes.POINTER(_Error)
for name, args in {
    "nq_model_load": [ctypes.c_char_p, ctypes.POINTER(_P), _E],
    "nq_model_free": [_P],
    "nq_model_save_tflite": [_P, ctypes.c_char_p, _E],
    "nq_model_num_inputs": [_P],
    "nq_model_num_outputs": [_P],
    "nq_model_input": [_P, ctypes.c_int, ctypes.POINTER(_TensorInfo), _E],
    "nq_model_output": [_P, ctypes.c_int, ctypes.POINTER(_TensorInfo), _E],
    "nq_session_create": [_P, ctypes.POINTER(_SessionOptions), ctypes.POINTER(_P), _E],
    "nq_session_free": [_P],
    "nq_session_set_input": [_P, ctypes.c_int, _P, ctypes.c_size_t, _E],
    "nq_session_run": [_P, _E],
    "nq_session_output": [_P, ctypes.c_int, ctypes.POINTER(_P), ctypes.POINTER(ctypes.c_size_t), _E],
    "nq_convert_options_init": [ctypes.POINTER(_ConvertOptions)],
    "nq_convert_arrays": [_P, ctypes.POINTER(ctypes.c_float), ctypes.c_int, ctypes.POINTER(_ConvertOptions),
                          ctypes.POINTER(_P), _E],
}.items():
    fn = getattr(_lib, name)
    fn.argtypes = args
    fn.restype = None if name in ("nq_model_free", "nq_session_free", "nq_convert_options_init") else ctypes.c_int
_lib.nq_model_num_inputs.restype = ctypes.c_int
_lib.nq_model_num_outputs.restype = ctypes.c_int


def _check(status, err):
    if status != 0:
        raise NpuquantError(status, err.msg.decode("utf-8", "replace"))


def _info(ti):
    n = ti.n_params
    return {"name": ti.name.decode("utf-8", "replace") if ti.name else "",
            "shape": [ti.shape[i] for i in range(ti.rank)], "dtype": np.dtype(_DTYPES[ti.type]),
            "scale": [ti.scale[i] for i in range(n)], "zero_point": [ti.zero_point[i] for i in range(n)]}


class Model:
    """A loaded model (float or int8). Frees itself when garbage-collected."""

    def __init__(self, path=None, _handle=None):
        self._h = _P()
        if _handle is not None:
            self._h = _handle
        else:
            err = _Error()
            _check(_lib.nq_model_load(os.fsencode(path), ctypes.byref(self._h), ctypes.byref(err)), err)
        self._session = None

    def __del__(self):
        if getattr(self, "_session", None):
            _lib.nq_session_free(self._session)
            self._session = None
        if getattr(self, "_h", None):
            _lib.nq_model_free(self._h)
            self._h = None

    def _io(self, count, getter):
        out = []
        for i in range(count(self._h)):
            ti, err = _TensorInfo(), _Error()
            _check(getter(self._h, i, ctypes.byref(ti), ctypes.byref(err)), err)
            out.append(_info(ti))
        return out

    @property
    def inputs(self):
        return self._io(_lib.nq_model_num_inputs, _lib.nq_model_input)

    @property
    def outputs(self):
        return self._io(_lib.nq_model_num_outputs, _lib.nq_model_output)

    def run(self, inputs, single_rounding=False, num_threads=0):
        """Run on a list of arrays (one per input, exact dtype and shape); returns the outputs."""
        err = _Error()
        if self._session is None:
            opts = _SessionOptions(num_threads, 0, 1 if single_rounding else 0)
            s = _P()
            _check(_lib.nq_session_create(self._h, ctypes.byref(opts), ctypes.byref(s), ctypes.byref(err)), err)
            self._session = s
        ins = self.inputs
        if len(inputs) != len(ins):
            raise ValueError(f"the model has {len(ins)} inputs, {len(inputs)} arrays given")
        for i, (x, spec) in enumerate(zip(inputs, ins)):
            x = np.ascontiguousarray(x)
            if x.dtype != spec["dtype"] or list(x.shape) != spec["shape"]:
                raise ValueError(f"input {i} '{spec['name']}' expects {spec['dtype']} {spec['shape']}, "
                                 f"got {x.dtype} {list(x.shape)}")
            _check(_lib.nq_session_set_input(self._session, i, x.ctypes.data, x.nbytes, ctypes.byref(err)), err)
        _check(_lib.nq_session_run(self._session, ctypes.byref(err)), err)
        outs = []
        for k, spec in enumerate(self.outputs):
            data, n = _P(), ctypes.c_size_t()
            _check(_lib.nq_session_output(self._session, k, ctypes.byref(data), ctypes.byref(n),
                                          ctypes.byref(err)), err)
            buf = ctypes.string_at(data, n.value)
            outs.append(np.frombuffer(buf, dtype=spec["dtype"]).reshape(spec["shape"]).copy())
        return outs

    def save(self, path):
        """Write the model as .tflite (atomically; never over the file it came from)."""
        err = _Error()
        _check(_lib.nq_model_save_tflite(self._h, os.fsencode(path), ctypes.byref(err)), err)


def convert(model, samples, per_tensor=False, input_type="int8", output_type="int8",
            allow_float_fallback=False, input_mean=None, input_std=None, num_threads=0, equalize=False,
            bias_correct=False, calibration="minmax", percentile=99.99):
    """Quantize a float Model with representative samples into a fully int8 Model.

    samples: for a one-input model an array [N, *input_shape] (or [N, *shape without
    the batch dimension]); for several inputs a list of such arrays, one per input.
    input_mean/input_std with input_type="uint8": raw bytes b are the input, the
    float input being (b - mean) / std. calibration: "minmax" (TensorFlow's),
    "percentile" (with `percentile`) or "mse"; equalize, bias_correct: see
    docs/quantization.md.
    """
    ins = model.inputs
    arrays = samples if isinstance(samples, (list, tuple)) else [samples]
    if len(arrays) != len(ins):
        raise ValueError(f"the model has {len(ins)} inputs, {len(arrays)} sample arrays given")
    n = len(arrays[0])
    flat = []
    for a, spec in zip(arrays, ins):
        a = np.asarray(a, dtype=np.float32)
        if len(a) != n:
            raise ValueError("every input needs the same number of samples")
        per = int(np.prod(spec["shape"]))
        if a[0].size != per:
            raise ValueError(f"input '{spec['name']}' takes {per} values per sample, got {a[0].size}")
        flat.append(a.reshape(n, per))
    data = np.ascontiguousarray(np.concatenate(flat, axis=1), dtype=np.float32)
    opts = _ConvertOptions()
    _lib.nq_convert_options_init(ctypes.byref(opts))
    opts.per_tensor = int(per_tensor)
    opts.input_type = _DTYPE_CODES[input_type]
    opts.output_type = _DTYPE_CODES[output_type]
    opts.allow_float_fallback = int(allow_float_fallback)
    opts.num_threads = num_threads
    opts.equalize = int(equalize)
    opts.bias_correct = int(bias_correct)
    opts.calibration = {"minmax": 0, "percentile": 1, "mse": 2}[calibration]
    opts.percentile = percentile
    if input_mean is not None and input_std is not None:
        opts.input_from_bytes, opts.input_mean, opts.input_std = 1, input_mean, input_std
    out, err = _P(), _Error()
    _check(_lib.nq_convert_arrays(model._h, data.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), n,
                                  ctypes.byref(opts), ctypes.byref(out), ctypes.byref(err)), err)
    return Model(_handle=out)
