#!/usr/bin/python3
"""Generates the committed int8 golden vectors (tests/golden/vectors), once.

    /usr/bin/python3 tests/golden/generate.py BUILD_DIR [OUT_DIR]

What it writes, per case (one small int8 .tflite, mostly one op):
  <case>.tflite                the model (its weights, scales and zero points)
  <case>.in<k>.npy             inputs: seeded pseudo-random values over each input's
                               whole integer range
  <case>.<source>.out<k>.npy   outputs computed by an independent runtime `source`
and MANIFEST: one line per (case, rounding mode) naming the source whose outputs are
the expected ones in that mode, under a header naming each source and its version.
Float one-op models (tests/float_oracle's maker, prefix f_) get one line with mode
"float": LiteRT.js's outputs, to be matched within 1e-4 of their largest magnitude.

Where the models come from: npuquant's own IR builder and TFLite writer (the per-op makers
of tests/int8, tests/int8_ops and make_golden_models.c). Writing a model is not computing
its outputs: every expected output comes from a runtime that shares no code with
npuquant.

The sources, and which rounding mode each one stands for:
  litert  LiteRT.js (TFLite in WebAssembly). It hands an op to XNNPACK when XNNPACK takes
          it quantized (conv, depthwise, FC, transpose conv, ADD/SUB/MUL, MEAN, LEAKY_RELU,
          ...): XNNPACK's arithmetic is what npuquant's single-rounding mode reproduces.
          Everything else runs TFLite's builtin kernels in TFLite's default double
          rounding (PRELU, SOFTMAX, LOG_SOFTMAX, RSQRT, ...). For ops without
          requantization (data movement, max pool, min/max, arg max) the modes agree.
  armnn   Arm NN 20.08's CpuRef backend (Debian python3-pyarmnn): single rounding (one
          rounding of the real multiplier's product), an independent second opinion for
          ops LiteRT runs in double rounding.
  numpy   numpy_ref.py: TFLite's documented reference arithmetic (integer accumulators,
          MultiplyByQuantizedMultiplier with gemmlowp's double rounding) written out in
          numpy for the requantizing ops that LiteRT hands to XNNPACK, so the double-
          rounding mode of those ops has an expected value too.

Which mode a source's outputs are recorded for is decided by comparing them with
npuquant's two modes at generation time: a source's output becomes the expected value of
a mode only where npuquant in that mode equals it bit for bit (and a case with no source
for a mode is listed as a gap and written to no MANIFEST line). So the vectors pin today's
agreement with independent runtimes; test_golden.c then checks it on every build, with no
node, python or ../shared, and fails when an int8 kernel has no vector in either mode.
The generation log (printed) lists, per case, each source's step difference from both of
npuquant's modes.
"""
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
sys.path.insert(0, HERE)
import oracles  # noqa: E402
import numpy_ref  # noqa: E402

# Cases whose LiteRT.js output is known wrong (see tests/int8/int8_ops_oracle.py).
LITERT_UNUSABLE = {"concat_requant"}
SEED = 16
# numpy_ref's formulas stand only for the rounding they implement.
OTHER_NUMPY = {"single": "numpy_double", "double": "numpy_single"}
FLOAT_TOL = 1e-4


def makers(build):
    """(maker binary, prefix of the case names, file suffix). The int8_ops maker writes a
    float model and npuquant's int8 conversion of it per line (NAME LO HI)."""
    return [
        (os.path.join(build, "tests", "int8", "nq_make_op_models"), "", ""),
        (os.path.join(build, "tests", "int8_ops", "nq_make_quant_op_models"), "q_", "_i8"),
        (os.path.join(build, "tests", "golden", "nq_make_golden_models"), "", ""),
    ]


