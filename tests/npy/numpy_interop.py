#!/usr/bin/python3
"""The .npy reader and writer against numpy itself.

numpy writes every supported dtype (little- and big-endian, C and Fortran
order, format versions 1.0/2.0/3.0, ranks 0..6, empty arrays); the library
reads each one and writes it back (npy_recode); numpy must load the result as
the same values, same shape and the native little-endian dtype, from a v1.0
file whose data starts at a multiple of 64 bytes. Types the library does not
support must be refused with a message naming the file and the type.

usage: numpy_interop.py PATH/TO/npy_recode
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIP: numpy (Debian python3-numpy) is not installed")
    sys.exit(77)

recode = sys.argv[1]
rng = np.random.default_rng(7)
failures = []


def sample(dtype, shape):
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.floating):
        return (rng.standard_normal(size=shape) * 100).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)


def check(name, arr, version=None):
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.npy"), os.path.join(d, "out.npy")
        with open(src, "wb") as f:
            np.lib.format.write_array(f, arr, version=version)
        r = subprocess.run([recode, src, dst], capture_output=True, text=True)
        if r.returncode != 0:
            failures.append(f"{name}: recode failed: {r.stderr.strip()}")
            return
        out = np.load(dst)
        want = np.array(arr, order="C").astype(arr.dtype.newbyteorder("<"))
        if out.dtype != want.dtype or out.shape != want.shape or not np.array_equal(out, want, equal_nan=True):
            failures.append(f"{name}: got {out.dtype} {out.shape}, want {want.dtype} {want.shape}")
        with open(dst, "rb") as f:
            major, minor = np.lib.format.read_magic(f)
            np.lib.format.read_array_header_1_0(f)
            if (major, minor) != (1, 0) or f.tell() % 64 != 0:
                failures.append(f"{name}: written file is v{major}.{minor}, data at {f.tell()}")


types = [np.float32, np.float16, np.int8, np.uint8, np.int16, np.int32, np.int64, np.bool_]
shapes = [(), (5,), (3, 4), (2, 3, 4), (2, 1, 3, 2), (1, 2, 3, 2, 2), (2, 1, 2, 1, 2, 3), (0,), (2, 0, 3)]
count = 0
for t in types:
    for shp in shapes:
        a = sample(t, shp)
        check(f"{np.dtype(t).str}{shp}", a)
        check(f"{np.dtype(t).str}{shp} fortran", np.asfortranarray(a))
        check(f"{np.dtype(t).str}{shp} big-endian", a.astype(np.dtype(t).newbyteorder(">")))
        count += 3
    for v in [(2, 0), (3, 0)]:
        check(f"{np.dtype(t).str} v{v}", sample(t, (3, 2)), version=v)
        count += 1
# A Fortran-order big-endian array with NaN/inf payloads preserved bit for bit.
special = np.array([[np.nan, np.inf], [-np.inf, -0.0]], dtype=">f4", order="F")
check("special floats", special)
count += 1

# Refusals: float64, unsigned 32-bit, complex, structured, object.
for name, arr in [("float64", np.zeros(3)), ("uint32", np.zeros(3, np.uint32)),
                  ("complex64", np.zeros(3, np.complex64)),
                  ("structured", np.zeros(3, dtype=[("a", "<f4")])),
                  ("rank 7", np.zeros((1,) * 7, np.float32))]:
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, f"refused_{name.replace(' ', '_')}.npy")
        np.save(src, arr)
        r = subprocess.run([recode, src, os.path.join(d, "o.npy")], capture_output=True, text=True)
        if r.returncode != 1 or os.path.basename(src) not in r.stderr:
            failures.append(f"{name}: expected a refusal naming the file, got rc={r.returncode} '{r.stderr.strip()}'")
        elif name == "float64" and "float32" not in r.stderr:
            failures.append(f"float64: message should say how to convert: {r.stderr.strip()}")
        count += 1

for f in failures:
    print("FAIL:", f)
print(f"numpy_interop: {count - len(failures)}/{count} cases passed")
sys.exit(1 if failures else 0)
