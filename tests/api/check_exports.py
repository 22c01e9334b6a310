#!/usr/bin/env python3
"""libnpuquant.so exports the public API and nothing else.

`nm -D --defined-only` lists the dynamic symbols the shared library
defines. With -fvisibility=hidden and NQ_API on each public declaration,
that list must equal the functions include/npuquant.h marks NQ_API: an
extra symbol is an internal that leaked (a missing `static`, or NQ_API on
an internal), a missing one is a public function that is not exported (or
not implemented). A header declaration without NQ_API is reported too.

usage: check_exports.py LIBNPUQUANT.so include/npuquant.h
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import public_api  # noqa: E402


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        # "ADDRESS TYPE NAME"; type A marks version nodes (no code or data).
        if len(parts) == 3 and parts[1] != "A":
            names.add(parts[2])
    return names


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    lib, header = sys.argv[1:]
    marked, unmarked = public_api.read(header)
    have = exported(lib)
    problems = []
    if len(marked) < 40:
        problems.append(f"{header}: only {len(marked)} NQ_API declarations found; the parser is broken")
    for n in sorted(unmarked):
        problems.append(f"{header}: {n} is declared without NQ_API")
    for n in sorted(have - marked):
        problems.append(f"{lib}: exports {n}, which is not public API (make it static or keep it hidden)")
    for n in sorted(marked - have):
        problems.append(f"{lib}: does not export public function {n}")
    for p in problems:
        print("FAIL:", p)
    print(f"{len(have)} exported symbols, {len(marked)} public functions")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
