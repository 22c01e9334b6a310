#!/usr/bin/python3
"""The Python binding against the CLI on the bundled demo model (no ../shared
needed): the same outputs from Model.run as from `npuquant run`, and
npuquant.convert on the same samples writes a file byte-identical to
`npuquant convert` (both are deterministic), which the binding then runs."""
import os
import subprocess
import sys
import tempfile

import numpy as np

SOURCE = os.environ["NQ_SOURCE_DIR"]
CLI = os.environ["NQ_CLI"]
os.environ.setdefault("NPUQUANT_LIB", os.path.join(os.environ["NQ_BINARY_DIR"], "libnpuquant.so"))
sys.path.insert(0, os.path.join(SOURCE, "python"))
import npuquant  # noqa: E402

MODEL = os.path.join(SOURCE, "examples", "fashion", "fashion_cnn.tflite")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


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
    subprocess.run([CLI, "convert", MODEL, "-d", cal, "-o", cli_q, "--quiet"], check=True, capture_output=True)
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
print("python_binding: " + ("FAILED" if failures else "all checks passed"))
sys.exit(1 if failures else 0)
