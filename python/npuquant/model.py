"""npuquant.Model: a loaded model (any format npuquant reads), what it is made
of, running it, its NPU report and saving it as .tflite."""
import contextlib
import ctypes
import os
import threading

import numpy as np

from . import _native as nat
from ._native import lib


def _names_option(value, what):
    """inputs=/outputs=: "a,b" or ["a", "b"] -> b"a,b"."""
    if value is None:
        return None
    if isinstance(value, str):
        names = [value]
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        names = list(value)
    else:
        raise TypeError(f"{what}= takes a str or a list of str, got {type(value).__name__}")
    for n in names:
        if not n.strip() or (len(names) > 1 and "," in n):
            raise ValueError(f"{what}=: node name {n!r} is empty or contains a comma")
    return ",".join(names).encode()


def _dims(shape, where):
    if len(shape) == 0:
        return "scalar"  # the frontends' spelling of a rank-0 input
    for d in shape:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
            raise ValueError(f"input_shapes: {where} has dimension {d!r}; positive integers expected")
    return "x".join(str(int(d)) for d in shape)


def _shapes_option(value):
    """input_shapes=: the CLI's string, a shape for the only input, or {name: shape}."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("input_shapes is empty; expected e.g. 'x:1x3x224x224'")
        return value.encode()
    if isinstance(value, dict):
        parts = []
        for name, shape in value.items():
            if not isinstance(name, str) or not name or "," in name or ":" in name:
                raise ValueError(f"input_shapes: input name {name!r} is empty or contains ',' or ':'")
            parts.append(f"{name}:{shape if isinstance(shape, str) else _dims(tuple(shape), repr(name))}")
        if not parts:
            raise ValueError("input_shapes is an empty dict")
        return ",".join(parts).encode()
    if isinstance(value, (list, tuple)):
        return _dims(tuple(value), "the shape").encode()
    raise TypeError(f"input_shapes takes a str, a shape tuple or a dict, got {type(value).__name__}")


def _tensor_dict(ti, index=None):
    n = ti.n_params
    d = {"name": nat.text(ti.name), "shape": [ti.shape[i] for i in range(ti.rank)],
         "dtype": np.dtype(nat.DTYPES[ti.type]) if ti.type in nat.DTYPES else None,
         "scale": [ti.scale[i] for i in range(n)], "zero_point": [ti.zero_point[i] for i in range(n)],
         "quantized_dimension": ti.axis if n > 0 else 0, "constant": bool(ti.is_constant), "bytes": ti.nbytes}
    if index is not None:
        d = {"index": index, **d}
    return d



def _release(code):
    """"1.14.0" for 11400; None for 0 (unknown)."""
    return "%d.%d.%d" % (code // 10000, code // 100 % 100, code % 100) if code > 0 else None


def _tensor_list(h, count, getter, index):
    out = []
    for i in range(count(h)):
        ti, err = nat.TensorInfo(), nat.Error()
        nat.check(getter(h, i, ctypes.byref(ti), ctypes.byref(err)), err)
        out.append(_tensor_dict(ti, i if index else None))
    return out


def _node_list(h):
    out = []
    for i in range(lib.nq_model_num_nodes(h)):
        ni, err = nat.NodeInfo(), nat.Error()
        nat.check(lib.nq_model_node(h, i, ctypes.byref(ni), ctypes.byref(err)), err)
        out.append({"index": i, "op": nat.text(ni.op), "version": ni.version, "name": nat.text(ni.name),
                    "inputs": [ni.inputs[k] for k in range(ni.n_inputs)],
                    "outputs": [ni.outputs[k] for k in range(ni.n_outputs)],
                    "min_tflite": _release(ni.min_tflite), "custom_code": nat.text(ni.custom_code) if ni.custom_code else None})
    return out


class Model:
    """A model loaded by libnpuquant: float or int8, from any format it reads
    (.tflite, Keras .h5/.keras, SavedModel folder, frozen .pb, ONNX).

    Model(path, *, input_shapes=None, inputs=None, outputs=None, signature=None,
          keras_json=None, nhwc_input=False)

    The keyword options are the CLI's model-loading options:
      input_shapes  fix dynamic input dimensions (ONNX, TensorFlow): the CLI's
                    string "x:1x3x224x224[,y:...]", a shape (1, 3, 224, 224) for
                    the only input, or a dict {"x": (1, 3, 224, 224)}
      inputs, outputs  frozen GraphDef: the input / output node names
                    ("a,b" or ["a", "b"])
      signature     SavedModel: the signature (default "serving_default")
      keras_json    Keras: the architecture JSON file for a weights-only .h5
      nhwc_input    ONNX: make the input channels-last (NHWC) instead of NCHW

    Facts: .source, .inputs, .outputs, .tensors, .nodes, .ops; running:
    .run(); deployment: .npu_report(), .save(). A failing call raises an
    npuquant.Error carrying the library's message (a LoadError when the file
    cannot be loaded). close() frees the native memory now (otherwise garbage
    collection does).

    Threads: a Model may be shared between threads. Each native session (one
    per run() configuration) has its own lock, so concurrent run() calls with
    the same options take turns on it (each sees only its own inputs and
    outputs); other calls run concurrently. close() waits for the calls in
    flight to finish, then frees; any call after it raises ValueError.
    """

    def __init__(self, path, *, input_shapes=None, inputs=None, outputs=None, signature=None, keras_json=None,
                 nhwc_input=False):
        self._init_state(None)
        if path is None or not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError(f"Model(path): path must be a str or path-like, got {type(path).__name__}")
        opts = nat.LoadOptions()
        opts.input_shapes = _shapes_option(input_shapes)
        opts.inputs = _names_option(inputs, "inputs")
        opts.outputs = _names_option(outputs, "outputs")
        if signature is not None:
            if not isinstance(signature, str) or not signature:
                raise ValueError(f"signature= must be a non-empty str, got {signature!r}")
            opts.signature = signature.encode()
        if keras_json is not None:
            opts.keras_json = os.fsencode(keras_json)
        opts.nhwc_input = 1 if nhwc_input else 0
        h, err = nat.P(), nat.Error()
        nat.check(lib.nq_model_load_ex(os.fsencode(path), ctypes.byref(opts), ctypes.byref(h), ctypes.byref(err)),
                  err, nat.LoadError)
        self._h = h

    def _init_state(self, handle):
        self._h = handle
        self._sessions = {}  # (single_rounding, num_threads, keep) -> [session, its lock]
        self._cond = threading.Condition()  # guards _h, _sessions and _busy
        self._busy = 0  # calls in flight that use the native model

    @classmethod
    def _wrap(cls, handle):
        m = cls.__new__(cls)
        m._init_state(handle)
        return m

    @contextlib.contextmanager
    def _use(self):
        """The native handle, kept alive (close() waits) until the block ends."""
        with self._cond:
            if not self._h:
                raise ValueError("this Model was closed")
            self._busy += 1
            h = self._h
        try:
            yield h
        finally:
            with self._cond:
                self._busy -= 1
                if self._busy == 0:
                    self._cond.notify_all()

    def close(self):
        """Free the model and its sessions now. Calls in flight in other
        threads finish first (close() waits for them); later calls raise
        ValueError. Closing twice is harmless."""
        cond = getattr(self, "_cond", None)
        if cond is None:  # __init__ failed before the state existed
            return
        with cond:
            h, self._h = self._h, None  # refuse new calls from now on
            while self._busy:
                cond.wait()
            sessions, self._sessions = self._sessions, {}
        for s, _lock in sessions.values():
            lib.nq_session_free(s)
        if h:
            lib.nq_model_free(h)

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        try:
            with self._use() as h:
                io = lambda ts: ", ".join(f"{t['name']}: {t['dtype']} {t['shape']}" for t in ts)  # noqa: E731
                return (f"<npuquant.Model {self.source or '(built in memory)'}: inputs [{io(self.inputs)}], "
                        f"outputs [{io(self.outputs)}], {lib.nq_model_num_nodes(h)} nodes>")
        except ValueError:
            return "<npuquant.Model (closed)>"

    # ---- facts ----

    @property
    def source(self):
        """The file the model was loaded from (a converted model keeps its float model's path)."""
        with self._use() as h:
            s = lib.nq_model_source(h)
            return os.fsdecode(s) if s else None

    def _list(self, count, getter, index):
        with self._use() as h:
            return _tensor_list(h, count, getter, index)

    def _io(self, h):
        """(inputs, outputs) of handle h, for calls already inside _use()."""
        return (_tensor_list(h, lib.nq_model_num_inputs, lib.nq_model_input, False),
                _tensor_list(h, lib.nq_model_num_outputs, lib.nq_model_output, False))

    @property
    def inputs(self):
        """The model inputs: dicts name, shape, dtype, scale[], zero_point[],
        quantized_dimension, constant, bytes (scale/zero_point empty: float)."""
        return self._list(lib.nq_model_num_inputs, lib.nq_model_input, False)

    @property
    def outputs(self):
        """The model outputs, described as .inputs."""
        return self._list(lib.nq_model_num_outputs, lib.nq_model_output, False)

    @property
    def tensors(self):
        """Every tensor, as .inputs plus its "index". Per-channel weights have
        one scale and zero point per slice along quantized_dimension."""
        return self._list(lib.nq_model_num_tensors, lib.nq_model_tensor, True)

    @property
    def nodes(self):
        """The operators in execution order: dicts index, op ("CONV_2D"),
        version, name, inputs and outputs (tensor indices; -1: absent optional input),
        min_tflite (the first TensorFlow Lite release running that op version,
        "1.14.0", or None when TFLite's table lacks it), custom_code (a CUSTOM
        op's own name, e.g. "TFLite_Detection_PostProcess"; None for builtins)."""
        with self._use() as h:
            return _node_list(h)

    @property
    def ops(self):
        """Op summary as `npuquant inspect --json` lists it: dicts op, version,
        count, min_tflite (and custom_code for CUSTOM ops, one entry per custom
        code), sorted by op, custom code, then version."""
        counts, release = {}, {}
        for n in self.nodes:
            key = (n["op"], n["custom_code"] or "", n["version"])
            counts[key] = counts.get(key, 0) + 1
            release[key] = n["min_tflite"]
        out = []
        for (op, code, v), c in sorted(counts.items()):
            entry = {"op": op, "version": v, "count": c, "min_tflite": release[(op, code, v)]}
            if op == "CUSTOM":
                entry["custom_code"] = code
            out.append(entry)
        return out

    # ---- running ----

    def _session(self, h, single_rounding, num_threads, keep):
        """[session, lock] for these options, made on first use (inside _use())."""
        key = (bool(single_rounding), int(num_threads), bool(keep))
        with self._cond:
            entry = self._sessions.get(key)
            if entry is None:
                opts = nat.SessionOptions(int(num_threads), 0, 1 if single_rounding else 0)
                s, err = nat.P(), nat.Error()
                nat.check(lib.nq_session_create(h, ctypes.byref(opts), ctypes.byref(s), ctypes.byref(err)), err)
                if keep:
                    st = lib.nq_session_keep_all_tensors(s, ctypes.byref(err))
                    if st != 0:
                        lib.nq_session_free(s)
                        nat.check(st, err)
                entry = self._sessions[key] = [s, threading.Lock()]
            return entry

    @staticmethod
    def _array(data, nbytes, spec):
        buf = ctypes.string_at(data, nbytes)
        a = np.frombuffer(buf, dtype=spec["dtype"]).copy()
        return a.reshape(spec["shape"]) if a.size == int(np.prod(spec["shape"], dtype=np.int64)) else a

    def run(self, inputs, single_rounding: bool = True, num_threads: int = 0, keep_tensors: bool = False):
        """Run the model once, float or int8.

        inputs: one array per model input, each of the input's exact dtype and
        shape (see .inputs); for a one-input model the array alone also works.
        An int8 input takes int8 values: quantize floats yourself,
        q = clip(round(x / scale) + zero_point, -128, 127).
        single_rounding: int8 arithmetic rounds once, as XNNPACK (what LiteRT
        runs int8 models with on a CPU), TFLM and Arm NN do (the default, as
        `npuquant run`); False: TFLite's reference double rounding.
        Returns the list of outputs; with keep_tensors=True, the pair
        (outputs, tensors) where tensors maps every non-constant tensor's
        name to its value in this run ("#index" for an unnamed tensor,
        "name#index" for a repeated name). That session keeps every tensor
        in memory instead of reusing it.
        Safe from several threads: runs with the same options take turns on
        one native session, and the results are the same as serial runs.
        """
        if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)) or num_threads < 0:
            raise ValueError(f"num_threads must be an integer >= 0 (0: all cores), got {num_threads!r}")
        with self._use() as h:
            ins, outs_spec = self._io(h)
            if isinstance(inputs, np.ndarray) and len(ins) == 1:
                inputs = [inputs]
            if not isinstance(inputs, (list, tuple)):
                raise TypeError(f"run() takes a list of arrays (one per input), got {type(inputs).__name__}")
            if len(inputs) != len(ins):
                raise ValueError(f"the model has {len(ins)} inputs, {len(inputs)} arrays given")
            arrays = []
            for i, (x, spec) in enumerate(zip(inputs, ins)):
                x = np.ascontiguousarray(x)
                if x.dtype != spec["dtype"] or list(x.shape) != spec["shape"]:
                    raise ValueError(f"input {i} '{spec['name']}' expects {spec['dtype']} {spec['shape']}, "
                                     f"got {x.dtype} {list(x.shape)}")
                arrays.append(x)
            s, lock = self._session(h, single_rounding, num_threads, keep_tensors)
            with lock:  # inputs, run and outputs of one call stay together
                return self._run_locked(h, s, arrays, outs_spec, keep_tensors)

    def _run_locked(self, h, s, arrays, outs_spec, keep_tensors):
        err = nat.Error()
        for i, x in enumerate(arrays):
            nat.check(lib.nq_session_set_input(s, i, x.ctypes.data, x.nbytes, ctypes.byref(err)), err)
        nat.check(lib.nq_session_run(s, ctypes.byref(err)), err)
        outs = []
        for k, spec in enumerate(outs_spec):
            data, n = nat.P(), ctypes.c_size_t()
            nat.check(lib.nq_session_output(s, k, ctypes.byref(data), ctypes.byref(n), ctypes.byref(err)), err)
            outs.append(self._array(data, n.value, spec))
        if not keep_tensors:
            return outs
        nodes = _node_list(h)
        used = {t for nd in nodes for t in nd["inputs"] + nd["outputs"] if t >= 0}
        values = {}
        for spec in _tensor_list(h, lib.nq_model_num_tensors, lib.nq_model_tensor, True):
            t = spec["index"]
            if spec["constant"] or t not in used or spec["dtype"] is None:
                continue
            data, n = nat.P(), ctypes.c_size_t()
            nat.check(lib.nq_session_tensor(s, t, ctypes.byref(data), ctypes.byref(n), ctypes.byref(err)), err)
            key = spec["name"] or f"#{t}"
            values[f"{key}#{t}" if key in values else key] = self._array(data, n.value, spec)
        return outs, values

    # ---- deployment ----

    def npu_report(self, target="imx8mp"):
        """Which nodes an int8 NPU would leave to the CPU, and why (what
        `npuquant inspect --npu TARGET --json` prints under "npu").

        target: "imx8mp" (i.MX 8M Plus, TFLite's VX delegate), "ethos-u"
        (Arm Ethos-U55/U65, Vela) or "edgetpu" (Coral Edge TPU compiler).
        Returns a dict: target, target_name, nodes, cpu_fallback_nodes and
        findings, a list of dicts node, op, name, cpu_fallback, reason (node
        -1 with op and name None is a note about the whole model).
        """
        if not isinstance(target, str):
            raise TypeError(f"target must be a str ({nat.text(lib.nq_npu_targets())}), got {type(target).__name__}")
        r, err = nat.P(), nat.Error()
        with self._use() as h:
            nat.check(lib.nq_npu_check_model(h, target.encode(), ctypes.byref(r), ctypes.byref(err)), err)
        try:
            findings = []
            for i in range(lib.nq_npu_result_num_findings(r)):
                f = nat.NpuFinding()
                nat.check(lib.nq_npu_result_finding(r, i, ctypes.byref(f), ctypes.byref(err)), err)
                note = f.node < 0
                findings.append({"node": f.node, "op": None if note else nat.text(f.op),
                                 "name": None if note else nat.text(f.name), "cpu_fallback": bool(f.cpu_fallback),
                                 "reason": nat.text(f.reason)})
            return {"target": target, "target_name": nat.text(lib.nq_npu_result_target(r)),
                    "nodes": lib.nq_npu_result_num_nodes(r), "cpu_fallback_nodes": lib.nq_npu_result_num_fallback(r),
                    "findings": findings}
        finally:
            lib.nq_npu_result_free(r)

    def save(self, path):
        """Write the model as .tflite (atomically; never over the file it came from)."""
        if path is None or not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError(f"save(path): path must be a str or path-like, got {type(path).__name__}")
        err = nat.Error()
        with self._use() as h:
            nat.check(lib.nq_model_save_tflite(h, os.fsencode(path), ctypes.byref(err)), err)
