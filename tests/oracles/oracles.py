"""The one helper module of npuquant's Python script tests (tests/<area>/*.py).

Every script test imports it from this folder, whatever its area:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
    import oracles

What it holds (keep test logic in the tests; put here only what two areas share):
- where things are: SOURCE_DIR, BINARY_DIR, ORACLES (this folder), PY (Debian's python3);
  shared_dir(), model(rel), images(*folders), image_dir(tmp, name, files) for ../shared;
  models_dir() for a test that sweeps any models (the golden models without ../shared);
  model_or_committed(rel, committed) for a test that needs one model of a kind (a
  committed one without ../shared); shared_present() to choose between the two;
  standin_photo(path, ...) writes a synthetic photo-like image for a test whose property
  holds on any picture (image_or_standin(rel, tmp) picks ../shared's file when it is there);
- the exit-code rule: skip(why) exits 77 with "SKIP: why" (exit 1 under CI=true, where
  nothing may be skipped); main(test) runs test() and maps OracleSkip to skip(), OracleError
  and AssertionError to "FAIL: ..." and exit 1, and an int that test() returns to the exit code;
  Checks counts named checks and exits 0/1 at finish(); report(name, failures) prints a
  list of failures and gives the exit code;
- the CLI (NQ_CLI): cli(*args) -> CompletedProcess (check=True: an AssertionError when it
  fails), cli_json(*args), run_ours(model, inputs, extra_args) -> outputs of `npuquant run`;
  every run through cli() is held to docs/cli.md's promise (an exit code of its table, never
  4, and a failure's last stderr line "npuquant: ..."), so each error path any test exercises
  is checked against the documented table (an AssertionError otherwise);
- the oracles of this folder (the npm ones replayed from tests/golden/recorded when not
  installed, see command()): run("litert"|"armnn"|"ort", model, inputs, repeat=None) ->
  outputs (and timings with repeat), info(name, model), require(name, model) (skips when
  the oracle is not installed), command(name) (its command line), tflite_facts(model),
  make_input(out_path, *args) (make_input.py), load_outputs(prefix) (PREFIX.out<k>.npy);
- numbers: sqnr_db(ref, test), sqnr(fig) (a --json figure), max_steps(a, b).

Inputs are numpy arrays (or .npy paths) in subgraph 0's input order; outputs come back in
subgraph 0's output order. A runtime that is not installed raises OracleSkip; any other
oracle failure raises OracleError with the runner's one-line message. shared_dir() and
model() exit by the skip rule themselves (they serve module-level test scripts too).

    outs = oracles.run("litert", model_path, [x0, x1])        # list of numpy arrays
    outs, t = oracles.run("armnn", model_path, [x], repeat=5)  # t = {"min_ms":..,"median_ms":..}
    facts = oracles.tflite_facts(model_path)
    sh = oracles.shared_dir()                                  # skips (exit 77) when absent
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:  # python3-numpy missing: a test that needs it skips by its own import
    np = None

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLES = HERE
SOURCE_DIR = os.environ.get("NQ_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BINARY_DIR = os.environ.get("NQ_BINARY_DIR", "")
PY = "/usr/bin/python3"
RUNNERS = {"litert": "litert_run.mjs", "armnn": "armnn_run.py", "ort": "ort_run.mjs"}
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".bmp")


class OracleSkip(Exception):
    """An oracle (or another thing a test needs) is not installed here; main() skips."""


class OracleError(Exception):
    """The oracle ran and failed (bad model, bad input, runtime error)."""


# ---- the exit-code rule -------------------------------------------------------------------

def skip(why):
    """Exits 77 with 'SKIP: why', or 1 under CI=true (where nothing may be skipped)."""
    if os.environ.get("CI") == "true":
        print("FAIL (CI=true, no skipping): %s" % why)
        sys.exit(1)
    print("SKIP: %s" % why)
    sys.exit(77)


def main(test):
    """Runs test() and exits 0 / 1 / 77 by the project's rule (CI=true turns skips into
    failures); an int returned by test() is the exit code."""
    try:
        rc = test()
    except OracleSkip as e:
        skip(e)
    except (OracleError, AssertionError) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    sys.exit(rc if isinstance(rc, int) else 0)


class Checks:
    """Named checks: each failure is printed at once, finish() prints the count and exits."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.count = 0

    def check(self, cond, what):
        self.count += 1
        if not cond:
            self.failures.append(what)
            print("FAIL:", what)
        return cond

    def finish(self):
        print("%s: %d/%d checks passed" % (self.name, self.count - len(self.failures), self.count))
        sys.exit(1 if self.failures else 0)


