"""Helpers shared by the CLI script tests: where the CLI and ../shared are,
running the CLI, and the skip rule (exit 77 with SKIP: ..., or fail under CI=true)."""
import os
import subprocess
import sys

CLI = os.environ.get("NQ_CLI")
SOURCE_DIR = os.environ.get("NQ_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
ORACLES = os.path.join(SOURCE_DIR, "tests", "oracles")
PY = "/usr/bin/python3"


def skip(why):
    if os.environ.get("CI") == "true":
        print("FAIL (CI=true forbids skipping): " + why)
        sys.exit(1)
    print("SKIP: " + why)
    sys.exit(77)


def need_cli():
    if not CLI or not os.path.exists(CLI):
        print("FAIL: NQ_CLI does not name the npuquant binary (got %r)" % CLI)
        sys.exit(1)
    return CLI


def shared_dir():
    d = os.environ.get("NQ_SHARED_DIR")
    if not d or not os.path.isdir(d):
        skip("../shared (NQ_SHARED_DIR=%s) is absent; this test needs its models" % d)
    return d


def model(rel):
    path = os.path.join(shared_dir(), "models", rel)
    if not os.path.exists(path):
        skip("%s is absent from ../shared" % rel)
    return path


def cli(*args, timeout=120):
    """Run the CLI; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run([need_cli(), *args], capture_output=True, text=True, timeout=timeout)


class Checks:
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
