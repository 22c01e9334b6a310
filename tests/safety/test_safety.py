"""Hostile models and data end in a clear error, within a time and memory budget, and change
no file but the requested output (issue 14: the ten classes of its review).

Every hostile file is made here, small on disk (the 200k-node chain is 5 MB, the zip bombs a
few hundred KB). Each CLI run gets its own limits: RLIMIT_CPU (a runaway ends), RLIMIT_AS of
1 GiB (Release builds; sanitizer builds reserve terabytes of shadow memory, so there only the
peak RSS is reported), and a wall-clock timeout that only a hang reaches (minutes, so a slow
machine never fails the test). The CPU time and peak RSS of every run are checked: at most
10 s and 1 GiB (CPU x10 under sanitizers).

Around every run the test snapshots the files of the case's folders (type, size, inode,
mtime, contents) and afterwards checks that nothing changed except the one requested output,
and that no temporary "*.tmp-*" file was left behind.

Every exit code the cases expect is checked against the table of docs/cli.md, and every error
is one stderr line starting with "npuquant: " (docs/cli.md: "Every error is one line ...").
"""
import hashlib
import os
import re
import resource
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:  # Debian's python3-onnx / python3-numpy missing
    oracles.skip("needs numpy and onnx for Python: %s" % e)

GIB = 1 << 30
SANITIZED = os.environ.get("NQ_SANITIZED") == "1"
CPU_LIMIT_S = 10.0 * (10 if SANITIZED else 1)
T = oracles.Checks("safety")
CLI = oracles.cli_path()
SHARED = os.environ.get("NQ_SHARED_DIR") or os.path.join(oracles.SOURCE_DIR, "..", "shared")

# ---- the documented exit codes ----------------------------------------------------------

DOCS = open(os.path.join(oracles.SOURCE_DIR, "docs", "cli.md")).read()
TABLE = dict((int(c), m) for c, m in re.findall(r"^\| (\d)\s+\| (.+?) \|$", DOCS, re.M))
T.check(sorted(TABLE) == [0, 1, 2, 3, 4, 5], "docs/cli.md has the exit-code table 0..5: %s" % sorted(TABLE))
T.check("`NQ_ERR_UNSUPPORTED` → 3" in DOCS and "`NQ_ERR_INTERNAL` → 4" in DOCS,
        "docs/cli.md maps library statuses onto exit codes")
# What each documented code means, as the cases below rely on it.
T.check("input" in TABLE.get(1, "") and "overwrite an input" in TABLE.get(1, ""),
        "code 1 covers bad input files and outputs that would overwrite an input")
T.check("usage" in TABLE.get(2, ""), "code 2 is a usage error")
codes_seen = set()


# ---- running the CLI under limits -------------------------------------------------------

def limits(fsize=None):
    def pre():
        resource.setrlimit(resource.RLIMIT_CPU, (int(CPU_LIMIT_S * 6), int(CPU_LIMIT_S * 6)))
        if not SANITIZED:
            resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return pre


# Only a hang reaches this; NQ_SAFETY_HANG_S shortens it (e.g. to run the cases against an
# older binary through NQ_CLI, where the FIFO cases do hang).
HANG_S = float(os.environ.get("NQ_SAFETY_HANG_S", "300"))


def run_cli(args, fsize=None, timeout=HANG_S):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.Popen([CLI] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, preexec_fn=limits(fsize))
    try:
        out, err = p.communicate(timeout=timeout)
        hung = False
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        hung = True
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p.returncode, out.decode(errors="replace"), err.decode(errors="replace"), cpu, after.ru_maxrss * 1024, hung


def snapshot(roots):
    snap = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                p = os.path.join(dirpath, name)
                st = os.lstat(p)
                digest = None
                if stat.S_ISREG(st.st_mode) and st.st_size < (64 << 20):
                    with open(p, "rb") as f:
                        digest = hashlib.sha256(f.read()).hexdigest()
                snap[p] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_ino, st.st_mtime_ns, digest,
                           os.readlink(p) if stat.S_ISLNK(st.st_mode) else None)
    return snap