def report(name, failures):
    """Prints each failure and a summary line; the exit code (1 when anything failed)."""
    for f in failures:
        print("FAIL: " + f)
    print("%s: %s" % (name, "FAILED" if failures else "all checks passed"))
    return 1 if failures else 0


# ---- ../shared ----------------------------------------------------------------------------

def shared_dir():
    """NQ_SHARED_DIR (../shared); when it is absent, exits by the skip rule (skip())."""
    d = os.environ.get("NQ_SHARED_DIR") or ""
    if not d or not os.path.isdir(os.path.join(d, "models")):
        skip("shared material not found (NQ_SHARED_DIR=%r)" % d)
    return d


def models_dir():
    """(folder, golden) for a test that sweeps "any models": ../shared/models when it is
    there (golden False); otherwise the committed int8 models of tests/golden/vectors
    (golden True, announced). Under CI=true a missing ../shared still fails (skip())."""
    d = os.environ.get("NQ_SHARED_DIR") or ""
    if d and os.path.isdir(os.path.join(d, "models")):
        return os.path.join(d, "models"), False
    golden = os.path.join(SOURCE_DIR, "tests", "golden", "vectors")
    if os.environ.get("CI") == "true" or not os.path.isdir(golden):
        shared_dir()  # fails under CI=true, else skips
    print("NOTE: ../shared (NQ_SHARED_DIR=%r) is absent: running on the committed golden models in %s"
          % (d, golden))
    return golden, True


def model_or_committed(rel, committed):
    """../shared/models/rel when ../shared is there; otherwise `committed` (a path under
    SOURCE_DIR, e.g. "tests/golden/frontends/cnn.h5"), announced with a NOTE, for a test
    whose property holds on any model of the kind. Under CI=true a missing ../shared
    still fails (skip())."""
    d = os.environ.get("NQ_SHARED_DIR") or ""
    if d and os.path.isdir(os.path.join(d, "models")):
        return model(rel)
    path = os.path.join(SOURCE_DIR, committed)
    if os.environ.get("CI") == "true" or not os.path.exists(path):
        shared_dir()  # fails under CI=true, else skips
    print("NOTE: ../shared (NQ_SHARED_DIR=%r) is absent: using the committed %s instead of %s"
          % (d, committed, rel))
    return path


def shared_present():
    """True when ../shared (NQ_SHARED_DIR) is here. Without it, a test may run its
    committed stand-in part; under CI=true it must still fail (call shared_dir())."""
    d = os.environ.get("NQ_SHARED_DIR") or ""
    if d and os.path.isdir(os.path.join(d, "models")):
        return True
    if os.environ.get("CI") == "true":
        shared_dir()  # fails under CI=true
    return False


def standin_photo(path, width=160, height=120, seed=0, gray=False):
    """Writes a synthetic photo-like image (PNG/BMP/JPEG by the suffix): a lit background,
    seeded rectangles and discs of varied colour, and sensor noise, so resizing, cropping
    and quantization see edges, gradients and every level. For properties that hold on any
    picture; never a stand-in for a label."""
    from PIL import Image  # noqa: PLC0415 (python3-pil, as make_input.py)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    img = np.empty((height, width, 3))
    for c in range(3):
        a, b = rng.uniform(-1, 1, 2)
        img[..., c] = 128 + 90 * (a * xx / width + b * yy / height)
    for _ in range(12):
        col = rng.uniform(0, 255, 3)
        x0, y0 = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.05, 0.3) * min(width, height)
        if rng.random() < 0.5:
            mask = (xx - x0) ** 2 + (yy - y0) ** 2 <= r * r
        else:
            mask = (abs(xx - x0) <= r) & (abs(yy - y0) <= r * rng.uniform(0.3, 1.5))
        img[mask] = 0.3 * img[mask] + 0.7 * col
    img += rng.normal(0, 6, img.shape)
    pixels = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    out = Image.fromarray(pixels, "RGB")
    (out.convert("L") if gray else out).save(path)
    return path


