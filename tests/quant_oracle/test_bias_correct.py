#!/usr/bin/python3
"""--bias-correct and --equalize on the VWW MobileNet with per-tensor weights
(the VeriSilicon-friendly mode): bias correction must raise the SQNR against
the float model on photos that did not calibrate it, and neither option may
make it worse by more than noise (0.3 dB). The corrected file still runs in
LiteRT.js like our executor."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

FLOAT = "mlperf-tiny-vww/vww_96_float.tflite"


def main():
    c.require_shared()
    failures = []
    photos = c.images("coral-images", "ort-examples-images", "tfls-vision-testimages", "mediapipe-gestures")
    with c.TempDir() as tmp:
        cal = c.image_dir(tmp, "cal", photos[0::2][:16])
        ev = c.image_dir(tmp, "ev", photos[1::2])
        res = {}
        for name, flags in [("per-tensor", []), ("+bias-correct", ["--bias-correct"]),
                            ("+equalize", ["--equalize"]), ("+both", ["--equalize", "--bias-correct"])]:
            out = os.path.join(tmp, name.strip("+") + ".tflite")
            rep = c.cli_json("convert", c.model(FLOAT), "-d", cal, "--range", "0..1", "--per-tensor", *flags,
                             "-o", out, "--eval-data", ev, "--quiet")
            res[name] = (c.sqnr(rep["outputs"][0]), out)
            print(f"{name:14} SQNR {res[name][0]:6.2f} dB")
        base = res["per-tensor"][0]
        if res["+bias-correct"][0] < base + 1.0:
            failures.append(f"bias correction gained less than 1 dB ({base:.2f} -> {res['+bias-correct'][0]:.2f})")
        for k in ("+equalize", "+both"):
            if res[k][0] < base - 0.3:
                failures.append(f"{k} made it worse: {base:.2f} -> {res[k][0]:.2f} dB")
        out = res["+bias-correct"][1]
        info = c.cli_json("inspect", out)["inputs"][0]
        p = os.path.join(tmp, "in.npy")
        c.subprocess.run(["/usr/bin/python3", os.path.join(c.ORACLES, "make_input.py"), "--image", photos[1],
                          "--shape", "1x96x96x3", "--dtype", "int8", "--scale", str(1 / 255),
                          "--quant-scale", str(info["scale"][0]), "--quant-zp", str(info["zero_point"][0]),
                          "-o", p], check=True)
        a = c.run_ours(out, [p], tmp, "bc")[0]
        b = c.run_oracle("litert", out, [p], tmp, "bc")
        if b is None:
            c.skip("LiteRT.js is not installed (scripts/setup.sh installs it)")
        d = int(np.max(np.abs(a.astype(np.int32) - b[0].astype(np.int32))))
        print(f"bias-corrected file: LiteRT.js vs ours {d} step(s)")
        if d > 3:
            failures.append(f"LiteRT.js differs by {d} steps")
    for f in failures:
        print("FAIL: " + f)
    print("quant_bias_correct: " + ("FAILED" if failures else "all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