def case(cls, name, args, code, words=(), watch=(), output=None, fsize=None, sig=None):
    """Run one hostile case: exit `code` (or death by `sig`), stderr naming `words`, nothing
    in `watch` changed but `output`, no temporary file left, within the CPU/RSS budget."""
    watch = [w for w in watch if w]
    before = snapshot(watch)
    rc, out, err, cpu, rss, hung = run_cli(args, fsize=fsize)
    after = snapshot(watch)
    label = "class %s, %s" % (cls, name)
    T.check(not hung, "%s: ends (no hang)" % label)
    if sig is not None:
        T.check(rc == -sig, "%s: ended by signal %d (got %s; %s)" % (label, sig, rc, err.strip()[-300:]))
    else:
        T.check(rc == code, "%s: exit %d (got %s: %s)" % (label, code, rc, err.strip()[-400:]))
        T.check(code in TABLE, "%s: exit %d is documented in docs/cli.md" % (label, code))
        codes_seen.add(code)
    if code != 0 and sig is None:
        lines = [l for l in err.splitlines() if l.strip()]
        T.check(len(lines) >= 1 and all(l.startswith("npuquant: ") for l in lines),
                "%s: errors are 'npuquant: ' lines: %r" % (label, err[-300:]))
        for w in words:
            T.check(w in err, "%s: the message names %r: %s" % (label, w, err.strip()[-400:]))
    T.check("Sanitizer" not in err, "%s: no sanitizer report: %s" % (label, err[-600:]))
    T.check(cpu <= CPU_LIMIT_S, "%s: %.2f s of CPU (at most %.0f)" % (label, cpu, CPU_LIMIT_S))
    if not SANITIZED:
        T.check(rss <= GIB, "%s: peak RSS %d MiB (at most 1024)" % (label, rss >> 20))
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p) and p != output)
    T.check(not changed, "%s: no file changed but the output: %s" % (label, changed[:5]))
    temps = [p for p in after if ".tmp-" in os.path.basename(p)]
    T.check(not temps, "%s: no temporary file left: %s" % (label, temps[:3]))
    return rc, err


# ---- model and data makers --------------------------------------------------------------

def save(model, path, external=None):
    if external:
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=external,
                        size_threshold=0)
    else:
        onnx.save_model(model, path)


def graph_model(nodes, inputs, outputs, inits=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def vi(name, shape, t=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, t, shape)


def matmul_model(folder, external="w.bin"):
    """x[1,4] @ W[4,4] -> Relu, W in an external data file."""
    w = numpy_helper.from_array(np.arange(16, dtype=np.float32).reshape(4, 4) / 16, "W")
    m = graph_model([helper.make_node("MatMul", ["x", "W"], ["h"]), helper.make_node("Relu", ["h"], ["y"])],
                    [vi("x", [1, 4])], [vi("y", [1, 4])], [w])
    path = os.path.join(folder, "model.onnx")
    save(m, path, external)
    return path


def set_location(model_path, location):
    m = onnx.load(model_path, load_external_data=False)
    for t in m.graph.initializer:
        for e in t.external_data:
            if e.key == "location":
                e.value = location
    onnx.save_model(m, model_path)


def npy(path, a):
    np.save(path, a)
    return path


def bmp(path, w, h):
    row = (w * 3 + 3) & ~3
    data = bytes(row * h)
    size = 54 + len(data)
    hdr = b"BM" + size.to_bytes(4, "little") + bytes(4) + (54).to_bytes(4, "little")
    dib = (40).to_bytes(4, "little") + w.to_bytes(4, "little") + h.to_bytes(4, "little") + (1).to_bytes(2, "little") \
        + (24).to_bytes(2, "little") + bytes(4) + len(data).to_bytes(4, "little") + bytes(16)
    with open(path, "wb") as f:
        f.write(hdr + dib + data)
    return path


def keras_zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


# ---- a frozen GraphDef, protobuf-encoded by hand (no TensorFlow needed) ----

def pb_varint(n):
    out = b""
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])

