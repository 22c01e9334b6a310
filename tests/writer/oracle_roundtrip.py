#!/usr/bin/python3
"""The TFLite writer judged by independent runtimes.

    /usr/bin/python3 oracle_roundtrip.py PATH/TO/nq_rewrite PATH/TO/npuquant litert|armnn

For every float or int8 .tflite under $NQ_SHARED_DIR/models that npuquant loads, the
model is written back by npuquant (nq_rewrite = nq_model_load + nq_model_save_tflite),
and then:
  - tests/oracles/tflite_facts.py (python3-flatbuffers, no npuquant code) must report the
    same model inputs/outputs (names, shapes, types, scales, zero points, quantized
    dimension) and, unless the reader folded constant DEQUANTIZE ops away, the same
    operator counts per (op, version); the zip of TFLite metadata associated files
    (labels) appended to the original must be in the rewritten file, same contents;
  - litert: LiteRT.js must run the rewritten model and give bit-identical outputs for the original and the rewritten file on
    the same random inputs (models LiteRT cannot run even in their original form are
    skipped and listed; models whose constant DEQUANTIZE or hybrid int8 weights the reader
    folds into float32 are only required to run, their outputs legitimately differ);
  - armnn: Arm NN CpuRef must do the same for a few small models its op set covers.
One oracle per run (two ctest tests), so a missing LiteRT.js never hides the Arm NN
checks. Neither run needs ../shared: without it, each sweeps the committed golden
models (tests/golden/vectors, oracles.models_dir()), LiteRT's answers replayed from
tests/golden/recorded when LiteRT.js is not installed. Exit 0 on success, 1 on any
difference, 77 when ../shared (litert), LiteRT.js or Arm NN is missing (unless CI=true).
"""
import concurrent.futures
import os
import subprocess
import struct
import sys
import tempfile
import time
import zipfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402
import tflite_facts  # noqa: E402

ARMNN_MAX_MODELS = 16
ARMNN_MAX_TRIES = 30
ARMNN_MAX_BYTES = 1_000_000  # CpuRef is slow: models up to VWW size
NP_TYPES = {"float32": np.float32, "int8": np.int8, "uint8": np.uint8, "int16": np.int16,
            "int32": np.int32, "int64": np.int64, "bool": np.bool_}


def model_files(root):
    out = []
    for d, _, names in os.walk(root):
        out += [os.path.join(d, n) for n in names if n.endswith(".tflite")]
    return sorted(out)


def make_inputs(facts, seed, work):
    """Random inputs, identical for both files: floats N(0,1)*0.5, integer types over
    their range, index-like int32/int64 kept at 0..1 so gathers stay in bounds."""
    rng = np.random.default_rng(seed)
    paths = []
    for k, t in enumerate(facts["inputs"]):
        shape = [max(1, d) for d in t["shape"]]
        typ = t["type"]
        if typ not in NP_TYPES:
            return None, "input %d has type %s" % (k, typ)
        if typ == "float32":
            a = (rng.standard_normal(shape) * 0.5).astype(np.float32)
        elif typ in ("int8", "uint8", "int16"):
            info = np.iinfo(NP_TYPES[typ])
            a = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(NP_TYPES[typ])
        elif typ == "bool":
            a = rng.integers(0, 1, size=shape, endpoint=True).astype(np.bool_)
        else:
            a = rng.integers(0, 1, size=shape, endpoint=True).astype(NP_TYPES[typ])
        p = os.path.join(work, "in%d.npy" % k)
        np.save(p, a)
        paths.append(p)
    return paths, None


def run(cmd, timeout):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return r.returncode, (r.stderr.strip().splitlines() or [""])[-1]
    except subprocess.TimeoutExpired:
        return -1, "timeout after %ds" % timeout
    except FileNotFoundError as e:  # no node: same as the runner's "not installed"
        return 77, "SKIP: %s" % e


def outputs_equal(prefix_a, prefix_b, n):
    for k in range(n):
        a = np.load("%s.out%d.npy" % (prefix_a, k))
        b = np.load("%s.out%d.npy" % (prefix_b, k))
        if a.dtype != b.dtype or a.shape != b.shape:
            return "output %d: %s%s vs %s%s" % (k, a.dtype, a.shape, b.dtype, b.shape)
        if a.tobytes() != b.tobytes():
            diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
            return "output %d: %d elements differ (max |diff| %g)" % (
                k, int(np.count_nonzero(diff)), float(np.nanmax(diff)))
    return None


