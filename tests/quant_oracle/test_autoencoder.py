#!/usr/bin/python3
"""mlperf-tiny-ad: an FC autoencoder with a 640-d regression output.

Real inputs: the 40 log-mel feature vectors of a ToyCar recording that MLPerf
Tiny ships as its reference input (normal_id_01_00000000_hist_librosa.bin).
Even vectors calibrate, odd ones evaluate. The test converts the float .tflite,
reports the reconstruction error (SQNR, RMSE) of our int8 model against the
float model beside TensorFlow's int8 model's, requires ours to be no worse
than TF's minus 0.5 dB, and runs our file in LiteRT.js and Arm NN (within 3
steps of our single-rounding executor)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402


def main():
    c.require_shared()
    failures = []
    feats = np.fromfile(os.path.join(c.SHARED, "data", "mlperf-tiny-audio", "normal_id_01_00000000_hist_librosa.bin"),
                        dtype=np.float32).reshape(-1, 640)
    with c.TempDir() as tmp:
        cal, ev = os.path.join(tmp, "cal.npy"), os.path.join(tmp, "ev.npy")
        np.save(cal, feats[0::2])
        np.save(ev, feats[1::2])
        fm, tm = c.model("mlperf-tiny-ad/ad01_fp32.tflite"), c.model("mlperf-tiny-ad/ad01_int8.tflite")
        out = os.path.join(tmp, "ad_int8.tflite")
        ours = c.cli_json("convert", fm, "-d", cal, "-o", out, "--eval-data", ev, "--quiet")["outputs"][0]
        tf = c.cli_json("compare", fm, tm, "-d", ev, "--quiet")["outputs"][0]
        print(f"reconstruction vs float model on {ours['samples']} real feature vectors:")
        print(f"  npuquant int8:   SQNR {c.sqnr(ours):6.2f} dB, RMSE {ours['rmse']:.4f}, max {ours['max_abs_error']:.4f}")
        print(f"  TensorFlow int8: SQNR {c.sqnr(tf):6.2f} dB, RMSE {tf['rmse']:.4f}, max {tf['max_abs_error']:.4f}")
        if c.sqnr(ours) < c.sqnr(tf) - 0.5:
            failures.append(f"our SQNR {c.sqnr(ours):.2f} dB < TF's {c.sqnr(tf):.2f} - 0.5")
        info = c.cli_json("inspect", out)["inputs"][0]
        qs, qz = info["scale"][0], info["zero_point"][0]
        for i in range(3):
            p = os.path.join(tmp, f"in{i}.npy")
            np.save(p, np.clip(np.round(feats[2 * i + 1] / qs) + qz, -128, 127).astype(np.int8)[None])
            a = c.run_ours(out, [p], tmp, f"ad{i}", single_rounding=True)[0]
            for kind in ("litert", "armnn"):
                b = c.run_oracle(kind, out, [p], tmp, f"ad{i}")
                if b is None:
                    c.skip(f"the {kind} oracle is not installed (scripts/setup.sh installs it)")
                d = int(np.max(np.abs(a.astype(np.int32) - b[0].astype(np.int32))))
                print(f"  vector {2 * i + 1}: {kind} vs ours: max {d} step(s)")
                if d > 3:
                    failures.append(f"vector {2 * i + 1}: {kind} differs by {d} steps")
    for f in failures:
        print("FAIL: " + f)
    print("quant_autoencoder: " + ("FAILED" if failures else "all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