def photo(path, size, divisor=255.0, offset=0.0):
    """A photo as a model input [1, size, size, 3] float32: RGB, stretched to size x size with
    PIL's bilinear resize, pixel / divisor + offset (0..1 by default; divisor 127.5 and offset
    -1 for -1..1)."""
    from PIL import Image  # noqa: PLC0415
    img = Image.open(path).convert("RGB").resize((size, size), Image.BILINEAR)
    x = np.asarray(img, np.float32) / divisor
    return (x + offset if offset else x)[None]


def image_or_standin(rel, tmp, **kw):
    """../shared/data/rel when ../shared is here; otherwise a standin_photo() in tmp with
    rel's suffix (announced with a NOTE); under CI=true a missing ../shared still fails."""
    if shared_present():
        path = os.path.join(shared_dir(), "data", rel)
        if not os.path.exists(path):
            skip("%s is absent from ../shared" % rel)
        return path
    path = os.path.join(tmp, "standin_" + os.path.basename(rel))
    print("NOTE: ../shared is absent: a synthetic picture stands in for %s" % rel)
    return standin_photo(path, **kw)


def model(rel, must_exist=True):
    """../shared/models/rel; exits by the skip rule when ../shared (or, with must_exist,
    the file) is absent."""
    path = os.path.join(shared_dir(), "models", rel)
    if must_exist and not os.path.exists(path):
        skip("%s is absent from ../shared" % rel)
    return path


def images(*folders):
    """Real image files from ../shared/data/<folder>, sorted."""
    out = []
    for f in folders:
        for root, _, files in os.walk(os.path.join(shared_dir(), "data", f)):
            out += [os.path.join(root, n) for n in files if n.lower().endswith(IMAGE_EXT)]
    return sorted(out)


# The photo folders of ../shared/data the quantization tests calibrate and evaluate on.
SHARED_PHOTOS = ("coral-images", "ort-examples-images", "tfls-vision-testimages", "debian-darknet-images",
                 "skimage-samples", "tflm-person_detection", "face_classification-images", "mediapipe-gestures")


def shared_photos(minimum):
    """The photos of SHARED_PHOTOS, sorted; skips (OracleSkip) without python3-pil or with
    fewer than `minimum` of them."""
    try:
        import PIL  # noqa: F401,PLC0415
    except ImportError:
        raise OracleSkip("python3-pil is not installed")
    photos = images(*SHARED_PHOTOS)
    if len(photos) < minimum:
        raise OracleSkip("only %d photos in ../shared/data" % len(photos))
    return photos


def image_dir(tmp, name, files):
    """A folder of symlinks to `files` (the CLI takes one path per data set)."""
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    for i, f in enumerate(files):
        os.symlink(f, os.path.join(d, "%04d_%s" % (i, os.path.basename(f))))
    return d


# ---- the CLI ------------------------------------------------------------------------------

def cli_path():
    """NQ_CLI, the npuquant binary under test; exits 1 (a failure, never a skip) without it."""
    c = os.environ.get("NQ_CLI") or ""
    if not c or not os.path.exists(c):
        print("FAIL: NQ_CLI does not name the npuquant binary (got %r)" % c)
        sys.exit(1)
    return c


_EXIT_CODES = None


