#!/usr/bin/env python3
"""The CLI and the Python binding use the public API only.

- tools/: every `#include "X"` names a file beside the including file (the
  CLI's own helpers) or npuquant.h; nothing from src/.
- python/: every library function the binding looks up (`lib.nq_x`, or
  "nq_x" in a prototype table) is an NQ_API function of include/npuquant.h.

usage: check_boundary.py SOURCE_DIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import public_api  # noqa: E402

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
PY_USE = re.compile(r'(?:\blib\.|["\'])(nq_[a-z0-9_]+)\b')


def files(root, exts):
    for d, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith(exts):
                yield os.path.join(d, n)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    src = sys.argv[1]
    public, _ = public_api.read(os.path.join(src, "include", "npuquant.h"))
    problems = []
    n_includes = 0
    for path in files(os.path.join(src, "tools"), (".c", ".h", ".def")):
        with open(path, encoding="utf-8") as f:
            for inc in INCLUDE.findall(f.read()):
                n_includes += 1
                if inc == "npuquant.h" or os.path.isfile(os.path.join(os.path.dirname(path), inc)):
                    continue
                where = "a header from src/" if os.path.isfile(os.path.join(src, "src", inc)) else "not a CLI file"
                problems.append(f"{os.path.relpath(path, src)} includes \"{inc}\": {where}")
    used = set()
    for path in files(os.path.join(src, "python"), (".py",)):
        with open(path, encoding="utf-8") as f:
            for name in PY_USE.findall(f.read()):
                used.add(name)
                if name not in public:
                    problems.append(f"{os.path.relpath(path, src)} uses {name}, which is not public API")
    for path in files(os.path.join(src, "python"), (".c", ".h")):
        problems.append(f"{os.path.relpath(path, src)}: the binding is ctypes only; C here would bypass the checks")
    if n_includes < 10 or len(used) < 20:
        problems.append(f"found only {n_includes} CLI includes and {len(used)} binding functions: the scan is broken")
    for p in problems:
        print("FAIL:", p)
    print(f"tools/: {n_includes} includes checked; python/: {len(used)} library functions, all public")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
