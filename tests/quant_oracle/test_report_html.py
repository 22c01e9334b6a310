#!/usr/bin/python3
"""`convert --report out.html` in a real browser (Debian's headless chromium),
on a model built here (test_recipe_gate's conv -> relu6 -> conv, one of whose
nodes is named like markup):

- the page is self-contained: no <script>, no src=/href= (nothing fetched);
- the names from the model are escaped, never markup;
- its numbers equal --json's: every per-layer bar's value, the outputs' SQNR,
  every recipe candidate's validation SQNR; one bar per layer of the JSON;
- chromium renders it: the screenshot is mostly white but not blank, and the
  per-layer chart's bar colours (green/orange/red) are on it;
- `compare --report` writes the same kind of page, its bars equal to its --json;
- `--report` naming the -o file is refused (exit 1) and writes nothing.
"""
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
sys.path.insert(0, HERE)
import oracles  # noqa: E402

HOSTILE = "head<script>alert(1)</script>&\"conv"
BAR_COLOURS = ((0x2e, 0x7d, 0x32), (0xef, 0x8f, 0x00), (0xc6, 0x28, 0x28))


def build_model(path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(7)
    w1 = rng.normal(0, 0.5, size=(8, 3, 3, 3)).astype(np.float32)
    w1[0] *= 20.0
    b1 = rng.normal(0, 0.1, size=(8,)).astype(np.float32)
    w2 = rng.normal(0, 0.5, size=(4, 8, 1, 1)).astype(np.float32)
    b2 = np.zeros(4, np.float32)
    lo, hi = numpy_helper.from_array(np.float32(0), "lo"), numpy_helper.from_array(np.float32(6), "hi")
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], name="first_conv"),
             helper.make_node("Clip", ["c1", "lo", "hi"], ["r1"], name="relu6"),
             helper.make_node("Conv", ["r1", "w2", "b2"], [HOSTILE], name=HOSTILE)]
    g = helper.make_graph(nodes, "report",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info(HOSTILE, TensorProto.FLOAT, [1, 4, 8, 8])],
                          [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
                          + [lo, hi])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, path)


def value(v):
    return float("inf") if v == "inf" else float("-inf") if v == "-inf" else float(v)


def main():
    try:
        import onnx  # noqa: F401
        from PIL import Image
    except ImportError as e:
        oracles.skip(f"python3-onnx or python3-pil is not installed ({e})")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        oracles.skip("chromium is not installed (apt-get install chromium)")
    c = oracles.Checks("report_html")
    with tempfile.TemporaryDirectory(prefix="nq_report_") as tmp:
        model = os.path.join(tmp, "report.onnx")
        build_model(model)
        rng = np.random.default_rng(3)
        cal = os.path.join(tmp, "cal.npy")
        np.save(cal, rng.uniform(-1, 1, size=(24, 1, 3, 8, 8)).astype(np.float32))
        out, page = os.path.join(tmp, "m.tflite"), os.path.join(tmp, "report.html")
        rep = oracles.cli_json("convert", model, "-d", cal, "-o", out, "--report", page, "--quiet")
        c.check(os.path.exists(page) and os.path.exists(out), "convert --report writes the model and the page")
        text = open(page, encoding="utf-8").read()
        c.check(text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>"), "a whole HTML page")
        c.check("<script" not in text.lower(), "no script in the page (the hostile node name is escaped)")
        c.check(not re.search(r"\b(src|href)\s*=", text, re.I), "nothing is fetched (no src= or href=)")
        c.check(html.escape(HOSTILE, quote=True).replace("&#x27;", "&#39;") in text,
                "the markup-like node name appears escaped")

        # The page's numbers are --json's.
        diag = rep["diagnosis"]
        bars = re.findall(r'<g class="layer" data-node="(-?\d+)" data-value="([^"]+)"', text)
        c.check(len(bars) == len(diag["layers"]) > 0,
                f"one bar per layer: {len(bars)} bars, {len(diag['layers'])} layers in --json")
        c.check(all(int(n) == L["node"] and value(v) == value(L["sqnr_db"]) for (n, v), L in zip(bars, diag["layers"])),
                "every bar's SQNR equals --json's")
        outs = re.findall(r'data-output-sqnr="([^"]+)"', text)
        c.check([value(v) for v in outs] == [value(o["sqnr_db"]) for o in rep["outputs"]],
                f"the outputs' SQNR equal --json's ({outs})")
        cands = re.findall(r'data-candidate-sqnr="([^"]+)"', text)
        c.check([value(v) for v in cands] == [value(x["sqnr_db"]) for x in rep["recipe"]["candidates"]]
                and len(cands) >= 6, "every recipe candidate's validation SQNR equals --json's")
        c.check(len(re.findall(r'<svg class="hist"', text)) == len(diag["histograms"]) > 0,
                "one histogram per int8 activation of --json")
        c.check(len(re.findall(r'<svg class="weights"', text)) == len(diag["weight_ranges"]) == 2,
                "one weight-range chart per conv")
        c.check('id="npu"' in text, "the NPU report is on the page")

        # A real browser draws it.
        png = os.path.join(tmp, "shot.png")
        p = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            "--user-data-dir=" + os.path.join(tmp, "profile"), "--window-size=1200,1600",
                            "--screenshot=" + png, "file://" + page],
                           capture_output=True, text=True, timeout=600)
        c.check(p.returncode == 0 and os.path.exists(png), f"chromium takes a screenshot (exit {p.returncode})")
        if os.path.exists(png):
            im = np.asarray(Image.open(png).convert("RGB")).astype(np.int32)
            non_white = float(np.mean(np.any(im < 240, axis=2)))
            print(f"screenshot {im.shape[1]}x{im.shape[0]}: {100 * non_white:.1f}% non-white pixels")
            c.check(0.01 < non_white < 0.6, f"the screenshot is neither blank nor solid ({100 * non_white:.1f}%)")
            bar_px = sum(int(np.sum(np.all(np.abs(im - np.array(col)) <= 6, axis=2))) for col in BAR_COLOURS)
            c.check(bar_px > 500, f"the per-layer chart's bars are drawn ({bar_px} bar-coloured pixels)")

        # compare --report: the same page for any two models, its bars equal to its --json.
        page2 = os.path.join(tmp, "compare.html")
        crep = oracles.cli_json("compare", model, out, "-d", cal, "--report", page2, "--quiet")
        text2 = open(page2, encoding="utf-8").read() if os.path.exists(page2) else ""
        bars2 = re.findall(r'<g class="layer" data-node="(-?\d+)" data-value="([^"]+)"', text2)
        c.check(len(bars2) == len(crep["diagnosis"]["layers"]) > 0 and
                all(value(v) == value(L["sqnr_db"]) for (_, v), L in zip(bars2, crep["diagnosis"]["layers"])),
                "compare --report draws a bar per layer, equal to its --json")

        # The report never lands on the model.
        p = oracles.cli("convert", model, "-d", cal, "-o", os.path.join(tmp, "x.tflite"), "--report",
                        os.path.join(tmp, "x.tflite"), "--quiet")
        c.check(p.returncode == 1 and not os.path.exists(os.path.join(tmp, "x.tflite")),
                f"--report naming the -o file is refused and writes nothing (exit {p.returncode})")
    c.finish()


if __name__ == "__main__":
    oracles.main(main)
