"""TensorFlow frontend on the shared models (besides KWS, see test_kws.py).

tf2onnx-tests:
  - the regression SavedModel (TF1, VariableV2 restored from the bundle) and
    the regression frozen GraphDef give the outputs of regression_tflite/
    model.tflite run in LiteRT.js (scalar input, so --input-shape X:scalar);
  - ae0_frozen.pb and fc-layers_frozen.pb convert to int8 with digit images
    as data, and the int8 models run in LiteRT.js with an SQNR against our
    float model of at least 25 dB (fc-layers: top-1 agrees on every sample).
mediapipe-tf-graphs:
  - the TF2 mini SavedModel (x + 1 inside two nested PartitionedCalls)
    loads, runs (= x + 1) and converts;
  - the TF1 SavedModel and both GraphDefs (int32 variables a, b as inputs;
    multiplied = a * b; expensive = Conv2D of two Fill constants) load and
    run: multiplied equals numpy's a * b, `expensive` is the same in all
    three files.
"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402


def sqnr(ref, x):
    ref, x = np.asarray(ref, np.float64), np.asarray(x, np.float64)
    return 10 * np.log10(np.sum(ref ** 2) / max(np.sum((ref - x) ** 2), 1e-30))


def litert_int8(model, x):
    facts = oracles.tflite_facts(model)
    qi, qo = facts["inputs"][0], facts["outputs"][0]
    q = np.clip(np.round(x / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
    y = oracles.run("litert", model, [q])[0]
    return (y.astype(np.float32) - qo["zero_point"][0]) * qo["scale"][0]


def regression(m):
    t = os.path.join(m, "tf2onnx-tests")
    ref_model = os.path.join(t, "regression_tflite", "model.tflite")
    for x in (-3.5, 0.0, 0.7, 12.0):
        xin = np.array(x, dtype=np.float32)
        ref = oracles.run("litert", ref_model, [xin])[0]
        for model in (os.path.join(t, "regression_saved_model"), os.path.join(t, "regression_graphdef", "frozen.pb")):
            ours = oracles.run_ours(model, [xin], ["--input-shape", "X:scalar"])[0]
            assert ours.shape == ref.shape, "%s: shape %s vs %s" % (model, ours.shape, ref.shape)
            assert abs(float(ours) - float(ref)) <= 1e-5 * max(1.0, abs(float(ref))), \
                "%s: X=%g gives %r, LiteRT %r" % (model, x, ours, ref)
    print("regression SavedModel and GraphDef = regression_tflite in LiteRT on 4 inputs")


def digits():
    z = np.load(os.path.join(oracles.shared_dir(), "data", "sklearn-digits", "digits_8x8.npz"))["images"][:32]
    return (np.pad(np.kron(z, np.ones((3, 3))), ((0, 0), (2, 2), (2, 2))) / 16.0).reshape(32, 784).astype(np.float32)


def frozen_fc(m, tmp):
    xs = digits()
    npy = os.path.join(tmp, "digits.npy")
    np.save(npy, xs)
    for name in ("ae0", "fc-layers"):
        pb = os.path.join(m, "tf2onnx-tests", "frozen", name + "_frozen.pb")
        out = os.path.join(tmp, name + ".tflite")
        oracles.cli("convert", pb, "-d", npy, "-o", out, check=True)
        fl, q8, agree = [], [], 0
        for x in xs[:8]:
            f = oracles.run_ours(pb, [x.reshape(1, 784)])[0]
            y = litert_int8(out, x.reshape(1, 784))
            fl.append(f)
            q8.append(y)
            agree += int(np.argmax(f) == np.argmax(y))
        s = sqnr(np.array(fl), np.array(q8))
        print("%s: int8 in LiteRT vs our float: SQNR %.2f dB, top-1 %d/8" % (name, s, agree))
        assert s >= 25.0, "%s: SQNR %.2f dB < 25" % (name, s)
        if name == "fc-layers":
            assert agree == 8, "fc-layers: top-1 agreement %d/8" % agree


def mediapipe(m, tmp):
    mp = os.path.join(m, "mediapipe-tf-graphs")
    v2 = os.path.join(mp, "saved_model_v2_mini")
    x = np.random.RandomState(1).randn(1, 4).astype(np.float32)
    y = oracles.run_ours(v2, [x], ["--input-shape", "x:1x4"])[0]
    assert np.allclose(y, x + 1.0, atol=1e-6), "v2 mini: %r for %r" % (y, x)
    npy = os.path.join(tmp, "v2.npy")
    np.save(npy, np.random.RandomState(2).randn(8, 1, 4).astype(np.float32))
    oracles.cli("convert", v2, "--input-shape", "x:1x4", "-d", npy, "-o", os.path.join(tmp, "v2.tflite"),
                check=True)
    print("mediapipe saved_model_v2_mini: x + 1 exact, converted to int8")

    a = np.array([[3, -2, 7]], dtype=np.int32)
    b = np.array([[5, 4, -6]], dtype=np.int32)
    exp = None
    for model, args, ins in (
            (os.path.join(mp, "saved_model_tf1", "00000000"), [], [b, a]),  # signature order: B, A
            (os.path.join(mp, "frozen", "frozen_graph_def.pb"), ["--inputs", "a,b", "--outputs", "multiplied,expensive"], [a, b]),
            (os.path.join(mp, "frozen", "tf_graph_def.pb"), ["--inputs", "a,b", "--outputs", "multiplied,expensive"], [a, b])):
        outs = oracles.run_ours(model, ins, args)
        assert len(outs) == 2, "%s: %d outputs" % (model, len(outs))
        assert np.array_equal(outs[0], a * b), "%s: multiplied %r" % (model, outs[0])
        assert outs[1].shape == (1, 40, 40, 100) and np.all(np.isfinite(outs[1])), model
        if exp is None:
            exp = outs[1]
        assert np.allclose(outs[1], exp, rtol=1e-6), "%s: 'expensive' differs between the files" % model
        # int32 inputs are fed from the data as integers; the int32 MUL stays
        # exact and the constant-input convolution keeps its values.
        da, db = os.path.join(tmp, "da.npy"), os.path.join(tmp, "db.npy")
        np.save(da, np.stack([a, a * 2]))
        np.save(db, np.stack([b, b + 1]))
        out = os.path.join(tmp, "mp_int8.tflite")
        data = ["-d", db, "-d", da] if "saved_model" in model else ["-d", da, "-d", db]
        rep = oracles.cli_json("convert", model, *args, *data, "-o", out, "--quiet")
        sq = {o["name"]: o["sqnr_db"] for o in rep["outputs"]}
        assert sq["multiplied"] == "inf" and float(sq["expensive"]) > 30, "%s: int8 SQNR %r" % (model, sq)
    print("mediapipe TF1 SavedModel + 2 GraphDefs: multiplied = a*b, expensive identical; int8: exact, >30 dB")


def test():
    m = os.path.join(oracles.shared_dir(), "models")
    regression(m)
    with tempfile.TemporaryDirectory() as tmp:
        frozen_fc(m, tmp)
        mediapipe(m, tmp)


if __name__ == "__main__":
    oracles.main(test)
