#!/usr/bin/python3
"""`npuquant run` behaviour that needs no other runtime: input checks (type,
shape, count, each message naming the input and both shapes), output files
and their contents' consistency with --tensors dumps, --repeat timing line, --profile tables,
--threads/--reference giving the same result, atomic output (no temp files
left), and refusing to write over an input. On a float model from ../shared (input
[1, 1]), else on the committed ONNX CNN of tests/golden/frontends."""
import glob
import json
import os
import re
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
from oracles import Checks, cli, model, models_dir  # noqa: E402

T = Checks("cli_run")
_dir, _golden = models_dir()
M = (os.path.join(_dir, "..", "frontends", "cnn.onnx") if _golden
     else model("tflm-history/hello_world_old/hello_world_no_quant.tflite"))  # float, input [1,1]
facts = json.loads(cli("inspect", "--json", M).stdout)
inp, outp = facts["inputs"][0], facts["outputs"][0]
T.check(inp["type"] == "float32", "test model input is float32: %s" % inp)
SHAPE = tuple(inp["shape"])
BAD_SHAPE = SHAPE[:-1] + (SHAPE[-1] + 1,)


def shape_text(sh):
    return "[%s]" % ", ".join(map(str, sh))


def one_line(r, *needles):
    lines = r.stderr.splitlines()
    return len(lines) == 1 and lines[0].startswith("npuquant: ") and all(n in lines[0] for n in needles)