def versions():
    pkg = os.path.join(oracles.ORACLES, "node_modules", "@litertjs", "core", "package.json")
    import json  # noqa: PLC0415
    with open(pkg) as f:
        litert = json.load(f)["version"]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    armnn = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-pyarmnn"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "litert": "LiteRT.js @litertjs/core %s (node %s), tests/oracles/litert_run.mjs" % (litert, node),
        "armnn": "Arm NN CpuRef, Debian python3-pyarmnn %s, tests/oracles/armnn_run.py" % armnn,
        "numpy_double": "tests/golden/numpy_ref.py, TFLite's reference formulas in double rounding,"
                        " numpy %s" % np.__version__,
        "numpy_single": "tests/golden/numpy_ref.py, TFLite's reference formulas in single rounding"
                        " (TFLITE_SINGLE_ROUNDING), numpy %s" % np.__version__,
    }


def make_inputs(facts, rng):
    ins = []
    for inp in facts["inputs"]:
        lo, hi = {"int8": (-128, 127), "uint8": (0, 255)}[inp["type"]]
        ins.append(rng.integers(lo, hi + 1, size=inp["shape"]).astype(inp["type"]))
    return ins


def float_inputs(facts, name):
    """Seeded uniform [-1, 1] values, cast to each input's type (as op_oracle.py)."""
    rng = np.random.default_rng(99 + sum(map(ord, name)))
    return [rng.uniform(-1, 1, size=i["shape"]).astype(i["type"]) for i in facts["inputs"]]


def float_error(a, b):
    """max|a - b| / max|b| for floats, the count of differing elements otherwise."""
    worst = 0.0
    for x, y in zip(a, b):
        if x.size != y.size or x.dtype != y.dtype:
            return float("inf")
        if not np.issubdtype(y.dtype, np.floating):
            worst = max(worst, float(np.count_nonzero(x.ravel() != y.ravel())))
            continue
        x64, y64 = x.astype(np.float64).ravel(), y.astype(np.float64).ravel()
        if y64.size:
            worst = max(worst, float(np.abs(x64 - y64).max() / max(np.abs(y64).max(), 1e-30)))
    return worst if len(a) == len(b) else float("inf")


def float_cases(build, out_dir, runner, tmp):
    """(MANIFEST lines, gaps) of the float one-op models: LiteRT.js's outputs where
    npuquant's float executor is within FLOAT_TOL of them."""
    d = os.path.join(tmp, "float")
    os.makedirs(d)
    maker = os.path.join(build, "tests", "float_oracle", "nq_make_float_op_models")
    subprocess.run([maker, d], capture_output=True, text=True, check=True)
    lines, gaps = [], []
    for f in sorted(os.listdir(d)):
        name, src = "f_" + f[:-len(".tflite")], os.path.join(d, f)
        ins = float_inputs(oracles.tflite_facts(src), name)
        try:
            lite = oracles.run("litert", src, ins)
        except oracles.OracleError as e:
            print("%-34s litert: %s" % (name, str(e)[-90:]))
            gaps.append("%s float (LiteRT.js refuses it)" % name)
            continue
        err = float_error(ours(runner, src, ins, False, tmp), lite)
        print("%-34s litert: float error %.2g" % (name, err))
        if err > FLOAT_TOL:
            gaps.append("%s float" % name)
            continue
        shutil.copyfile(src, os.path.join(out_dir, name + ".tflite"))
        for k, x in enumerate(ins):
            np.save(os.path.join(out_dir, "%s.in%d.npy" % (name, k)), x)
        for k, o in enumerate(lite):
            np.save(os.path.join(out_dir, "%s.litert.out%d.npy" % (name, k)), o)
        lines.append("%s float litert" % name)
    return lines, gaps


def ours(runner, model, ins, single, tmp):
    tmp = tempfile.mkdtemp(dir=tmp)
    paths = []
    for k, x in enumerate(ins):
        paths.append(os.path.join(tmp, "in%d.npy" % k))
        np.save(paths[-1], x)
    prefix = os.path.join(tmp, "ours")
    flag = ["--single-rounding"] if single else []
    p = subprocess.run([runner] + flag + [model, prefix] + paths, capture_output=True, text=True)
    if p.returncode != 0:
        raise oracles.OracleError("npuquant: " + p.stderr.strip())
    return oracles.load_outputs(prefix)


