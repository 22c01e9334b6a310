#!/usr/bin/python3
"""The CLI's contract that needs no model: help texts, version, usage errors
(exit 2, one 'npuquant: ' line naming the problem), a missing or malformed
model file (exit 1 naming the file), and docs/cli.md naming every command,
option and exit code the --help texts show."""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
from oracles import SOURCE_DIR, Checks, cli  # noqa: E402

T = Checks("cli_usage")


def one_error_line(r, *needles):
    lines = r.stderr.splitlines()
    ok = len(lines) == 1 and lines[0].startswith("npuquant: ") and all(n in lines[0] for n in needles)
    return ok and r.stdout == ""


r = cli("--help")
T.check(r.returncode == 0 and "Usage:" in r.stdout and "Exit codes:" in r.stdout, "--help: exit 0 with usage and exit codes")
commands = re.findall(r"^  (\w+)\s{2,}", r.stdout.split("Commands:")[1].split("\n\n")[0], re.M)
T.check(commands[:2] == ["inspect", "run"], "--help lists inspect and run, got %s" % commands)
for code in "01234":
    T.check(re.search(r"^  %s  \S" % code, r.stdout, re.M), "--help documents exit code %s" % code)
T.check(cli("-h").stdout == r.stdout and cli("help").stdout == r.stdout, "-h and 'help' print the same text")

r = cli("--version")
header = open(os.path.join(SOURCE_DIR, "include", "npuquant.h")).read()
version = re.search(r'#define NQ_VERSION_STRING "([^"]+)"', header).group(1)
T.check(r.returncode == 0 and r.stdout.strip() == "npuquant " + version, "--version prints %s: %r" % (version, r.stdout))
T.check(cli("-V").stdout == r.stdout, "-V equals --version")

docs = open(os.path.join(SOURCE_DIR, "docs", "cli.md")).read()
for c in commands:
    h1, h2, h3 = cli(c, "--help"), cli("help", c), cli(c, "-h")
    T.check(h1.returncode == 0 and h1.stdout == h2.stdout == h3.stdout, "%s --help == help %s == %s -h" % (c, c, c))
    T.check(h1.stdout.startswith("Usage: npuquant %s" % c), "%s --help starts with its usage line" % c)
    T.check("Example" in h1.stdout and "Options:" in h1.stdout, "%s --help has options and an example" % c)
    T.check("## npuquant %s" % c in docs, "docs/cli.md has a section for %s" % c)
    for opt in sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", h1.stdout))):
        T.check(opt in docs, "docs/cli.md mentions %s %s" % (c, opt))
for code in "01234":
    T.check(re.search(r"^\| *%s *\|" % code, docs, re.M), "docs/cli.md exit-code table has %s" % code)

# Usage errors: exit 2 and one line naming what was wrong.
r = cli()
T.check(r.returncode == 2 and "Usage:" in r.stderr, "no arguments: exit 2 with usage on stderr")
r = cli("frobnicate")
T.check(r.returncode == 2 and one_error_line(r, "unknown command", "frobnicate"), "unknown command: %r" % r.stderr)
r = cli("--frob")
T.check(r.returncode == 2 and one_error_line(r, "unknown option", "--frob"), "unknown global option: %r" % r.stderr)
r = cli("inspect", "--bogus", "m.tflite")
T.check(r.returncode == 2 and one_error_line(r, "unknown option", "--bogus", "inspect --help"), "inspect --bogus: %r" % r.stderr)
r = cli("inspect", "-q", "m.tflite")
T.check(r.returncode == 2 and one_error_line(r, "unknown option", "-q"), "inspect -q: %r" % r.stderr)
r = cli("inspect")
T.check(r.returncode == 2 and one_error_line(r, "missing MODEL"), "inspect without MODEL: %r" % r.stderr)
r = cli("inspect", "a.tflite", "b.tflite")
T.check(r.returncode == 2 and one_error_line(r, "unexpected argument", "b.tflite"), "inspect with 2 models: %r" % r.stderr)
r = cli("run", "m.tflite", "-o", "out", "-i")
T.check(r.returncode == 2 and one_error_line(r, "-i", "needs an argument"), "run -i without file: %r" % r.stderr)
r = cli("run", "m.tflite", "-i", "x.npy", "-o", "out", "--repeat")
T.check(r.returncode == 2 and one_error_line(r, "--repeat", "needs an argument"), "run --repeat without N: %r" % r.stderr)
for bad in ["0", "-3", "x", "10x", ""]:
    r = cli("run", "m.tflite", "-i", "x.npy", "-o", "out", "--repeat", bad)
    T.check(r.returncode == 2 and one_error_line(r, "--repeat"), "run --repeat %r: %r" % (bad, r.stderr))
r = cli("run", "m.tflite", "-i", "x.npy", "-o", "out", "--threads", "-1")
T.check(r.returncode == 2 and one_error_line(r, "--threads"), "run --threads -1: %r" % r.stderr)
r = cli("run", "m.tflite", "-o", "out")
T.check(r.returncode == 2 and one_error_line(r, "no input"), "run without -i: %r" % r.stderr)
r = cli("run", "m.tflite", "-i", "x.npy")
T.check(r.returncode == 2 and one_error_line(r, "-o PREFIX"), "run without -o: %r" % r.stderr)

# Input errors: exit 1 and the file named.
with tempfile.TemporaryDirectory() as d:
    missing = os.path.join(d, "no_such_model.tflite")
    r = cli("inspect", missing)
    T.check(r.returncode == 1 and one_error_line(r, missing), "missing model: exit 1 naming it: %r" % r.stderr)
    junk = os.path.join(d, "junk.tflite")
    with open(junk, "w") as f:
        f.write("this is not a flatbuffer, just some text long enough to look like a file\n")
    # A file of no known model format is "unsupported" (3): the reader cannot
    # tell a corrupt .tflite from a format npuquant does not read yet.
    r = cli("inspect", junk)
    T.check(r.returncode == 1 and one_error_line(r, junk) and "not a model" in r.stderr,
            "a file that is no model: exit 1 naming it: %r" % r.stderr)
    # A .tflite cut short is malformed input (1).
    good = os.path.join(os.environ.get("NQ_SHARED_DIR", ""), "models", "tflm-history", "hello_world_old", "hello_world.tflite")
    if os.path.exists(good):
        cut = os.path.join(d, "cut.tflite")
        with open(good, "rb") as f, open(cut, "wb") as g:
            g.write(f.read()[:600])
        r = cli("inspect", cut)
        T.check(r.returncode == 1 and one_error_line(r, cut), "truncated .tflite: exit 1 naming it: %r" % r.stderr)
    r = cli("inspect", d)
    T.check(r.returncode == 1 and one_error_line(r, d) and "not a model" in r.stderr,
            "a folder that is no model: exit 1 naming it: %r" % r.stderr)
    r = cli("run", missing, "-i", "x.npy", "-o", os.path.join(d, "o"))
    T.check(r.returncode == 1 and one_error_line(r, missing), "run with missing model: %r" % r.stderr)
T.finish()