def documented_exit_codes():
    """The exit codes of docs/cli.md's "Exit codes" table: {code: meaning}."""
    global _EXIT_CODES
    if _EXIT_CODES is None:
        with open(os.path.join(SOURCE_DIR, "docs", "cli.md")) as f:
            text = f.read()
        section = text.split("## Exit codes", 1)[-1].split("\n## ", 1)[0]
        _EXIT_CODES = {}
        for line in section.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 2 and cells[0].isdigit():
                _EXIT_CODES[int(cells[0])] = cells[1]
    return _EXIT_CODES


def check_exit(args, p):
    """docs/cli.md's promise for one finished CLI run: its exit code is in the table, it is
    never 4 (an internal error is a bug), and a failure ends with one "npuquant: " line on
    stderr. A run ended by a signal the test sent (negative code) is not an exit."""
    if p.returncode < 0:
        return
    what = "npuquant %s" % " ".join(map(str, args))[:200]
    codes = documented_exit_codes()
    if p.returncode not in codes:
        raise AssertionError("%s: exit %d is not in docs/cli.md's table %s" % (what, p.returncode, sorted(codes)))
    err = p.stderr.decode("utf-8", "replace") if isinstance(p.stderr, bytes) else (p.stderr or "")
    if p.returncode == 4:
        raise AssertionError("%s: exit 4 (internal error): %s" % (what, err.strip()[-300:]))
    if p.returncode != 0:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        if not lines or not lines[-1].startswith("npuquant: "):
            raise AssertionError("%s: exit %d without a final 'npuquant: ' line on stderr: %r"
                                 % (what, p.returncode, err[-300:]))


def cli(*args, check=False, timeout=600, **kw):
    """Runs npuquant ARGS; a CompletedProcess (text unless text=False). check=True: an
    AssertionError naming the command and its message when it exits non-zero. Every run is
    held to the documented exit codes (check_exit)."""
    kw.setdefault("text", True)
    p = subprocess.run([cli_path()] + [str(a) for a in args], capture_output=True, timeout=timeout, **kw)
    check_exit(args, p)
    if check and p.returncode != 0:
        raise AssertionError("npuquant %s failed (exit %d): %s"
                             % (" ".join(map(str, args)), p.returncode, str(p.stderr).strip()))
    return p


def cli_json(*args):
    """npuquant ARGS --json, parsed (a failure raises AssertionError)."""
    return json.loads(cli(*args, "--json", check=True).stdout)


def load_outputs(prefix):
    """PREFIX.out0.npy, PREFIX.out1.npy, ... as long as they exist."""
    outs = []
    while os.path.exists("%s.out%d.npy" % (prefix, len(outs))):
        outs.append(np.load("%s.out%d.npy" % (prefix, len(outs))))
    return outs


def _input_paths(inputs, tmp):
    paths = []
    for k, x in enumerate(inputs):
        if isinstance(x, str):
            paths.append(x)
        else:
            paths.append(os.path.join(tmp, "in%d.npy" % k))
            x = np.asarray(x)
            np.save(paths[-1], x if x.flags.c_contiguous else np.ascontiguousarray(x))  # keeps 0-d
    return paths


def run_ours(model_path, inputs, extra_args=(), timeout=600):
    """`npuquant run` on `inputs` (arrays or .npy paths) with extra_args; the outputs.
    A failure raises AssertionError."""
    with tempfile.TemporaryDirectory(prefix="nq-run-") as tmp:
        args = ["run", model_path, "-o", os.path.join(tmp, "out")]
        for p in _input_paths(inputs, tmp):
            args += ["-i", p]
        cli(*args, *extra_args, check=True, timeout=timeout)
        return load_outputs(os.path.join(tmp, "out"))


# ---- the oracles of this folder -----------------------------------------------------------

NPM_PACKAGES = {"litert": "@litertjs/core", "ort": "onnxruntime-node"}


def npm_installed(name):
    """True when node and oracle `name`'s npm package (scripts/setup.sh) are here."""
    return bool(shutil.which("node")) and os.path.exists(
        os.path.join(HERE, "node_modules", NPM_PACKAGES[name], "package.json"))


