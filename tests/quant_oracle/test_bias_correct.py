#!/usr/bin/python3
"""--bias-correct and --equalize on the VWW MobileNet with per-tensor weights
(the VeriSilicon-friendly mode): bias correction must raise the SQNR against
the float model on photos that did not calibrate it, and neither option may
make it worse by more than noise (0.3 dB). The corrected file still runs in
LiteRT.js like our executor."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

FLOAT = "mlperf-tiny-vww/vww_96_float.tflite"


def main():
    oracles.shared_dir()
    failures = []
    photos = oracles.images("coral-images", "ort-examples-images", "tfls-vision-testimages", "mediapipe-gestures")
    with tempfile.TemporaryDirectory(prefix="nq_qtest_") as tmp:
        cal = oracles.image_dir(tmp, "cal", photos[0::2][:16])
        ev = oracles.image_dir(tmp, "ev", photos[1::2])
        res = {}
        for name, flags in [("per-tensor", ["--recipe", "tf"]), ("+bias-correct", ["--bias-correct"]),
                            ("+equalize", ["--equalize"]), ("+both", ["--equalize", "--bias-correct"])]:
            out = os.path.join(tmp, name.strip("+") + ".tflite")
            rep = oracles.cli_json("convert", oracles.model(FLOAT, must_exist=False), "-d", cal, "--range", "0..1",
                                   "--per-tensor", *flags, "-o", out, "--eval-data", ev, "--quiet")
            res[name] = (oracles.sqnr(rep["outputs"][0]), out)
            print(f"{name:14} SQNR {res[name][0]:6.2f} dB")
        base = res["per-tensor"][0]
        if res["+bias-correct"][0] < base + 1.0:
            failures.append(f"bias correction gained less than 1 dB ({base:.2f} -> {res['+bias-correct'][0]:.2f})")
        for k in ("+equalize", "+both"):
            if res[k][0] < base - 0.3:
                failures.append(f"{k} made it worse: {base:.2f} -> {res[k][0]:.2f} dB")
        out = res["+bias-correct"][1]
        info = oracles.cli_json("inspect", out)["inputs"][0]
        p = os.path.join(tmp, "in.npy")
        oracles.make_input(p, "--image", photos[1], "--shape", "1x96x96x3", "--dtype", "int8", "--scale", 1 / 255,
                           "--quant-scale", info["scale"][0], "--quant-zp", info["zero_point"][0])
        a = oracles.run_ours(out, [p], ["--single-rounding"])[0]
        b = oracles.run("litert", out, [p])
        d = oracles.max_steps(a, b[0])
        print(f"bias-corrected file: LiteRT.js vs ours {d} step(s)")
        if d > 3:
            failures.append(f"LiteRT.js differs by {d} steps")
    return oracles.report("quant_bias_correct", failures)


if __name__ == "__main__":
    oracles.main(main)