def field(num, wire, payload):
    key = pb_varint((num << 3) | wire)
    if wire == 0:
        return key + pb_varint(payload)
    if wire == 2:
        return key + pb_varint(len(payload)) + payload
    raise ValueError

def shape(dims):
    return b"".join(field(2, 2, field(1, 0, d)) for d in dims)

def tensor(dtype, dims, ints=(), floats=()):
    t = field(1, 0, dtype) + field(2, 2, shape(dims))
    if floats:
        t += field(5, 2, b"".join(struct.pack("<f", f) for f in floats))
    if ints:
        t += field(7, 2, b"".join(pb_varint(i) for i in ints))
    return t

def attr(key, value):
    return field(5, 2, field(1, 2, key.encode()) + field(2, 2, value))

def node(name, op, inputs=(), attrs=b""):
    return field(1, 2, field(1, 2, name.encode()) + field(2, 2, op.encode())
                 + b"".join(field(3, 2, i.encode()) for i in inputs) + attrs)

DT_FLOAT, DT_INT32 = 1, 3
def fill_graphdef(n_fill, size):
    """A frozen GraphDef, encoded by hand: x + Fill(dims=[size], 1.0) + ... n_fill times."""
    g = node("x", "Placeholder", (), attr("dtype", field(6, 0, DT_FLOAT)) + attr("shape", field(7, 2, shape([size]))))
    g += node("dims", "Const", (), attr("dtype", field(6, 0, DT_INT32)) + attr("value", field(8, 2, tensor(DT_INT32, [1], ints=[size]))))
    g += node("v", "Const", (), attr("dtype", field(6, 0, DT_FLOAT)) + attr("value", field(8, 2, tensor(DT_FLOAT, [], floats=[1.0]))))
    prev = "x"
    for i in range(n_fill):
        g += node("f%d" % i, "Fill", ("dims", "v"), attr("T", field(6, 0, DT_FLOAT)) + attr("index_type", field(6, 0, DT_INT32)))
        g += node("s%d" % i, "AddV2", (prev, "f%d" % i), attr("T", field(6, 0, DT_FLOAT)))
        prev = "s%d" % i
    return g, prev


# ---- the cases --------------------------------------------------------------------------

def main():
    tmp = tempfile.mkdtemp(prefix="nq_safety_")
    try:
        run_cases(tmp)
    finally:
        for dirpath, dirnames, filenames in os.walk(tmp):
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o755)
        shutil.rmtree(tmp, ignore_errors=True)
    T.check({0, 1, 2} <= codes_seen, "the cases exercise exit codes 0, 1 and 2: %s" % sorted(codes_seen))
    T.finish()


