#!/usr/bin/env python3
"""The library reads no environment variable.

Everything that changes what the library does (kernel code path, Keras
isolation, memory budget, ...) is an option a caller passes through
include/npuquant.h, so a program, the CLI and the Python binding behave
the same whatever the environment holds. Fails on any getenv,
secure_getenv or environ in src/ (comments included: a comment that names
one is as misleading as a call).

usage: check_no_getenv.py SOURCE_DIR
"""
import os
import re
import sys

PATTERN = re.compile(r"\b(getenv|secure_getenv|environ)\b")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    src = os.path.join(sys.argv[1], "src")
    hits, files = [], 0
    for root, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith((".c", ".h", ".def")):
                continue
            files += 1
            path = os.path.join(root, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                for i, line in enumerate(f, 1):
                    if PATTERN.search(line):
                        hits.append(f"{os.path.relpath(path, sys.argv[1])}:{i}: {line.strip()}")
    for h in hits:
        print("FAIL: the library reads the environment:", h)
    print(f"{files} files under src/: {len(hits)} environment reads")
    if files < 100:
        print("FAIL: fewer than 100 source files found; wrong folder?")
        return 1
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
