"""Python helpers for script tests that use the oracle runners of this folder.

    sys.path.insert(0, os.path.join(os.environ["NQ_SOURCE_DIR"], "tests", "oracles"))
    import oracles
    outs = oracles.run("litert", model_path, [x0, x1])      # list of numpy arrays
    outs, t = oracles.run("armnn", model_path, [x], repeat=5)  # t = {"min_ms":..,"median_ms":..}
    facts = oracles.tflite_facts(model_path)
    sh = oracles.shared_dir()                                 # raises OracleSkip when absent

Inputs are numpy arrays (or .npy paths) in subgraph 0's input order; outputs come back in
subgraph 0's output order. A runtime that is not installed raises OracleSkip; any other
failure raises OracleError with the runner's one-line message. oracles.main(fn) runs a test
function with the project's exit-code rule (77 = skip, except under CI=true).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
RUNNERS = {"litert": "litert_run.mjs", "armnn": "armnn_run.py", "ort": "ort_run.mjs"}


class OracleSkip(Exception):
    """The oracle (or ../shared) is not available here."""


class OracleError(Exception):
    """The oracle ran and failed (bad model, bad input, runtime error)."""


def shared_dir():
    d = os.environ.get("NQ_SHARED_DIR") or ""
    if not d or not os.path.isdir(os.path.join(d, "models")):
        raise OracleSkip("shared material not found (NQ_SHARED_DIR=%r)" % d)
    return d


def command(name):
    script = os.path.join(HERE, RUNNERS[name])
    if script.endswith(".mjs"):
        node = shutil.which("node")
        if not node:
            raise OracleSkip("node is not installed (run scripts/setup.sh)")
        return [node, script]
    return [PY, script]


def run(name, model, inputs, repeat=None, extra_args=(), timeout=600):
    """Runs oracle `name` ('litert', 'armnn', 'ort') on `model` with `inputs`."""
    tmp = tempfile.mkdtemp(prefix="nq-%s-" % name)
    try:
        paths = []
        for k, x in enumerate(inputs):
            if isinstance(x, str):
                paths.append(x)
            else:
                paths.append(os.path.join(tmp, "in%d.npy" % k))
                np.save(paths[-1], np.ascontiguousarray(x))
        args = list(extra_args) + (["--repeat", str(repeat)] if repeat else [])
        p = subprocess.run(command(name) + args + [model, os.path.join(tmp, "out")] + paths,
                           capture_output=True, text=True, timeout=timeout)
        if p.returncode == 77:
            raise OracleSkip(p.stderr.strip())
        if p.returncode != 0:
            raise OracleError(p.stderr.strip() or "%s exited %d" % (name, p.returncode))
        outs = []
        while os.path.exists(os.path.join(tmp, "out.out%d.npy" % len(outs))):
            outs.append(np.load(os.path.join(tmp, "out.out%d.npy" % len(outs))))
        if repeat:
            return outs, json.loads(p.stdout.strip().splitlines()[-1])
        return outs
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def info(name, model):
    """The runner's --info JSON (litert, armnn, ort)."""
    p = subprocess.run(command(name) + ["--info", model], capture_output=True, text=True, timeout=120)
    if p.returncode == 77:
        raise OracleSkip(p.stderr.strip())
    if p.returncode != 0:
        raise OracleError(p.stderr.strip())
    return json.loads(p.stdout)


def tflite_facts(model):
    """tflite_facts.py's JSON for `model`, computed in-process."""
    sys.path.insert(0, HERE)
    import tflite_facts as tf  # noqa: PLC0415
    with open(model, "rb") as f:
        try:
            return tf.facts(f.read())
        except tf.BadModel as e:
            raise OracleError("%s: %s" % (model, e)) from e


def main(test):
    """Runs test() and exits 0 / 1 / 77 by the project's rule (CI=true turns skips into failures)."""
    try:
        test()
    except OracleSkip as e:
        if os.environ.get("CI") == "true":
            print("FAIL (CI=true, no skipping): %s" % e)
            sys.exit(1)
        print("SKIP: %s" % e)
        sys.exit(77)
    except (OracleError, AssertionError) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    sys.exit(0)
