#!/usr/bin/python3
"""Recorded answers of the npm oracles (LiteRT.js, onnxruntime-node), for a clone without them.

    recorded_run.py NAME RUNNER_ARGS...            replay (oracles.command() when NAME's
                                                   npm package is not installed)
    recorded_run.py --record NAME RUNNER_ARGS...   run the real runner and store its answer
                                                   (oracles.command() under NQ_ORACLE_RECORD=1)

NAME is litert or ort; RUNNER_ARGS are the runner's own ([--strict-shapes] MODEL OUT_PREFIX
IN0.npy ... or --info MODEL). An answer is stored under tests/golden/recorded/NAME/ by a key
over the exact bytes of the model and of every input file (and the flags), so it is only
ever replayed for the very model and inputs the oracle saw: when npuquant writes a different
model, the key misses and the replay exits 77 ("SKIP: ...", a skip like a missing oracle),
never an answer for another model. Each answer carries a provenance line naming the runtime
and its version. Timings (--repeat) are never recorded or replayed.

Replay writes OUT_PREFIX.out<k>.npy (or prints the --info JSON) as the runner would; exit 0,
1 (a recorded failure, its one-line message) or 77 (no answer recorded). Record runs
node RUNNER and passes its outputs, stdout, stderr and exit code through unchanged.
scripts/record-oracles.sh re-records every answer the tests ask for.
"""
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
STORE = os.path.join(os.path.dirname(HERE), "golden", "recorded")
RUNNERS = {"litert": ("litert_run.mjs", "@litertjs/core", "LiteRT.js"),
           "ort": ("ort_run.mjs", "onnxruntime-node", "onnxruntime-node")}


def parse(args):
    """(flags, info, model, prefix, inputs); flags are the runner options that change the answer."""
    flags, info, repeat = [], False, False
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--info":
            info = True
        elif a == "--repeat":
            repeat = True
            args.pop(0) if args else None
        else:
            flags.append(a)
    if repeat:
        return None
    if info:
        return (flags, True, args[0], None, []) if len(args) == 1 else None
    return (flags, False, args[0], args[1], args[2:]) if len(args) >= 2 else None


def file_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def key(name, flags, info, model, inputs):
    h = hashlib.sha256()
    for part in [name, "info" if info else "run"] + flags + [file_hash(model)] + [file_hash(p) for p in inputs]:
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:32]


def provenance(name, model):
    script, package, label = RUNNERS[name]
    with open(os.path.join(HERE, "node_modules", package, "package.json")) as f:
        version = json.load(f)["version"]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    runtime = "%s %s" % (label, package) if label != package else package
    return "%s %s (node %s), tests/oracles/%s; recorded %s for %s" % (
        runtime, version, node, script, datetime.date.today().isoformat(), os.path.basename(model))


def record(name, args):
    script = os.path.join(HERE, RUNNERS[name][0])
    p = subprocess.run(["node", script] + args, capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    parsed = parse(list(args))
    if parsed is None or p.returncode not in (0, 1):
        return p.returncode
    flags, info, model, prefix, inputs = parsed
    answer = {"provenance": provenance(name, model), "rc": p.returncode}
    if p.returncode == 1:
        answer["error"] = (p.stderr.strip().splitlines() or [""])[-1]
    elif info:
        answer["stdout"] = p.stdout
    else:
        k = 0
        while os.path.exists("%s.out%d.npy" % (prefix, k)):
            answer["out%d" % k] = np.load("%s.out%d.npy" % (prefix, k))
            k += 1
    os.makedirs(os.path.join(STORE, name), exist_ok=True)
    path = os.path.join(STORE, name, key(name, flags, info, model, inputs) + ".npz")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        np.savez_compressed(f, **{n: (np.array(v) if not isinstance(v, np.ndarray) else v)
                                  for n, v in answer.items()})
    os.chmod(tmp, 0o644)  # mkstemp's 0600 would be committed as is
    os.replace(tmp, path)
    return p.returncode


def replay(name, args):
    label = RUNNERS[name][2]
    parsed = parse(list(args))
    if parsed is None:
        print("SKIP: %s is not installed (timings and malformed calls are not recorded)" % label,
              file=sys.stderr)
        return 77
    flags, info, model, prefix, inputs = parsed
    for p in [model] + inputs:
        if not os.path.isfile(p):
            print("%s: no such file" % p, file=sys.stderr)
            return 1
    k = key(name, flags, info, model, inputs)
    path = os.path.join(STORE, name, k + ".npz")
    if not os.path.exists(path):
        print("SKIP: %s is not installed (run scripts/setup.sh) and no answer is recorded for %s"
              " with these inputs (key %s; scripts/record-oracles.sh records them)"
              % (label, os.path.basename(model), k), file=sys.stderr)
        return 77
    with np.load(path, allow_pickle=False) as z:
        rc = int(z["rc"])
        note = "recorded answer: %s" % str(z["provenance"])
        if rc != 0:
            print(note, file=sys.stderr)
            print(str(z["error"]), file=sys.stderr)
            return rc
        if info:
            sys.stdout.write(str(z["stdout"]))
        else:
            n = 0
            while "out%d" % n in z.files:
                np.save("%s.out%d.npy" % (prefix, n), z["out%d" % n])
                n += 1
    print(note, file=sys.stderr)
    return 0


def main():
    argv = sys.argv[1:]
    rec = bool(argv) and argv[0] == "--record"
    if rec:
        argv = argv[1:]
    if not argv or argv[0] not in RUNNERS:
        print("usage: recorded_run.py [--record] litert|ort RUNNER_ARGS...", file=sys.stderr)
        return 2
    if rec and not shutil.which("node"):
        print("SKIP: node is not installed: nothing to record", file=sys.stderr)
        return 77
    return record(argv[0], argv[1:]) if rec else replay(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main())