def reader_rewrites(fa, fb):
    """fa's facts as npuquant's reader legitimately rewrites them: MediaPipe's custom
    Convolution2DTransposeBias becomes the builtin TRANSPOSE_CONV (+ bias), and the
    outputs of TFLite_Detection_PostProcess, unshaped in files (TFLite sizes them at
    prepare), get their shapes from the op's options."""
    ops = {}
    for o in fa["ops"]:
        name = "TRANSPOSE_CONV" if o["op"] == "CUSTOM:Convolution2DTransposeBias" else o["op"]
        key = (name, o["version"])
        ops[key] = dict(o, op=name, count=ops.get(key, {}).get("count", 0) + o["count"])
    fa = dict(fa, ops=sorted(ops.values(), key=lambda o: (o["op"], o["version"])))
    if any(o["op"] == "CUSTOM:TFLite_Detection_PostProcess" for o in fa["ops"]):
        fa["outputs"] = [dict(a, shape=b["shape"]) if not a["shape"] and b["shape"] else a
                         for a, b in zip(fa["outputs"], fb["outputs"])]
    return fa


def facts_differ(fa, fb):
    fa = reader_rewrites(fa, fb)
    fb = dict(fb, ops=sorted(fb["ops"], key=lambda o: (o["op"], o["version"])))
    for key in ("inputs", "outputs"):
        if fa[key] != fb[key]:
            return "%s differ: %s vs %s" % (key, fa[key], fb[key])
    folded = any(o["op"] == "DEQUANTIZE" for o in fa["ops"])
    if not folded and fa["ops"] != fb["ops"]:
        return "op counts differ: %s vs %s" % (fa["ops"], fb["ops"])
    return None


def folded_by_reader(data):
    """Why npuquant's reader changes what the model computes, or None. It folds
    DEQUANTIZE of constants and the int8 weights of hybrid ops (float activations,
    int8 weights: quantized on the fly by TFLite) into float32 constants, so the
    rewritten model is a float model and its outputs legitimately differ."""
    r = tflite_facts.Reader(data)
    model = r.table(tflite_facts.encode.Get(tflite_facts.N.UOffsetTFlags.packer_type, r.buf, 0), "model")
    buffers = r.tables(model, 4, "buffers")
    sg = r.tables(model, tflite_facts.MODEL_SUBGRAPHS, "subgraphs")[0]
    tensors = r.tables(sg, tflite_facts.SUBGRAPH_TENSORS, "tensors")
    codes = r.tables(model, tflite_facts.MODEL_OPERATOR_CODES, "operator_codes")

    def ttype(i):
        return r.scalar(tensors[i], tflite_facts.TENSOR_TYPE, tflite_facts.N.Int8Flags, 0)

    def constant(i):
        b = r.scalar(tensors[i], 2, tflite_facts.N.Uint32Flags, 0)
        return 0 < b < len(buffers) and r.vector(buffers[b], 0, 1, "buffer")[1] > 0

    for k, op in enumerate(r.tables(sg, tflite_facts.SUBGRAPH_OPERATORS, "operators")):
        ins = [i for i in r.numbers(op, 1, tflite_facts.N.Int32Flags, "inputs") if 0 <= i < len(tensors)]
        name = tflite_facts.op_name(r, codes[r.scalar(op, 0, tflite_facts.N.Uint32Flags, 0)])
        if name == "DEQUANTIZE" and ins and constant(ins[0]):
            return "operator %d: DEQUANTIZE of a constant" % k
        if len(ins) >= 2 and ttype(ins[0]) == 0 and any(ttype(i) == 9 and constant(i) for i in ins[1:]):
            return "operator %d (%s): hybrid (float input, int8 weights)" % (k, name)
    return None


def zip_absolute(data):
    """True when the archive's end record gives the central directory's real position."""
    e = data.rfind(b"PK\x05\x06")
    cd_size, cd_off = struct.unpack_from("<II", data, e + 12)
    return cd_off == e - cd_size


