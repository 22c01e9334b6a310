#!/usr/bin/python3
"""`convert --tflite-version 2.9`: the model carries TensorFlow's "min_runtime_version"
metadata (16 bytes, the release zero-padded; read here with python3-flatbuffers, not with
npuquant), `inspect` prints the same release per op and for the model, and the model
loads and runs in Arm NN 22 (Debian's, CpuRef) and LiteRT.js with the same int8 outputs
as npuquant's own executor. Models: the README demo's fashion_cnn.tflite (in the tree;
argument "fashion", with the refusals of bad releases) and MLPerf Tiny VWW (../shared;
argument "vww"; without ../shared, CI unset, the committed one-op depthwise model
f_depthwise_mult2_s2 of tests/golden stands in): two tests, so a missing ../shared never
hides the first.
"""
import os
import sys
import tempfile

import numpy as np
from flatbuffers.table import Table
from flatbuffers import encode
import flatbuffers.number_types as N

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402


def _table(buf, pos):
    return Table(buf, pos)


def _field(t, index):
    return t.Offset(4 + 2 * index)


def metadata(path):
    """{name: bytes} of the Model's metadata (schema.fbs: Model.metadata is field 6,
    Model.buffers field 4; Metadata {name 0, buffer 1}; Buffer {data 0})."""
    buf = bytearray(open(path, "rb").read())
    root = encode.Get(N.UOffsetTFlags.packer_type, buf, 0)
    model = _table(buf, root)
    out = {}
    o = _field(model, 6)
    if not o:
        return out
    ob = _field(model, 4)
    vec, n = model.Vector(o), model.VectorLen(o)
    bvec = model.Vector(ob)
    for i in range(n):
        m = _table(buf, model.Indirect(vec + 4 * i))
        name = m.String(m.Pos + _field(m, 0)).decode() if _field(m, 0) else ""
        bi = m.Get(N.Uint32Flags, m.Pos + _field(m, 1)) if _field(m, 1) else 0
        b = _table(buf, model.Indirect(bvec + 4 * bi))
        od = _field(b, 0)
        out[name] = bytes(buf[b.Vector(od):b.Vector(od) + b.VectorLen(od)]) if od else b""
    return out


def check_model(c, name, model, calib, tmp):
    out = os.path.join(tmp, name + "_int8.tflite")
    oracles.cli("convert", model, "-d", calib, "-o", out, "--tflite-version", "2.9", check=True)
    md = metadata(out)
    raw = md.get("min_runtime_version")
    if not c.check(raw is not None and len(raw) == 16, "%s: a 16-byte min_runtime_version entry (%r)" % (name, md)):
        return
    release = raw.rstrip(b"\0").decode()
    c.check(all(b == 0 for b in raw[len(release):]), "%s: zero padding after %r" % (name, release))
    parts = tuple(int(p) for p in release.split("."))
    c.check(len(parts) == 3 and (1, 5, 0) <= parts <= (2, 9, 0), "%s: release %s within 1.5.0..2.9.0" % (name, release))
    info = oracles.cli_json("inspect", out)
    c.check(info.get("min_tflite") == release, "%s: inspect says %s, metadata %s" % (name, info.get("min_tflite"), release))
    c.check(all(op.get("min_tflite") for op in info["ops"]), "%s: every op has a release in inspect" % name)
    c.check(max(tuple(int(p) for p in op["min_tflite"].split(".")) for op in info["ops"]) == parts,
            "%s: the model's release is its newest op's" % name)
    text = oracles.cli("inspect", out, check=True).stdout
    c.check("min TFLite:  " + release in text, "%s: inspect prints 'min TFLite:  %s'" % (name, release))

    # Run it: npuquant, Arm NN 22 and LiteRT.js on the same quantized input.
    shape = info["inputs"][0]["shape"]
    x = np.random.default_rng(29).integers(-128, 128, size=shape, dtype=np.int8)
    ours = oracles.run_ours(out, [x])
    for rt in ("armnn", "litert"):
        theirs = oracles.run(rt, out, [x])
        steps = oracles.max_steps(ours[0], theirs[0])
        c.check(steps <= 1, "%s: %s vs npuquant: %d steps" % (name, rt, steps))
        print("%s: %s runs the --tflite-version 2.9 model (release %s), max %d step(s) from npuquant"
              % (name, rt, release, steps))


def test():
    part = sys.argv[1] if len(sys.argv) == 2 else ""
    if part not in ("fashion", "vww"):
        print("usage: test_tflite_version.py fashion|vww")
        return 2
    c = oracles.Checks("tflite_version_" + part)
    fashion = os.path.join(oracles.SOURCE_DIR, "examples", "fashion", "fashion_cnn.tflite")
    oracles.require("armnn", fashion)
    oracles.require("litert", fashion)
    with tempfile.TemporaryDirectory(prefix="nq-tflv-") as tmp:
        rng = np.random.default_rng(9)
        np.save(os.path.join(tmp, "f.npy"), rng.random((32, 28, 28, 1), dtype=np.float32))
        if part == "vww" and oracles.shared_present():
            vww = oracles.model("mlperf-tiny-vww/vww_96_float.tflite")
            np.save(os.path.join(tmp, "v.npy"), rng.random((8, 96, 96, 3), dtype=np.float32))
            check_model(c, "vww", vww, os.path.join(tmp, "v.npy"), tmp)
            c.finish()
        if part == "vww":  # the same rules on a committed depthwise model (VWW is mostly depthwise)
            dw = os.path.join(oracles.SOURCE_DIR, "tests", "golden", "vectors", "f_depthwise_mult2_s2.tflite")
            print("NOTE: ../shared is absent: the committed %s stands in for VWW" % dw)
            np.save(os.path.join(tmp, "d.npy"), rng.random((8, 8, 7, 3), dtype=np.float32))
            check_model(c, "depthwise", dw, os.path.join(tmp, "d.npy"), tmp)
            c.finish()
        check_model(c, "fashion", fashion, os.path.join(tmp, "f.npy"), tmp)
        # Refused before any work: a release older than 2.4, or no release at all.
        for bad in ("2.3", "two"):
            p = oracles.cli("convert", fashion, "-d", os.path.join(tmp, "f.npy"), "-o",
                            os.path.join(tmp, "x.tflite"), "--tflite-version", bad)
            c.check(p.returncode == 2 and "--tflite-version expects" in p.stderr,
                    "--tflite-version %s: exit %d, %s" % (bad, p.returncode, p.stderr.strip()))
    c.finish()


if __name__ == "__main__":
    oracles.main(test)
