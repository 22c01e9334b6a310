#!/usr/bin/python3
"""The README's Python snippet runs as written and does what its comments
say: in a folder laid out as the source tree after scripts/demo.sh
(examples/, python/, out/demo/calib.npy: here 300 random 0..1 images in
the demo's shape instead of Fashion-MNIST), with the `sys.path` line the
README gives for an uninstalled tree, it writes fashion_int8.tflite equal
byte for byte to `npuquant convert ... --input-type uint8` on the same data,
and prints the report (data summary, SQNR, NPU report)."""
import os
import re
import subprocess
import tempfile

import numpy as np

from pyhelpers import SOURCE, check, finish

CLI = os.environ["NQ_CLI"]


def main():
    with open(os.path.join(SOURCE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    section = readme[readme.index("## Python\n"):]
    section = section[:section.index("\n## ", 1)]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    if not check(len(blocks) == 1, f"README's Python section has one python block ({len(blocks)})"):
        return finish("python_readme")
    snippet = blocks[0]
    check("sys.path.insert(0, \"python\")" in section, "README says how to import from the source tree")
    with tempfile.TemporaryDirectory(prefix="nq-readme-") as tmp:
        os.symlink(os.path.join(SOURCE, "examples"), os.path.join(tmp, "examples"))
        os.symlink(os.path.join(SOURCE, "python"), os.path.join(tmp, "python"))
        os.makedirs(os.path.join(tmp, "out", "demo"))
        calib = os.path.join(tmp, "out", "demo", "calib.npy")
        np.save(calib, np.random.default_rng(2).random((300, 28, 28, 1), dtype=np.float32))
        script = 'import sys; sys.path.insert(0, "python")\n' + snippet
        p = subprocess.run(["/usr/bin/python3", "-c", script], cwd=tmp, capture_output=True, text=True,
                           env=dict(os.environ, PYTHONWARNINGS="error::UserWarning"))
        print(p.stdout)
        check(p.returncode == 0, f"the snippet runs without a warning: {p.stderr.strip()[-800:]}")
        check("300 samples" in p.stdout and "SQNR" in p.stdout and "nodes on the NPU" in p.stdout,
              "print(tflite.report) shows the data summary, the SQNR and the NPU report")
        cli_out = os.path.join(tmp, "cli.tflite")
        r = subprocess.run([CLI, "convert", os.path.join(SOURCE, "examples", "fashion", "fashion_cnn.onnx"), "-d",
                            calib, "--input-type", "uint8", "--recipe", "tf", "-o", cli_out, "--quiet"], capture_output=True, text=True)
        mine = os.path.join(tmp, "fashion_int8.tflite")
        if check(r.returncode == 0 and os.path.exists(mine), f"both files written: {r.stderr.strip()}"):
            with open(mine, "rb") as a, open(cli_out, "rb") as b:
                check(a.read() == b.read(), "the snippet's file equals `npuquant convert ... --input-type uint8`")
    return finish("python_readme")


if __name__ == "__main__":
    raise SystemExit(main())
