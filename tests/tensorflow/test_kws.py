"""MLPerf Tiny KWS: the TF 2.3 Keras SavedModel through npuquant's TensorFlow
frontend against TensorFlow's own conversions of the same model.

Inputs: MFCCs (kws_mfcc.py, the benchmark's preprocessing in numpy) of every
1-second window of the speech clips in ../shared/data.
 1. float, exact: our SavedModel outputs vs a numpy forward pass of the
    DS-CNN with the weights read from the checkpoint by an independent
    Python bundle reader (kws_numpy_ref.py): max |diff| < 1e-4.
 2. float vs TensorFlow's kws_ref_model_float32.tflite in LiteRT.js. That
    file was NOT made from this checkpoint's weights (its dense bias and
    first-layer weights differ from the SavedModel's; printed below), so the
    outputs differ by more than its int8-stored weights explain: only top-1
    agreement on >= 75% of the clips is required, the figures are printed.
 3. int8: `npuquant convert` with these MFCCs as calibration data; SQNR of
    the int8 model against our float model must be at least that of
    TensorFlow's kws_ref_model.tflite (same inputs) minus 0.5 dB.
"""
import glob
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402
import kws_mfcc  # noqa: E402
import kws_numpy_ref  # noqa: E402

def test():
    kws = oracles.model("mlperf-tiny-kws", must_exist=False)
    saved = os.path.join(kws, "kws_ref_model_savedmodel")
    data = oracles.shared_dir() + "/data"
    wavs = sorted(glob.glob(data + "/tflm-micro_speech-wav/*.wav") + glob.glob(data + "/mlperf-tiny-audio/*.wav") +
                  glob.glob(data + "/tfls-audio/*.wav"))
    clips = kws_mfcc.clips(wavs, max_windows=10)
    assert len(clips) >= 10, "too few speech clips (%d)" % len(clips)
    xs = [kws_mfcc.mfcc(x).reshape(1, 49, 10, 1) for _, _, x in clips]

    numpy_ref = kws_numpy_ref.KwsRef(saved)
    worst, agree, exact = 0.0, 0, 0.0
    for (path, start, _), x in zip(clips, xs):
        ours = oracles.run_ours(saved, [x])[0]
        exact = max(exact, float(np.abs(ours - numpy_ref(x[0, :, :, 0])).max()))
        ref = oracles.run("litert", os.path.join(kws, "kws_ref_model_float32.tflite"), [x])[0]
        assert ours.shape == ref.shape, "output shapes %s vs %s" % (ours.shape, ref.shape)
        d = float(np.abs(ours - ref).max())
        worst = max(worst, d)
        if np.argmax(ours) == np.argmax(ref):
            agree += 1
        else:
            print("top-1 differs on %s@%d: ours %d, LiteRT %d" % (os.path.basename(path), start, np.argmax(ours),
                                                                   np.argmax(ref)))
    print("float: %d clips, max |ours - numpy reference| = %.2e" % (len(xs), exact))
    print("float: max |ours - LiteRT(float32.tflite)| = %.4f, top-1 agreement %d/%d" % (worst, agree, len(xs)))
    assert exact < 1e-4, "float outputs differ from the numpy reference by %.2e" % exact
    assert agree >= 0.75 * len(xs), "top-1 agrees with the float32 .tflite on only %d/%d clips" % (agree, len(xs))

    with tempfile.TemporaryDirectory() as tmp:
        npy = os.path.join(tmp, "mfcc.npy")
        np.save(npy, np.concatenate(xs, axis=0))
        int8 = os.path.join(tmp, "kws_int8.tflite")
        oracles.cli("convert", saved, "-d", npy, "-o", int8, check=True)
        ours = oracles.cli_json("compare", saved, int8, "-d", npy)["outputs"][0]
        tfs = oracles.cli_json("compare", saved, os.path.join(kws, "kws_ref_model.tflite"), "-d", npy)["outputs"][0]
        print("int8 vs our float model on %d MFCC inputs: ours %.2f dB (top-1 %d/%d), TensorFlow's kws_ref_model.tflite"
              " %.2f dB (top-1 %d/%d)" % (ours["samples"], ours["sqnr_db"], ours["top1_agree"], ours["samples"],
                                          tfs["sqnr_db"], tfs["top1_agree"], tfs["samples"]))
        assert ours["sqnr_db"] >= tfs["sqnr_db"] - 0.5, "int8 SQNR below TensorFlow's minus 0.5 dB"
        # The int8 model runs in LiteRT and keeps our float model's top-1.
        facts = oracles.tflite_facts(int8)
        qi, qo = facts["inputs"][0], facts["outputs"][0]
        agree8 = 0
        for x in xs:
            q = np.clip(np.round(x / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
            y = (oracles.run("litert", int8, [q])[0].astype(np.float32) - qo["zero_point"][0]) * qo["scale"][0]
            agree8 += int(np.argmax(y) == np.argmax(oracles.run_ours(saved, [x])[0]))
        print("int8 in LiteRT: top-1 agrees with our float model on %d/%d clips" % (agree8, len(xs)))
        assert agree8 >= 0.9 * len(xs), "LiteRT int8 top-1 agreement too low"


if __name__ == "__main__":
    oracles.main(test)
