"""Names in a model file come from strangers: whatever bytes they hold, the
CLI's output must stay valid UTF-8 with no terminal control sequences, in
text, in JSON and in error messages (also when a message is cut short in the
middle of a multi-byte character)."""
import json
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

sys.path.insert(0, os.path.join(oracles.SOURCE_DIR, "examples", "fashion"))
import tflite_min_writer  # noqa: E402  (independent of npuquant's writer)

ESC_NAME = b"in\xff\xfe\x1b[2J\x07bad\xc3"       # broken UTF-8, an ANSI clear, a bell
LONG_NAME = ("\u00e9" * 1500).encode()             # 3000 bytes of 2-byte characters


def write_model(path, in_name):
    m = tflite_min_writer.Model()
    x = m.tensor(in_name, [1, 4])
    w = m.tensor(b"w", [2, 4], np.ones((2, 4), np.float32))
    y = m.tensor(b"out\x1b]0;title\x07", [1, 2])
    m.op("FULLY_CONNECTED", [x, w, -1], [y])
    m.inputs, m.outputs = [x], [y]
    with open(path, "wb") as f:
        f.write(m.serialize())


def run(*args):
    """The CLI's raw bytes: the test decodes them itself."""
    return oracles.cli(*args, text=False, timeout=60)


def clean(c, what, data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        c.check(False, "%s: not valid UTF-8 (%s)" % (what, e))
        return ""
    bad = [ch for ch in text if (ord(ch) < 0x20 and ch not in "\n\t") or ord(ch) == 0x7f]
    c.check(not bad, "%s: control characters %r in the output" % (what, bad[:5]))
    return text


def main():
    c = oracles.Checks("cli_hostile_names")
    with tempfile.TemporaryDirectory(prefix="nq_names_") as tmp:
        model = os.path.join(tmp, "m.tflite")
        write_model(model, ESC_NAME)

        r = run("inspect", model)
        c.check(r.returncode == 0, "inspect exits 0 (got %d: %r)" % (r.returncode, r.stderr[-200:]))
        text = clean(c, "inspect text", r.stdout)
        c.check("'in??" in text and "bad?'" in text, "inspect shows the name with '?' for each bad byte")

        r = run("inspect", "--json", model)
        doc = json.loads(clean(c, "inspect --json", r.stdout) or "{}")
        names = [t.get("name", "") for t in doc.get("inputs", [])]
        c.check(any(n.startswith("in\ufffd") for n in names), "JSON keeps the name, with U+FFFD: %r" % names)

        bad_input = os.path.join(tmp, "x.npy")
        np.save(bad_input, np.zeros((1, 5), np.float32))
        r = run("run", model, "-i", bad_input, "-o", os.path.join(tmp, "o"))
        c.check(r.returncode == 1, "a wrong input shape is an input error (exit %d)" % r.returncode)
        msg = clean(c, "error message", r.stderr)
        c.check("[1, 4]" in msg and "in??" in msg, "the message names the input and its shape: %r" % msg)

        write_model(model, LONG_NAME)
        r = run("run", model, "-i", bad_input, "-o", os.path.join(tmp, "o"))
        msg = clean(c, "truncated error message", r.stderr)
        c.check(r.returncode == 1 and "\u00e9\u00e9" in msg, "a long name is cut cleanly: %r" % msg[-80:])
    c.finish()


if __name__ == "__main__":
    main()