with tempfile.TemporaryDirectory() as d:
    x = os.path.join(d, "x.npy")
    np.save(x, np.full(SHAPE, 0.75, np.float32))
    prefix = os.path.join(d, "y")

    # Wrong shape / type / count: exit 1, message names the input and both shapes.
    bad = os.path.join(d, "bad.npy")
    np.save(bad, np.zeros(BAD_SHAPE, np.float32))
    r = cli("run", M, "-i", bad, "-o", prefix)
    T.check(r.returncode == 1 and one_line(r, "input 0", inp["name"], shape_text(SHAPE), shape_text(BAD_SHAPE), "bad.npy"),
            "wrong input shape: exit %d %r" % (r.returncode, r.stderr))
    np.save(bad, np.zeros(SHAPE, np.int32))
    r = cli("run", M, "-i", bad, "-o", prefix)
    T.check(r.returncode == 1 and one_line(r, inp["name"], "float32", "int32"), "wrong input type: %r" % r.stderr)
    np.save(bad, np.zeros(SHAPE, np.float64))
    r = cli("run", M, "-i", bad, "-o", prefix)
    T.check(r.returncode == 1 and one_line(r, "bad.npy", "float64"), "float64 input: exit %d %r" % (r.returncode, r.stderr))
    r = cli("run", M, "-i", x, "-i", x, "-o", prefix)
    T.check(r.returncode == 1 and one_line(r, "1 input", "2 input files"), "two inputs for one: %r" % r.stderr)
    with open(bad, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00\x10\x00{'descr': 'zz'}")
    r = cli("run", M, "-i", bad, "-o", prefix)
    T.check(r.returncode == 1 and one_line(r, "bad.npy"), "malformed .npy: exit %d %r" % (r.returncode, r.stderr))
    T.check(not os.path.exists(prefix + ".out0.npy"), "no output written after failures")

    # A good run.
    r = cli("run", M, "-i", x, "-o", prefix)
    T.check(r.returncode == 0 and r.stderr == "", "run: exit %d %r" % (r.returncode, r.stderr))
    T.check(("wrote %s.out0.npy" % prefix) in r.stdout, "run reports the file it wrote: %r" % r.stdout)
    y = np.load(prefix + ".out0.npy")
    T.check(y.dtype == np.float32 and list(y.shape) == outp["shape"] and np.all(np.isfinite(y)), "output: %s %s" % (y.dtype, y.shape))
    T.check(sorted(os.listdir(d)) == ["bad.npy", "x.npy", "y.out0.npy"], "no temp files left: %s" % os.listdir(d))

    # Threads and reference kernels compute the same function.
    for extra in (["--threads", "1"], ["--threads", "2"], ["--reference"]):
        r = cli("run", M, "-i", x, "-o", prefix + "2", *extra)
        y2 = np.load(prefix + "2.out0.npy") if r.returncode == 0 else None
        T.check(y2 is not None and np.allclose(y2, y, rtol=1e-5, atol=1e-6), "run %s: %r vs %r" % (extra, y2, y))

    # --repeat: the timing line, min <= median, outputs still written.
    r = cli("run", M, "-i", x, "-o", prefix + "3", "--repeat", "5")
    m = re.search(r"^min (\d+\.\d+) ms, median (\d+\.\d+) ms per inference", r.stdout, re.M)
    T.check(r.returncode == 0 and m and float(m.group(1)) <= float(m.group(2)), "--repeat line: %r" % r.stdout)
    T.check(os.path.exists(prefix + "3.out0.npy") and np.array_equal(np.load(prefix + "3.out0.npy"), y), "--repeat output equals a single run")

    # --profile: the op table counts exactly the model's nodes per op (as
    # inspect lists them), shares add up to 100%, rows are sorted by time,
    # GFLOP/s is given for the conv/FC rows only, outputs are unchanged.
    r = cli("run", M, "-i", x, "-o", prefix + "5", "--repeat", "4", "--profile")
    head = re.search(r"^profile: (\d+\.\d+) ms per run, summed over (\d+) nodes, mean of (\d+) runs$", r.stdout, re.M)
    T.check(r.returncode == 0 and head and int(head.group(2)) == facts["num_operators"] and head.group(3) == "4",
            "--profile headline: %r" % r.stdout)
    op_rows = re.findall(r"^([A-Z0-9_]+) +(\d+) +(\d+\.\d+) +(\d+\.\d)%( +\d+\.\d)? *$", r.stdout, re.M)
    want = {}
    for o in facts["ops"]:
        want[o["op"]] = want.get(o["op"], 0) + o["count"]
    T.check({o[0]: int(o[1]) for o in op_rows} == want, "--profile op table %r, model ops %r" % (op_rows, want))
    T.check(abs(sum(float(o[3]) for o in op_rows) - 100.0) < 0.1 * len(op_rows) + 0.1 or
            float(head.group(1) if head else 1) == 0.0, "--profile shares add up to 100%%: %r" % op_rows)
    node_rows = re.findall(r"^ *(\d+) ([A-Z0-9_]+) +(fast|ref|int8-fast|int8) +(\d+\.\d+) +(\d+\.\d)%( +\d+\.\d)?", r.stdout, re.M)
    times = [float(n[3]) for n in node_rows]
    T.check(len(node_rows) == min(30, facts["num_operators"]) and times == sorted(times, reverse=True),
            "--profile node table: %r" % node_rows)
    T.check(all(bool(n[5]) == (n[1] in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"))
                for n in node_rows if float(n[3]) > 0), "--profile GFLOP/s on conv/FC rows only: %r" % node_rows)
    T.check(np.array_equal(np.load(prefix + "5.out0.npy"), y), "--profile output equals a single run")
    r = cli("run", M, "-i", x, "-o", prefix + "6", "--profile")
    T.check(r.returncode == 0 and "mean of 1 runs" in r.stdout, "--profile without --repeat times one run: %r" % r.stdout)

    # --tensors: one file per tensor; the input and output tensors' files hold
    # the input and the output.
    tdir = os.path.join(d, "tensors")
    r = cli("run", M, "-i", x, "-o", prefix + "4", "--tensors", tdir)
    files = sorted(os.listdir(tdir)) if os.path.isdir(tdir) else []
    T.check(r.returncode == 0 and len(files) == facts["num_tensors"], "--tensors wrote %d files for %d tensors: %r" % (len(files), facts["num_tensors"], r.stderr))
    T.check(all(re.fullmatch(r"\d+_[A-Za-z0-9._-]*\.npy", f) for f in files), "tensor file names are sanitized: %s" % files[:5])
    full = json.loads(cli("inspect", "--json", "--tensors", M).stdout)["tensors"]
    by_index = {int(f.split("_")[0]): os.path.join(tdir, f) for f in files}
    for t in full:
        a = np.load(by_index[t["index"]]) if t["index"] in by_index else None
        T.check(a is not None and list(a.shape) == t["shape"] and a.dtype.name == t["type"], "tensor %d file matches its shape/type" % t["index"])
        if a is not None and t["name"] == inp["name"]:
            T.check(np.array_equal(a, np.load(x)), "input tensor dump equals the input")
        if a is not None and t["name"] == outp["name"]:
            T.check(np.array_equal(a, y), "output tensor dump equals the output file")

    # Never write over an input: PREFIX.out0.npy is the input itself.
    victim = os.path.join(d, "p.out0.npy")
    np.save(victim, np.full(SHAPE, 0.25, np.float32))
    before = open(victim, "rb").read()
    r = cli("run", M, "-i", victim, "-o", os.path.join(d, "p"))
    T.check(r.returncode == 1 and one_line(r, "refusing", victim), "overwrite of input refused: %r" % r.stderr)
    T.check(open(victim, "rb").read() == before, "the input file is unchanged")

    # An output folder that does not exist: exit 1 naming the path.
    r = cli("run", M, "-i", x, "-o", os.path.join(d, "no", "such", "dir", "y"))
    T.check(r.returncode == 1 and one_line(r, os.path.join(d, "no", "such", "dir", "y.out0.npy")), "unwritable output: %r" % r.stderr)
    T.check(not glob.glob(os.path.join(d, "*.tmp*")), "no temp files left anywhere")
T.finish()
