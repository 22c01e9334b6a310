"""Shared helpers of the TensorFlow-frontend script tests."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.environ.get("NQ_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                                "tests", "oracles"))
import oracles  # noqa: E402

CLI = os.environ.get("NQ_CLI", "npuquant")


def models():
    return os.path.join(oracles.shared_dir(), "models")


def cli(*args, check=True):
    p = subprocess.run([CLI] + [str(a) for a in args], capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError("npuquant %s failed (%d): %s" % (" ".join(map(str, args)), p.returncode,
                                                               p.stderr.strip()))
    return p


def run_ours(model, inputs, load_args=()):
    """npuquant run: float outputs of `model` for a list of input arrays."""
    with tempfile.TemporaryDirectory() as tmp:
        args = []
        for k, x in enumerate(inputs):
            path = os.path.join(tmp, "in%d.npy" % k)
            np.save(path, x)
            args += ["-i", path]
        cli("run", model, *args, "-o", os.path.join(tmp, "out"), *load_args)
        outs, k = [], 0
        while os.path.exists(os.path.join(tmp, "out.out%d.npy" % k)):
            outs.append(np.load(os.path.join(tmp, "out.out%d.npy" % k)))
            k += 1
        return outs


def compare_json(float_model, int8_model, data, load_args=()):
    p = cli("compare", float_model, int8_model, "-d", data, "--json", *load_args)
    return json.loads(p.stdout)


def main(fn):
    oracles.main(fn)