def run_cases(tmp):
    d = os.path.join(tmp, "onnx_ext")
    os.makedirs(d)
    model = matmul_model(d)
    data = npy(os.path.join(tmp, "x.npy"), np.random.RandomState(0).rand(8, 1, 4).astype(np.float32))
    out = os.path.join(tmp, "out.tflite")
    case(0, "a sane model converts", ["convert", model, "-d", data, "-o", out], 0, watch=[tmp], output=out)
    os.remove(out)

    # 1. Data loss: an output over any part of a multi-file input.
    w = os.path.join(d, "w.bin")
    case(1, "-o the ONNX external-data file", ["convert", model, "-d", data, "-o", w], 1,
         ["w.bin", "overwrite"], watch=[tmp])
    case(1, "-o the ONNX model itself", ["convert", model, "-d", data, "-o", model], 1, ["overwrite"], watch=[tmp])
    alias = os.path.join(tmp, "alias.bin")
    os.link(w, alias)
    case(1, "-o a hard link to the external data (another name, same inode)",
         ["convert", model, "-d", data, "-o", alias], 1, ["alias.bin", "inode"], watch=[tmp])
    case(1, "-o the calibration data", ["convert", model, "-d", data, "-o", data], 1, ["x.npy"], watch=[tmp])
    kd = os.path.join(tmp, "keras_json")
    os.makedirs(kd)
    make_weights_only_keras(kd)
    kh5, kjson = os.path.join(kd, "w.h5"), os.path.join(kd, "w.json")
    kdata = npy(os.path.join(kd, "k.npy"), np.random.RandomState(1).rand(4, 1, 4).astype(np.float32))
    case(1, "-o the --keras-json file", ["convert", kh5, "--keras-json", kjson, "-d", kdata, "-o", kjson], 1,
         ["w.json", "overwrite"], watch=[kd])
    sm = copy_savedmodel(tmp)
    if sm:
        smargs = ["--input-shape", "X:1x1"]
        smdata = npy(os.path.join(tmp, "sm.npy"), np.ones((2, 1, 1), np.float32))
        for part in ("saved_model.pb", os.path.join("variables", "variables.index"),
                     os.path.join("variables", "variables.data-00000-of-00001")):
            case(1, "-o SAVEDMODEL/" + part, ["convert", sm, "-d", smdata, "-o", os.path.join(sm, part)] + smargs, 1,
                 [os.path.basename(part)], watch=[sm])

    # 2. Special files at the output path: refused, left as they are.
    sp = os.path.join(tmp, "special")
    os.makedirs(sp)
    fifo = os.path.join(sp, "fifo")
    os.mkfifo(fifo)
    target = os.path.join(sp, "target.txt")
    with open(target, "w") as f:
        f.write("must survive\n")
    link = os.path.join(sp, "link.tflite")
    os.symlink(target, link)
    case(2, "-o a FIFO", ["convert", model, "-d", data, "-o", fifo], 1, ["FIFO"], watch=[sp])
    case(2, "-o a symbolic link", ["convert", model, "-d", data, "-o", link], 1, ["symbolic link"], watch=[sp])
    case(2, "-o a directory", ["convert", model, "-d", data, "-o", sp], 1, ["directory"], watch=[sp])
    os.mkfifo(os.path.join(sp, "r.out0.npy"))
    x1 = npy(os.path.join(tmp, "x1.npy"), np.ones((1, 4), np.float32))
    case(2, "run -o PREFIX whose output is a FIFO", ["run", model, "-i", x1, "-o", os.path.join(sp, "r")], 1,
         ["FIFO"], watch=[sp])
    dev = os.path.join(sp, "null")
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError):
        dev = None
    if dev:
        case(2, "-o a character device (as /dev/null)", ["convert", model, "-d", data, "-o", dev], 1,
             ["character device"], watch=[sp])
    else:
        print("note: cannot make a device node here (not root): the device case is not run")

    # 3. Reading outside the model folder through links.
    secret_dir = os.path.join(tmp, "secret")
    os.makedirs(secret_dir)
    with open(os.path.join(secret_dir, "passwd"), "wb") as f:
        f.write(np.arange(16, dtype=np.float32).tobytes())
    d3 = os.path.join(tmp, "onnx_link")
    os.makedirs(d3)
    m3 = matmul_model(d3)
    os.remove(os.path.join(d3, "w.bin"))
    os.symlink(os.path.join(secret_dir, "passwd"), os.path.join(d3, "w.bin"))
    case(3, "external data that is a link to a file outside", ["inspect", m3], 1, ["outside the model folder"],
         watch=[d3, secret_dir])
    d3b = os.path.join(tmp, "onnx_linkdir")
    os.makedirs(d3b)
    m3b = matmul_model(d3b)
    os.symlink(secret_dir, os.path.join(d3b, "sub"))
    set_location(m3b, "sub/passwd")
    case(3, "external data in a linked folder outside", ["inspect", m3b], 1, ["outside the model folder"],
         watch=[d3b, secret_dir])
    d3c = os.path.join(tmp, "data_link")
    os.makedirs(d3c)
    shutil.copy(data, os.path.join(d3c, "a.npy"))
    os.mkfifo(os.path.join(secret_dir, "pipe.npy"))
    os.symlink(os.path.join(secret_dir, "pipe.npy"), os.path.join(d3c, "b.npy"))
    # Links in a data folder may point elsewhere (data sets picked as links are common), but a
    # link to a FIFO is skipped, never opened.
    o3 = os.path.join(tmp, "o3.tflite")
    case(3, "a data folder with a link to a FIFO elsewhere", ["convert", model, "-d", d3c, "-o", o3], 0,
         watch=[d3c, secret_dir, tmp], output=o3)

    # 4. FIFOs where files are expected: refused at once, never read.
    d4 = os.path.join(tmp, "onnx_fifo")
    os.makedirs(d4)
    m4 = matmul_model(d4)
    os.remove(os.path.join(d4, "w.bin"))
    os.mkfifo(os.path.join(d4, "w.bin"))
    case(4, "a FIFO as ONNX external data", ["inspect", m4], 1, ["FIFO"], watch=[d4])
    f4 = os.path.join(tmp, "fifo_model.onnx")
    os.mkfifo(f4)
    case(4, "a FIFO as the model", ["inspect", f4], 1, ["fifo_model.onnx"], watch=[tmp])
    f4d = os.path.join(tmp, "fifo_data.npy")
    os.mkfifo(f4d)
    case(4, "a FIFO as calibration data", ["convert", model, "-d", f4d, "-o", out], 1, ["FIFO"], watch=[tmp])
    case(4, "a FIFO as run input", ["run", model, "-i", f4d, "-o", os.path.join(tmp, "r4")], 1, ["FIFO"],
         watch=[tmp])
    if sm:
        sm4 = copy_savedmodel(tmp, "sm_fifo")
        shard = os.path.join(sm4, "variables", "variables.data-00000-of-00001")
        os.remove(shard)
        os.mkfifo(shard)
        case(4, "a FIFO as a SavedModel variables shard", ["inspect", sm4, "--input-shape", "X:1x1"], 1,
             ["FIFO"], watch=[sm4])

    # 5. Memory: small files that used to expand to gigabytes.
    d5 = os.path.join(tmp, "mem")
    os.makedirs(d5)
    zeros = b"[" + b"0," * (64 << 20) + b"0]"
    k1 = keras_zip(os.path.join(d5, "json_bomb.keras"), {"config.json": zeros, "model.weights.h5": empty_h5(d5)})
    del zeros
    T.check(os.path.getsize(k1) < (1 << 20), "the JSON bomb is small on disk (%d bytes)" % os.path.getsize(k1))
    case(5, ".keras whose config.json is 128 MiB of zeros", ["inspect", k1], 1, ["json_bomb.keras", "bytes"],
         watch=[d5])
    k2 = keras_zip(os.path.join(d5, "weights_bomb.keras"),
                   {"config.json": b'{"class_name": "Sequential", "config": {"layers": []}}',
                    "model.weights.h5": bytes(256 << 20)})
    case(5, ".keras whose weights inflate 1000:1", ["inspect", k2], 1, ["model.weights.h5", "zip bomb"], watch=[d5])
    nodes, outs = [], []
    shape = numpy_helper.from_array(np.array([1 << 24], dtype=np.int64), "shape")
    for i in range(64):
        nodes.append(helper.make_node("ConstantOfShape", ["shape"], ["c%d" % i],
                                      value=numpy_helper.from_array(np.array([1], np.int64))))
        nodes.append(helper.make_node("Cast", ["c%d" % i], ["f%d" % i], to=TensorProto.FLOAT))
        nodes.append(helper.make_node("Add", ["x" if i == 0 else "s%d" % (i - 1), "f%d" % i], ["s%d" % i]))
    m5 = graph_model(nodes, [vi("x", [1 << 24])], [vi("s63", [1 << 24])], [shape])
    p5 = os.path.join(d5, "constantofshape.onnx")
    save(m5, p5)
    case(5, "64 ConstantOfShape of 2^24 int64 each, --max-memory 512M", ["inspect", p5, "--max-memory", "512M"], 1,
         ["memory budget", "--max-memory"], watch=[d5])
    g, last = fill_graphdef(64, 1 << 24)
    pg = os.path.join(d5, "fills.pb")
    with open(pg, "wb") as f:
        f.write(g)
    case(5, "64 GraphDef Fill of 2^24 floats each, --max-memory 256M",
         ["inspect", pg, "--inputs", "x", "--outputs", last, "--max-memory", "256M"], 1,
         ["(Fill)", "memory budget"], watch=[d5])
    nodes = []
    sizes = numpy_helper.from_array(np.array([1, 3, 256, 256], dtype=np.int64), "sizes")
    prev = "x"
    for i in range(5000):
        nodes.append(helper.make_node("Resize", [prev, "", "", "sizes"], ["r%d" % i], mode="nearest"))
        prev = "r%d" % i
    m6 = graph_model(nodes, [vi("x", [1, 3, 8, 8])], [vi(prev, [1, 3, 256, 256])], [sizes])
    p6 = os.path.join(d5, "resize_chain.onnx")
    save(m6, p6)
    x6 = npy(os.path.join(d5, "x6.npy"), np.ones((1, 1, 3, 8, 8), np.float32))
    case(5, "a chain of 5000 Resize to 256x256 (3.9 GB with every tensor kept), --max-memory 512M",
         ["convert", p6, "-d", x6, "-o", os.path.join(d5, "o.tflite"), "--max-memory", "512M"], 1,
         ["memory budget", "arena"], watch=[d5])
    case(5, "a bad --max-memory is a usage error", ["inspect", p6, "--max-memory", "lots"], 2, ["--max-memory"],
         watch=[d5])

    # 6. Time: a 200k-node chain loads and converts in seconds.
    d6 = os.path.join(tmp, "chain")
    os.makedirs(d6)
    n = 200000 if not SANITIZED else 50000
    nodes = [helper.make_node("Relu", ["t%d" % i], ["t%d" % (i + 1)]) for i in range(n)]
    pc = os.path.join(d6, "relu_chain.onnx")
    save(graph_model(nodes, [vi("t0", [1, 4])], [vi("t%d" % n, [1, 4])]), pc)
    T.check(os.path.getsize(pc) < (6 << 20), "the %d-node chain is %d bytes" % (n, os.path.getsize(pc)))
    oc = os.path.join(d6, "chain_int8.tflite")
    # --recipe tf: one conversion (the automatic recipe's search is eight, by design)
    case(6, "a %d-node ReLU chain converts" % n, ["convert", pc, "-d", data, "-o", oc, "--recipe", "tf"], 0,
         watch=[d6], output=oc)

    # 7. The SavedModel without a readable variables.index (a leak under LeakSanitizer).
    if sm:
        sm7 = copy_savedmodel(tmp, "sm_noindex")
        os.remove(os.path.join(sm7, "variables", "variables.index"))
        case(7, "a SavedModel without variables.index", ["inspect", sm7, "--input-shape", "X:1x1"], 1,
             ["variables.index"], watch=[sm7])

    # 8. Exit codes and messages as docs/cli.md says.
    d8 = os.path.join(tmp, "codes")
    os.makedirs(d8)
    for dt in ("float64", "complex64", "object"):
        a = np.ones((2, 1, 4), dtype=dt)
        p = os.path.join(d8, "%s.npy" % dt)
        np.save(p, a, allow_pickle=True)
        case(8, "a %s .npy to convert -d is an input error" % dt, ["convert", model, "-d", p, "-o", out], 1,
             ["%s.npy" % dt], watch=[d8, tmp])
    jpg = os.path.join(d8, "text.jpg")
    with open(jpg, "w") as f:
        f.write("this is not an image\n")
    case(8, "a text file named .jpg is an input error", ["convert", model, "-d", jpg, "-o", out], 1, ["text.jpg"],
         watch=[d8, tmp])
    case(8, "-o '' is a usage error", ["convert", model, "-d", data, "-o", ""], 2, ["-o"], watch=[tmp])
    k8 = keras_zip(os.path.join(d8, "half.keras"), {"config.json": b"{}"})
    case(8, "a .keras missing a member names it", ["inspect", k8], 1, ["model.weights.h5"], watch=[d8])

    # 9. Inconsistent options and models are refused, not half-used.
    d9 = os.path.join(tmp, "options")
    os.makedirs(d9)
    m9 = graph_model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1, 3, 4, 4])], [vi("y", [1, 3, 4, 4])])
    p9 = os.path.join(d9, "rgb.onnx")
    save(m9, p9)
    img = os.path.join(d9, "imgs")
    os.makedirs(img)
    bmp(os.path.join(img, "a.bmp"), 4, 4)
    case(9, "--mean with 2 values for 3 channels", ["convert", p9, "--nhwc-input", "-d", img, "--mean", "1,2",
         "--std", "1", "-o", os.path.join(d9, "o.tflite")], 1, ["--mean", "3 channel"], watch=[d9])
    mdyn = graph_model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", ["n", 4])], [vi("y", ["n", 4])])
    pdyn = os.path.join(d9, "dyn.onnx")
    save(mdyn, pdyn)
    case(9, "the same input twice in --input-shape", ["inspect", pdyn, "--input-shape", "x:1x4,x:2x4"], 1,
         ["twice"], watch=[d9])
    mdup = graph_model([helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Sigmoid", ["x"], ["y"])],
                       [vi("x", [1, 4])], [vi("y", [1, 4])])
    pdup = os.path.join(d9, "dup.onnx")
    onnx.save_model(mdup, pdup)
    case(9, "two ONNX nodes writing the same name", ["inspect", pdup], 1, ["'y'", "already written"], watch=[d9])

    for bad in (10 ** 9, -5):
        lab = npy(os.path.join(d9, "labels.npy"), np.array([0] * 7 + [bad], np.int64))
        case(9, "compare --labels with a label of %d" % bad, ["compare", model, model, "-d", data, "--labels", lab],
             1, ["label 7", str(bad)], watch=[d9, tmp])
    lab = npy(os.path.join(d9, "labels.npy"), np.array([0, 1, 2, 3] * 2, np.int64))
    case(9, "compare --labels with class indices in range", ["compare", model, model, "-d", data, "--labels", lab],
         0, watch=[d9, tmp])

    # 10. Interrupted writes leave no temporary file (SIGTERM and SIGINT: tests/safety/test_signals.c).
    d10 = os.path.join(tmp, "fsize")
    os.makedirs(d10)
    o10 = os.path.join(d10, "o.tflite")
    case(10, "SIGXFSZ while writing the output", ["convert", model, "-d", data, "-o", o10], None, watch=[d10],
         fsize=256, sig=signal.SIGXFSZ)
    T.check(not os.path.exists(o10), "class 10: no output after SIGXFSZ")


def empty_h5(folder):
    """The bytes of a valid, empty HDF5 file (so a reader gets past the weights to the config)."""
    import h5py
    p = os.path.join(folder, "empty.h5")
    with h5py.File(p, "w"):
        pass
    with open(p, "rb") as f:
        data = f.read()
    os.remove(p)
    return data


def make_weights_only_keras(folder):
    sys.path.insert(0, os.path.join(oracles.SOURCE_DIR, "tests", "keras"))
    import keras_files as kf
    cfg = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "name": "inp",
         "config": {"batch_input_shape": [None, 4], "dtype": "float32", "name": "inp"}},
        {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 2, "activation": "relu",
                                                        "use_bias": True}}]}}
    w = {"d": [("d/kernel:0", np.ones((4, 2), "float32")), ("d/bias:0", np.zeros(2, "float32"))]}
    kf.weights_only_h5(os.path.join(folder, "w.h5"), os.path.join(folder, "w.json"), cfg, w, "2.11.0")


def copy_savedmodel(tmp, name="savedmodel"):
    """A small real SavedModel from ../shared (writable copy), or None (then the SavedModel
    cases are not run; under CI=true a missing ../shared fails the test)."""
    src = os.path.join(SHARED, "models", "tf2onnx-tests", "regression_saved_model")
    if not os.path.isdir(src):
        if os.environ.get("CI") == "true":
            T.check(False, "../shared is needed for the SavedModel cases (CI=true)")
        else:
            print("note: %s is absent: the SavedModel cases are not run" % src)
        return None
    dst = os.path.join(tmp, name)
    shutil.copytree(src, dst)
    for dirpath, dirnames, filenames in os.walk(dst):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)
    return dst


if __name__ == "__main__":
    main()
