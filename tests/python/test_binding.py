#!/usr/bin/python3
"""The Python binding against the CLI on the bundled demo model (no ../shared
needed): the same outputs from Model.run as from `npuquant run`, and
npuquant.convert on the same samples writes a file byte-identical to
`npuquant convert` (both are deterministic), which the binding then runs;
run(keep_tensors=True) equals `npuquant run --tensors`."""
import os
import subprocess
import sys
import tempfile

import numpy as np

from pyhelpers import SOURCE, check, finish, npuquant

CLI = os.environ["NQ_CLI"]

MODEL = os.path.join(SOURCE, "examples", "fashion", "fashion_cnn.tflite")

m = npuquant.Model(MODEL)
check(m.inputs[0]["shape"] == [1, 28, 28, 1] and m.inputs[0]["dtype"] == np.float32, "input facts")
rng = np.random.default_rng(7)
samples = rng.uniform(0, 1, size=(40, 1, 28, 28, 1)).astype(np.float32)
with tempfile.TemporaryDirectory() as tmp:
    x = os.path.join(tmp, "x.npy")
    np.save(x, samples[0])
    subprocess.run([CLI, "run", MODEL, "-i", x, "-o", os.path.join(tmp, "y")], check=True, capture_output=True)
    cli_y = np.load(os.path.join(tmp, "y.out0.npy"))
    py_y = m.run([samples[0]])[0]
    check(np.array_equal(cli_y, py_y), "Model.run equals npuquant run")

    cal = os.path.join(tmp, "cal.npy")
    np.save(cal, samples)
    cli_q = os.path.join(tmp, "cli_int8.tflite")
    subprocess.run([CLI, "convert", MODEL, "-d", cal, "-o", cli_q, "--quiet", "--recipe", "tf"], check=True,
                   capture_output=True)
    q = npuquant.convert(m, samples)
    py_q = os.path.join(tmp, "py_int8.tflite")
    q.save(py_q)
    check(open(cli_q, "rb").read() == open(py_q, "rb").read(), "npuquant.convert == npuquant convert, byte for byte")
    qi = q.inputs[0]
    check(qi["dtype"] == np.int8 and len(qi["scale"]) == 1, "the converted model's input is int8")
    xq = np.clip(np.round(samples[1] / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
    yq = q.run([xq])[0]
    so = q.outputs[0]
    yf = m.run([samples[1]])[0]
    check(np.max(np.abs((yq.astype(np.float32) - so["zero_point"][0]) * so["scale"][0] - yf)) < 0.1,
          "the int8 model tracks the float model on a sample")

    # keep_tensors: every intermediate equals `npuquant run --tensors` dumps,
    # and single_rounding reaches the session (not a cached double-rounding one).
    dump = os.path.join(tmp, "dump")
    xq_path = os.path.join(tmp, "xq.npy")
    np.save(xq_path, xq)
    subprocess.run([CLI, "run", py_q, "-i", xq_path, "-o", os.path.join(tmp, "yq"), "--tensors", dump,
                    "--single-rounding"], check=True, capture_output=True)
    y_sr, values = q.run([xq], single_rounding=True, keep_tensors=True)
    dumped = {int(f.split("_", 1)[0]): np.load(os.path.join(dump, f)) for f in os.listdir(dump)}
    by_index = {t["index"]: t for t in q.tensors}
    inter = [t for t in by_index.values() if not t["constant"]]
    check(len(values) == len(inter) and all(np.array_equal(values[t["name"]], dumped[t["index"]]) for t in inter),
          f"run(keep_tensors=True) returns all {len(inter)} non-constant tensors, equal to `npuquant run --tensors`")
    check(np.array_equal(y_sr[0], np.load(os.path.join(tmp, "yq.out0.npy"))),
          "run(single_rounding=True) equals `npuquant run --single-rounding`")
    _, v_double = q.run([xq], single_rounding=False, keep_tensors=True)
    check(any(not np.array_equal(v_double[k], values[k]) for k in values) and np.array_equal(q.run([xq])[0], yq)
          and np.array_equal(q.run([xq])[0], y_sr[0]),
          "single rounding is the default; single_rounding=False reaches a double-rounding session "
          "(some intermediates differ)")
    check(m.source == MODEL and q.source == MODEL, "Model.source: the file (the int8 model keeps its float source)")
    check([n["op"] for n in q.nodes][0] == "CONV_2D" and sum(o["count"] for o in q.ops) == len(q.nodes),
          "Model.nodes / Model.ops describe the operators")
    check("fashion_cnn.tflite" in repr(m) and "probabilities" in repr(m), "repr names the file and the I/O")
    with npuquant.Model(MODEL) as tmp_model:
        check(tmp_model.ops == m.ops, "Model is a context manager")
    try:
        q.save(py_q + ".x")
        m.run([samples[0].astype(np.float64)])
        check(False, "a wrong input dtype raises")
    except ValueError as e:
        check("float64" in str(e), "a wrong input dtype raises ValueError naming it")
    try:
        npuquant.Model(os.path.join(tmp, "missing.tflite"))
        check(False, "a missing file raises")
    except npuquant.NpuquantError as e:
        check("missing.tflite" in str(e), "a missing file raises NpuquantError naming it")
# The memory budget (the CLI's --max-memory): 1 MiB refuses 3 MB of samples by name, None restores it.
default = npuquant.memory_limit()
with tempfile.TemporaryDirectory() as tmp:
    big = os.path.join(tmp, "big.npy")
    np.save(big, np.zeros((1000, 1, 28, 28, 1), np.float32))
    npuquant.set_memory_limit(1 << 20)
    try:
        check(npuquant.memory_limit() == 1 << 20, "set_memory_limit(1 MiB) is in force")
        npuquant.load_samples(m, big)
        check(False, "3 MB of samples under a 1 MiB budget raise")
    except npuquant.OutOfMemoryError as e:
        check("big.npy" in str(e) and "memory budget" in str(e), f"OutOfMemoryError names the file and budget: {e}")
    finally:
        npuquant.set_memory_limit(None)
    check(npuquant.memory_limit() == default and npuquant.load_samples(m, big, samples=1000).shape == (1000, 1, 28, 28, 1),
          f"set_memory_limit(None) restores the default ({default} bytes)")
for bad in (0, 1000, -1, 2.5, True, "1G"):
    try:
        npuquant.set_memory_limit(bad)
        check(False, f"set_memory_limit({bad!r}) is refused")
    except npuquant.InvalidArgument as e:
        check("1 MiB" in str(e), f"set_memory_limit({bad!r}) is refused: {e}")
check(npuquant.memory_limit() == default, "refused limits change nothing")
sys.exit(finish("python_binding"))