def associated_files_differ(orig, new):
    """The zip of TFLite metadata associated files (labels) must survive the rewrite."""
    try:
        za = zipfile.ZipFile(orig)
    except zipfile.BadZipFile:
        return None
    try:
        zb = zipfile.ZipFile(new)
    except zipfile.BadZipFile:
        return "the associated-files archive (%s) was dropped" % za.namelist()
    if za.namelist() != zb.namelist():
        return "associated files %s became %s" % (za.namelist(), zb.namelist())
    for n in za.namelist():
        if za.read(n) != zb.read(n):  # read() also checks the CRC
            return "associated file %s changed" % n
    with open(orig, "rb") as f, open(new, "rb") as g:
        if zip_absolute(f.read()) and not zip_absolute(g.read()):
            return "archive offsets were not moved with the archive"
    return None


def refused_by_executor(npuquant, path, inputs, work):
    """The executor's message when the original model cannot be run on these inputs
    (e.g. a GATHER index outside its table), else None. LiteRT does not check such
    indices, so its outputs then come from memory outside the tensor and cannot be
    compared between the original and the rewritten model."""
    cmd = [npuquant, "run", path, "-o", os.path.join(work, "e")]
    for p in inputs:
        cmd += ["-i", p]
    rc, msg = run(cmd, 120)
    return msg if rc == 1 and ": node " in msg else None  # a node refused, not the inputs


def check_model(idx, path, rewrite, npuquant, tmp, litert=True):
    """Returns (status, message): status in ok, skip-load, skip-type, skip-litert, fail.
    litert=False stops after the facts (status "facts": rewritten, facts equal)."""
    work = os.path.join(tmp, "m%03d" % idx)
    os.makedirs(work)
    out = os.path.join(work, "rewritten.tflite")
    rc, msg = run([rewrite, path, out], 120)
    if rc == 3:
        return "skip-load", msg
    if rc != 0:
        return "fail", "nq_rewrite: " + msg
    fa, fb = oracles.tflite_facts(path), oracles.tflite_facts(out)
    why = facts_differ(fa, fb) or associated_files_differ(path, out)
    if why:
        return "fail", why
    inputs, why = make_inputs(fa, idx, work)
    if inputs is None:
        return "skip-type", why
    if not litert:
        with open(path, "rb") as f:
            folded = folded_by_reader(f.read())
        return ("folded", folded) if folded else ("facts", "")
    n_out = len(fa["outputs"])
    rc, msg = run(oracles.command("litert") + [path, os.path.join(work, "a")] + inputs, 120)
    if rc == 77:
        return "no-litert", msg
    if rc != 0:
        return "skip-litert", msg
    rc, msg = run(oracles.command("litert") + [out, os.path.join(work, "b")] + inputs, 120)
    if rc != 0:
        return "fail", "LiteRT rejects the rewritten model: " + msg
    with open(path, "rb") as f:
        folded = folded_by_reader(f.read())
    if folded:
        return "folded", folded  # runs, but computes in float now: not compared
    why = outputs_equal(os.path.join(work, "a"), os.path.join(work, "b"), n_out)
    if why:
        invalid = refused_by_executor(npuquant, path, inputs, work)
        if invalid:
            return "invalid", "%s; npuquant run: %s" % (why, invalid)
        return "fail", "LiteRT outputs differ: " + why
    return "ok", ""


def quantized_io(path):
    fa = oracles.tflite_facts(path)
    return any(t["type"] in ("int8", "uint8") for t in fa["inputs"] + fa["outputs"])


def check_armnn(path, work, inputs_seed):
    """Arm NN on original vs rewritten. Returns (status, message)."""
    out = os.path.join(work, "rewritten.tflite")
    fa = oracles.tflite_facts(path)
    inputs, _ = make_inputs(fa, inputs_seed, work)
    rc, msg = run(oracles.command("armnn") + [path, os.path.join(work, "c")] + inputs, 120)
    if rc == 77:
        return "no-armnn", msg
    if rc != 0:
        return "skip", msg
    rc, msg = run(oracles.command("armnn") + [out, os.path.join(work, "d")] + inputs, 120)
    if rc != 0:
        return "fail", "Arm NN rejects the rewritten model: " + msg
    why = outputs_equal(os.path.join(work, "c"), os.path.join(work, "d"), len(fa["outputs"]))
    return ("fail", "Arm NN outputs differ: " + why) if why else ("ok", "")


