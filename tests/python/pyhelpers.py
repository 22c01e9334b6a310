"""What the Python binding tests share: importing the binding from the
source tree against the build's libnpuquant.so, check/finish bookkeeping,
and the ../shared skip rule (exit 77 when absent, unless CI=true)."""
import os
import sys

SOURCE = os.environ["NQ_SOURCE_DIR"]
os.environ.setdefault("NPUQUANT_LIB", os.path.join(os.environ["NQ_BINARY_DIR"], "libnpuquant.so"))
sys.path.insert(0, os.path.join(SOURCE, "python"))
import npuquant  # noqa: E402,F401

_failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        _failures.append(what)
    return cond


def finish(name):
    """The exit code: 0 when every check passed."""
    print(f"{name}: " + (f"{len(_failures)} FAILED" if _failures else "all checks passed"))
    return 1 if _failures else 0


def shared_dir():
    """../shared, or exit 77 (skip) when it is absent and CI is not set."""
    d = os.environ.get("NQ_SHARED_DIR", "")
    if d and os.path.isdir(os.path.join(d, "models")):
        return d
    if os.environ.get("CI") == "true":
        print(f"FAIL: the shared folder '{d}' is missing (CI=true)")
        sys.exit(1)
    print(f"SKIP: the shared folder '{d}' is missing")
    sys.exit(77)