def command(name):
    """The command line of oracle `name`'s runner. For the npm oracles (litert, ort):
    node RUNNER when installed; without them recorded_run.py, which replays the answer
    recorded for the exact same model and input bytes (tests/golden/recorded) or exits 77;
    under NQ_ORACLE_RECORD=1 (scripts/record-oracles.sh) the real runner, its answers
    recorded."""
    script = os.path.join(HERE, RUNNERS[name])
    if script.endswith(".mjs"):
        recorder = os.path.join(HERE, "recorded_run.py")
        if not npm_installed(name):
            return [PY, recorder, name]
        if os.environ.get("NQ_ORACLE_RECORD") == "1":
            return [PY, recorder, "--record", name]
        return [shutil.which("node"), script]
    return [PY, script]


def run(name, model, inputs, repeat=None, extra_args=(), timeout=600):
    """Runs oracle `name` ('litert', 'armnn', 'ort') on `model` with `inputs`."""
    tmp = tempfile.mkdtemp(prefix="nq-%s-" % name)
    try:
        paths = _input_paths(inputs, tmp)
        args = list(extra_args) + (["--repeat", str(repeat)] if repeat else [])
        p = subprocess.run(command(name) + args + [model, os.path.join(tmp, "out")] + paths,
                           capture_output=True, text=True, timeout=timeout)
        if p.returncode == 77:
            raise OracleSkip(p.stderr.strip() or p.stdout.strip())
        if p.returncode != 0:
            raise OracleError(p.stderr.strip() or "%s exited %d" % (name, p.returncode))
        outs = load_outputs(os.path.join(tmp, "out"))
        if repeat:
            return outs, json.loads(p.stdout.strip().splitlines()[-1])
        return outs
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def info(name, model):
    """The runner's --info JSON (litert, armnn, ort)."""
    p = subprocess.run(command(name) + ["--info", model], capture_output=True, text=True, timeout=120)
    if p.returncode == 77:
        raise OracleSkip(p.stderr.strip() or p.stdout.strip())
    if p.returncode != 0:
        raise OracleError(p.stderr.strip())
    return json.loads(p.stdout)


def require(name, model):
    """Exits by the skip rule when oracle `name` is not installed (probed with --info on
    `model`; a model it cannot load is left for the test to report)."""
    try:
        info(name, model)
    except OracleSkip as e:
        skip("%s is not installed: %s" % (name, e))
    except OracleError:
        pass


def tflite_facts(model):
    """tflite_facts.py's JSON for `model`, computed in-process."""
    sys.path.insert(0, HERE)
    import tflite_facts as tf  # noqa: PLC0415
    with open(model, "rb") as f:
        try:
            return tf.facts(f.read())
        except tf.BadModel as e:
            raise OracleError("%s: %s" % (model, e)) from e


def make_input(out_path, *args):
    """make_input.py ARGS -o out_path (a real image to an input .npy); returns out_path."""
    subprocess.run([PY, os.path.join(HERE, "make_input.py"), *map(str, args), "-o", out_path],
                   check=True, capture_output=True, timeout=120)
    return out_path


# ---- numbers ------------------------------------------------------------------------------

def sqnr_db(ref, test):
    """10 log10(|ref|^2 / |ref - test|^2) in float64; inf when they are equal."""
    ref = np.asarray(ref, np.float64)
    noise = float(np.sum((np.asarray(test, np.float64) - ref) ** 2))
    sig = float(np.sum(ref ** 2))
    if noise == 0:
        return float("inf")
    return 10.0 * np.log10(sig / noise) if sig > 0 else float("-inf")


def sqnr(fig):
    """The sqnr_db of a --json figure ("inf" for an exact match)."""
    v = fig["sqnr_db"]
    return float("inf") if v == "inf" else float(v)


def max_steps(a, b):
    """Largest difference between two integer arrays, in steps (0 for empty arrays)."""
    a, b = np.asarray(a), np.asarray(b)
    return int(np.max(np.abs(a.astype(np.int64) - b.astype(np.int64)))) if a.size else 0