def check_all(files, rewrite, npuquant, tmp, litert):
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futs = {pool.submit(check_model, i, p, rewrite, npuquant, tmp, litert): (i, p)
                for i, p in enumerate(files)}
        for fut in concurrent.futures.as_completed(futs):
            results[futs[fut]] = fut.result()
    return results


def armnn_sweep(results, tmp, root):
    """Arm NN on a few small models whose rewrite kept the facts. Quantized models first
    (the writer's main output), smallest first within each group: quick to run, and
    parse failures of unsupported ops are quick."""
    candidates = sorted(((not quantized_io(p), os.path.getsize(p), i, p)
                         for (i, p), (st, _) in results.items()
                         if st == "facts" and os.path.getsize(p) <= ARMNN_MAX_BYTES))
    candidates = [(i, p) for _, _, i, p in candidates]
    arm = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futs = {pool.submit(check_armnn, p, os.path.join(tmp, "m%03d" % i), i): p
                for i, p in candidates[:ARMNN_MAX_TRIES]}
        for fut in concurrent.futures.as_completed(futs):
            arm.append((os.path.relpath(futs[fut], root),) + fut.result())
    arm.sort()
    return arm


def main():
    started = time.monotonic()
    if len(sys.argv) != 4 or sys.argv[3] not in ("litert", "armnn"):
        print("usage: oracle_roundtrip.py NQ_REWRITE NPUQUANT litert|armnn")
        return 1
    rewrite, npuquant, oracle = sys.argv[1:4]
    root, _ = oracles.models_dir()
    files = model_files(root)
    with tempfile.TemporaryDirectory(prefix="nq_writer_oracle_") as tmp:
        results = check_all(files, rewrite, npuquant, tmp, oracle == "litert")
        by = {}
        for (i, p), (st, msg) in sorted(results.items()):
            by.setdefault(st, []).append((i, os.path.relpath(p, root), msg))
        if by.get("no-litert") and not by.get("ok"):
            oracles.skip("LiteRT.js is not installed: " + by["no-litert"][0][2])
        arm = armnn_sweep(results, tmp, root) if oracle == "armnn" else []
    arm_ok = [a for a in arm if a[1] == "ok"][:ARMNN_MAX_MODELS]
    missing = [a[2] for a in arm if a[1] == "no-armnn"]
    if oracle == "armnn" and not arm_ok and missing:
        oracles.skip("Arm NN is not installed: " + missing[0])
    fails = by.get("fail", []) + [(-1, a[0], a[2]) for a in arm if a[1] == "fail"]

    print("writer oracle round trip (%s) over %d .tflite files in %s (%.0f s):"
          % (oracle, len(files), root, time.monotonic() - started))
    print("  facts kept (tflite_facts.py): %d models" % (len(by.get("ok", [])) + len(by.get("facts", []))))
    if oracle == "litert":
        print("  LiteRT identical outputs: %d models" % len(by.get("ok", [])))
    else:
        print("  Arm NN identical outputs: %d models (%s)" % (len(arm_ok), ", ".join(a[0] for a in arm_ok)))
    for st, label in (("skip-load", "not loaded by npuquant"),
                      ("skip-type", "input types the script cannot feed"),
                      ("folded", "reader folded constants (rewritten model runs, outputs not compared)"),
                      ("skip-litert", "LiteRT cannot run the original"),
                      ("invalid", "invalid model, LiteRT reads outside a tensor (outputs not comparable)")):
        items = by.get(st, [])
        print("  skipped, %s: %d" % (label, len(items)))
        for _, rel, msg in items:
            print("    %s: %s" % (rel, msg.replace("not loaded: ", "")[-160:]))
    for a in arm:
        if a[1] == "skip":
            print("  Arm NN cannot run %s: %s" % (a[0], a[2][:160]))
    for _, rel, msg in fails:
        print("FAIL %s: %s" % (rel, msg))
    if fails:
        return 1
    if oracle == "litert" and not by.get("ok"):
        print("FAIL: no model was checked with LiteRT")
        return 1
    if oracle == "armnn" and not arm_ok:
        print("FAIL: no model was checked with Arm NN")
        return 1
    return 0


if __name__ == "__main__":
    oracles.main(main)