def steps(a, b):
    if len(a) != len(b):
        return None
    worst = 0
    for x, y in zip(a, b):
        if x.size != y.size or x.dtype != y.dtype:
            return None
        worst = max(worst, oracles.max_steps(x.reshape(-1), y.reshape(-1)))
    return worst


def source_outputs(name, model, ins):
    """{source: outputs or error string}."""
    out = {}
    for src in ("litert", "armnn"):
        if src == "litert" and name in LITERT_UNUSABLE:
            out[src] = "known wrong output"
            continue
        try:
            out[src] = oracles.run(src, model, ins)
        except (oracles.OracleError, oracles.OracleSkip) as e:
            out[src] = str(e)[-90:]
    for src, single in (("numpy_double", False), ("numpy_single", True)):
        try:
            out[src] = numpy_ref.run(model, ins, single)
        except numpy_ref.Unsupported as e:
            out[src] = "n/a (%s)" % e
    return out


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        return 2
    build = sys.argv[1]
    out_dir = sys.argv[2] if len(sys.argv) == 3 else os.path.join(HERE, "vectors")
    runner = os.path.join(build, "tests", "int8", "nq_int8_run")
    ver = versions()
    rng = np.random.default_rng(SEED)
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    lines, gaps = [], []
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for maker, prefix, suffix in makers(build):
            d = os.path.join(tmp, os.path.basename(maker))
            os.makedirs(d)
            mk = subprocess.run([maker, d], capture_output=True, text=True, check=True)
            for line in mk.stdout.splitlines():
                n = line.split()[0]
                cases.append((prefix + n, os.path.join(d, n + suffix + ".tflite")))
        for name, src_model in cases:
            model = os.path.join(out_dir, name + ".tflite")
            shutil.copyfile(src_model, model)
            ins = make_inputs(oracles.tflite_facts(model), rng)
            mine = {m: ours(runner, model, ins, m == "single", tmp) for m in ("single", "double")}
            srcs = source_outputs(name, model, ins)
            used = {}
            row = []
            for src, outs in srcs.items():
                if isinstance(outs, str):
                    row.append("%s: %s" % (src, outs))
                    continue
                d = {m: steps(outs, mine[m]) for m in mine}
                row.append("%s: single %s double %s" % (src, d["single"], d["double"]))
                for m in ("single", "double"):
                    # numpy_ref's formulas stand only for the rounding they implement.
                    if d[m] == 0 and m not in used and src != OTHER_NUMPY[m]:
                        used[m] = src
            for m in ("single", "double"):
                if m not in used:
                    gaps.append("%s %s" % (name, m))
            for src in sorted(set(used.values())):
                for k, o in enumerate(srcs[src]):
                    np.save(os.path.join(out_dir, "%s.%s.out%d.npy" % (name, src, k)), o)
            if used:
                for k, x in enumerate(ins):
                    np.save(os.path.join(out_dir, "%s.in%d.npy" % (name, k)), x)
                for m in ("single", "double"):
                    if m in used:
                        lines.append("%s %s %s" % (name, m, used[m]))
            else:
                os.remove(model)
            print("%-34s %s" % (name, " | ".join(row)))
        flines, fgaps = float_cases(build, out_dir, runner, tmp)
        lines += flines
        gaps += fgaps
    with open(os.path.join(out_dir, "MANIFEST"), "w") as f:
        f.write("# npuquant int8 golden vectors: CASE MODE SOURCE. Expected outputs of CASE.tflite on\n")
        f.write("# CASE.in<k>.npy in rounding MODE are CASE.SOURCE.out<k>.npy, computed by SOURCE.\n")
        f.write("# Generated %s by tests/golden/generate.py (seed %d) on %s.\n"
                % (datetime.date.today().isoformat(), SEED, platform.machine()))
        for src in ("litert", "armnn", "numpy_double", "numpy_single"):
            f.write("# source %s: %s\n" % (src, ver[src]))
        for g in gaps:
            f.write("# gap (no source agrees with npuquant): %s\n" % g)
        f.write("\n".join(lines) + "\n")
    print("%d vectors, %d gaps: %s" % (len(lines), len(gaps), ", ".join(gaps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
