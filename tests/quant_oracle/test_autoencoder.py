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
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402


def main():
    shared = oracles.shared_dir()
    failures = []
    feats = np.fromfile(os.path.join(shared, "data", "mlperf-tiny-audio", "normal_id_01_00000000_hist_librosa.bin"),
                        dtype=np.float32).reshape(-1, 640)
    with tempfile.TemporaryDirectory(prefix="nq_qtest_") as tmp:
        cal, ev = os.path.join(tmp, "cal.npy"), os.path.join(tmp, "ev.npy")
        np.save(cal, feats[0::2])
        np.save(ev, feats[1::2])
        fm = oracles.model("mlperf-tiny-ad/ad01_fp32.tflite", must_exist=False)
        tm = oracles.model("mlperf-tiny-ad/ad01_int8.tflite", must_exist=False)
        out = os.path.join(tmp, "ad_int8.tflite")
        ours = oracles.cli_json("convert", fm, "-d", cal, "-o", out, "--eval-data", ev, "--quiet")["outputs"][0]
        tf = oracles.cli_json("compare", fm, tm, "-d", ev, "--quiet")["outputs"][0]
        print(f"reconstruction vs float model on {ours['samples']} real feature vectors:")
        for who, fig in (("npuquant int8:  ", ours), ("TensorFlow int8:", tf)):
            print(f"  {who} SQNR {oracles.sqnr(fig):6.2f} dB, RMSE {fig['rmse']:.4f}, max {fig['max_abs_error']:.4f}")
        if oracles.sqnr(ours) < oracles.sqnr(tf) - 0.5:
            failures.append(f"our SQNR {oracles.sqnr(ours):.2f} dB < TF's {oracles.sqnr(tf):.2f} - 0.5")
        info = oracles.cli_json("inspect", out)["inputs"][0]
        qs, qz = info["scale"][0], info["zero_point"][0]
        for i in range(3):
            p = os.path.join(tmp, f"in{i}.npy")
            np.save(p, np.clip(np.round(feats[2 * i + 1] / qs) + qz, -128, 127).astype(np.int8)[None])
            a = oracles.run_ours(out, [p], ["--single-rounding"])[0]
            for kind in ("litert", "armnn"):
                b = oracles.run(kind, out, [p])
                d = oracles.max_steps(a, b[0])
                print(f"  vector {2 * i + 1}: {kind} vs ours: max {d} step(s)")
                if d > 3:
                    failures.append(f"vector {2 * i + 1}: {kind} differs by {d} steps")
    return oracles.report("quant_autoencoder", failures)


if __name__ == "__main__":
    oracles.main(main)
