"""Shared pieces of the quantization oracle tests: the skip rule, running the
CLI, temporary data folders of real images, and the LiteRT.js / Arm NN
runners (tests/oracles)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

SHARED = os.environ.get("NQ_SHARED_DIR", "")
SOURCE = os.environ.get("NQ_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("NQ_CLI", "")
ORACLES = os.path.join(SOURCE, "tests", "oracles")
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".bmp")


def skip(msg):
    if os.environ.get("CI") == "true":
        print("FAIL (CI=true forbids skipping): " + msg)
        sys.exit(1)
    print("SKIP: " + msg)
    sys.exit(77)


def require_shared():
    if not SHARED or not os.path.isdir(SHARED):
        skip(f"../shared (NQ_SHARED_DIR={SHARED!r}) is absent; this test needs its models and images")
    if not CLI or not os.path.exists(CLI):
        print(f"FAIL: NQ_CLI={CLI!r} does not exist")
        sys.exit(1)


def model(rel):
    return os.path.join(SHARED, "models", rel)


def images(*folders):
    """Real image files from ../shared/data/<folder>, sorted."""
    out = []
    for f in folders:
        for root, _, files in os.walk(os.path.join(SHARED, "data", f)):
            out += [os.path.join(root, n) for n in files if n.lower().endswith(IMAGE_EXT)]
    return sorted(out)


def image_dir(tmp, name, files):
    """A folder of symlinks to `files` (the CLI takes one path per input)."""
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    for i, f in enumerate(files):
        os.symlink(f, os.path.join(d, f"{i:04d}_{os.path.basename(f)}"))
    return d


def cli(*args, check=True):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        print(f"FAIL: npuquant {' '.join(args)}\n{p.stdout}{p.stderr}")
        sys.exit(1)
    return p


def cli_json(*args):
    return json.loads(cli(*args, "--json").stdout)


def sqnr(fig):
    v = fig["sqnr_db"]
    return float("inf") if v == "inf" else float(v)


def run_oracle(kind, model_path, inputs, tmp, tag):
    """Run LiteRT.js ('litert') or Arm NN ('armnn'); returns the outputs, or None
    when the oracle is not installed (exit 77)."""
    prefix = os.path.join(tmp, f"{kind}_{tag}")
    if kind == "litert":
        cmd = ["node", os.path.join(ORACLES, "litert_run.mjs"), model_path, prefix, *inputs]
    else:
        cmd = ["/usr/bin/python3", os.path.join(ORACLES, "armnn_run.py"), model_path, prefix, *inputs]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode == 77:
        return None
    if p.returncode != 0:
        raise RuntimeError(f"{kind} failed on {model_path}: {p.stderr.strip()}")
    outs, k = [], 0
    while os.path.exists(f"{prefix}.out{k}.npy"):
        outs.append(np.load(f"{prefix}.out{k}.npy"))
        k += 1
    return outs


def run_ours(model_path, inputs, tmp, tag, single_rounding=True):
    prefix = os.path.join(tmp, f"ours_{tag}")
    args = ["run", model_path, "-o", prefix]
    for i in inputs:
        args += ["-i", i]
    if single_rounding:
        args.append("--single-rounding")
    cli(*args)
    outs, k = [], 0
    while os.path.exists(f"{prefix}.out{k}.npy"):
        outs.append(np.load(f"{prefix}.out{k}.npy"))
        k += 1
    return outs


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="nq_qtest_")
        return self.path

    def __exit__(self, *a):
        shutil.rmtree(self.path, ignore_errors=True)
