#!/usr/bin/python3
"""npuquant.compare against two independent computations, on the bundled
demo model (no ../shared needed):
  - numpy, from Model.run on both models (keep_tensors=True for the per-layer
    figures): SQNR, max |err|, RMSE, RMSE/scale, top-1 agreement, accuracy;
  - `npuquant compare --json` on the same samples and labels.
Two int8 versions: int8 in/out, and uint8 in / float32 out (other feeding
and dequantizing paths). Then bad arguments: ValueError/TypeError/
NpuquantError naming the problem, never a crash."""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

from pyhelpers import check, finish, npuquant

SOURCE = os.environ["NQ_SOURCE_DIR"]
CLI = os.environ["NQ_CLI"]
MODEL = os.path.join(SOURCE, "examples", "fashion", "fashion_cnn.tflite")
QRANGE = {np.dtype(np.int8): (-128, 127), np.dtype(np.uint8): (0, 255)}


def quantize(x, spec):
    """TFLite's QUANTIZE: round(x / scale) half away from zero, + zero point, clamped."""
    v = (x.astype(np.float32) / np.float32(spec["scale"][0])).astype(np.float64)
    r = np.sign(v) * np.floor(np.abs(v) + 0.5) + spec["zero_point"][0]
    lo, hi = QRANGE[spec["dtype"]]
    return np.clip(r, lo, hi).astype(spec["dtype"])


def as_float(a, spec):
    if a.dtype == np.float32:
        return a
    return (a.astype(np.int64) - spec["zero_point"][0]).astype(np.float32) * np.float32(spec["scale"][0])


def classifier_shaped(shape):
    return (len(shape) == 1 and shape[0] > 1) or (len(shape) == 2 and shape[0] == 1 and shape[1] > 1)


class Figures:
    """The figures for one tensor pair, accumulated sample by sample."""

    def __init__(self, shape):
        self.s2 = self.e2 = self.mx = 0.0
        self.count = self.n = self.agree = self.ref_ok = self.test_ok = 0
        self.classifier = classifier_shaped(shape)

    def add(self, ref, test, label=None):
        r, t = ref.astype(np.float64).ravel(), test.astype(np.float64).ravel()
        self.s2 += float(np.sum(r * r))
        self.e2 += float(np.sum((r - t) ** 2))
        self.mx = max(self.mx, float(np.max(np.abs(r - t))))
        self.count += r.size
        self.n += 1
        if self.classifier:
            self.agree += int(np.argmax(r) == np.argmax(t))
            if label is not None:
                self.ref_ok += int(np.argmax(r) == label)
                self.test_ok += int(np.argmax(t) == label)

    def sqnr(self):
        return math.inf if self.e2 == 0 else 10 * math.log10(self.s2 / self.e2)

    def rmse(self):
        return math.sqrt(self.e2 / self.count)


def close(a, b, rel=1e-9):
    if a is None or b is None or (isinstance(a, float) and math.isinf(a)):
        return a == b
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-30)


def numpy_compare(fm, qm, samples, labels):
    """The expected per-output and per-tensor figures, from Model.run."""
    fin, qin = fm.inputs[0], qm.inputs[0]
    fts, qts = fm.tensors, qm.tensors
    # the pairs compare matches: float non-constant reference tensors with a
    # test tensor of the same name (or NAME_int8) and size
    qnames = {t["name"]: t for t in qts if not t["constant"]}
    pairs = {}
    for t in fts:
        if t["constant"] or t["dtype"] != np.float32:
            continue
        q = qnames.get(t["name"]) or qnames.get(t["name"] + "_int8")
        if q is not None and np.prod(q["shape"]) == np.prod(t["shape"]):
            pairs[t["name"]] = (t, q)
    outs = [Figures(o["shape"]) for o in fm.outputs]
    per = {name: Figures(t["shape"]) for name, (t, q) in pairs.items()}
    for k, x in enumerate(samples):
        x = x.reshape(fin["shape"])
        fy, fv = fm.run([x], keep_tensors=True)
        xq = x if qin["dtype"] == np.float32 else quantize(x, qin)
        qy, qv = qm.run([xq], keep_tensors=True)
        for i, spec in enumerate(qm.outputs):
            outs[i].add(fy[i], as_float(qy[i], spec), labels[k])
        for name, (t, q) in pairs.items():
            per[name].add(fv[name], as_float(qv[q["name"]], q))
    return outs, per, pairs


def same_figures(got, exp, scale, what):
    ok = close(got["sqnr_db"], exp.sqnr()) and close(got["rmse"], exp.rmse()) and got["max_abs_error"] == exp.mx
    ok = ok and got["samples"] == exp.n and got["classifier"] == exp.classifier
    ok = ok and close(got["rmse_over_scale"], exp.rmse() / scale if scale > 0 else None)
    if exp.classifier:
        ok = ok and got["top1_agree"] == exp.agree and got["top1_agreement"] == exp.agree / exp.n
    if not ok:
        print(f"  {what}: library {got}\n  numpy sqnr {exp.sqnr()} rmse {exp.rmse()} max {exp.mx} top1 {exp.agree}")
    return ok


def cli_compare(tmp, fpath, qpath, samples, labels):
    d, lab = os.path.join(tmp, "eval.npy"), os.path.join(tmp, "labels.npy")
    np.save(d, samples)
    np.save(lab, labels.astype(np.int64))
    out = subprocess.run([CLI, "compare", fpath, qpath, "-d", d, "--labels", lab, "--tensors", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def same_as_cli(py, cli):
    """Every figure the CLI prints, to its 9 printed digits."""
    if len(py) != len(cli):
        print(f"  {len(py)} entries vs the CLI's {len(cli)}")
        return False
    for p, c in zip(py, cli):
        for key, cv in c.items():
            pv = p.get(key)
            if key == "sqnr_db" and isinstance(cv, str):
                good = pv == float(cv)
            elif isinstance(cv, float):
                good = close(pv, cv, 2e-8)
            else:
                good = pv == cv
            if not good:
                print(f"  '{p['name']}' {key}: binding {pv!r}, CLI {cv!r}")
                return False
        if "rmse_over_scale" not in c and p["rmse_over_scale"] is not None:
            return False
    return True


def accuracy_figures(res, outs):
    o, e = res["outputs"][0], outs[0]
    return o["float_accuracy"] == e.ref_ok / e.n and o["int8_accuracy"] == e.test_ok / e.n


def main():
    fm = npuquant.Model(MODEL)
    rng = np.random.default_rng(11)
    # Fashion-like inputs: mostly dark with bright blobs, so classes differ.
    cal = (rng.uniform(0, 1, size=(48, 1, 28, 28, 1)) ** 3).astype(np.float32)
    ev = (rng.uniform(0, 1, size=(24, 1, 28, 28, 1)) ** 3).astype(np.float32)
    labels = rng.integers(0, 10, size=len(ev))
    variants = [("int8", npuquant.convert(fm, cal)),
                ("uint8 in, float out", npuquant.convert(fm, cal, input_type="uint8", output_type="float32"))]
    with tempfile.TemporaryDirectory() as tmp:
        for what, qm in variants:
            res = npuquant.compare(fm, qm, ev, per_layer=True, labels=labels)
            outs, per, pairs = numpy_compare(fm, qm, ev, labels)
            oscale = qm.outputs[0]["scale"][0] if qm.outputs[0]["scale"] else 0.0
            check(res["samples"] == len(ev) and len(res["outputs"]) == 1, f"{what}: one output over {len(ev)} samples")
            check(same_figures(res["outputs"][0], outs[0], oscale, "output"),
                  f"{what}: output figures equal numpy's from Model.run")
            check(accuracy_figures(res, outs), f"{what}: accuracy against labels equals numpy's")
            names = [t["name"] for t in res["tensors"]]
            check(sorted(names) == sorted(pairs) and len(names) >= 8,
                  f"{what}: per-layer tensors are the float tensors matched by name ({len(names)})")
            check(all(same_figures(t, per[t["name"]], pairs[t["name"]][1]["scale"][0]
                                   if pairs[t["name"]][1]["scale"] else 0.0, t["name"])
                      for t in res["tensors"] if t["name"] in per),
                  f"{what}: every per-layer figure equals numpy's from Model.run(keep_tensors=True)")
            sq = res["outputs"][0]["sqnr_db"]
            check(15 < sq < 80, f"{what}: the int8 model tracks the float model ({sq:.1f} dB)")
            qpath = os.path.join(tmp, "q.tflite")
            qm.save(qpath)
            cli = cli_compare(tmp, MODEL, qpath, ev, labels)
            check(same_as_cli(res["outputs"], cli["outputs"]) and same_as_cli(res["tensors"], cli["tensors"]),
                  f"{what}: every figure equals `npuquant compare --json` on the same samples")
            os.unlink(qpath)

        qm = variants[0][1]
        same = npuquant.compare(qm, qm, ev[:3])["outputs"][0]
        check(same["sqnr_db"] == math.inf and same["max_abs_error"] == 0 and same["top1_agree"] == 3,
              "a model against itself: inf dB, no error, full agreement")
        single = npuquant.compare(fm, qm, ev, single_rounding=True)["outputs"][0]
        check(npuquant.compare(fm, qm, ev[:2])["int8_rounding"] == "single"
              and npuquant.compare(fm, qm, ev[:2], single_rounding=False)["int8_rounding"] == "double",
              "the result names its int8 rounding (single by default, as `npuquant compare`)")
        check(math.isfinite(single["sqnr_db"]) and "tensors" not in npuquant.compare(fm, qm, ev[:2]),
              "single rounding runs; no per-layer list unless asked")
        check(npuquant.compare(MODEL, qm, ev[:2])["outputs"][0]["samples"] == 2, "a path works as a model")

        # task="landmark": the 10 scores read as 5 keypoints of (x, y); the mean distance equals numpy's
        # from Model.run and `npuquant compare --task landmark --json`'s.
        fq = variants[1][1]
        res = npuquant.compare(fm, fq, ev, task="landmark", keypoint_dims=2)["task"]
        dist = []
        for x in ev:
            a = fm.run([x])[0].reshape(-1, 2).astype(np.float64)
            b = fq.run([quantize(x, fq.inputs[0])])[0].reshape(-1, 2).astype(np.float64)
            dist.extend(np.sqrt(((a - b) ** 2).sum(1)))
        qpath, dpath = os.path.join(tmp, "fq.tflite"), os.path.join(tmp, "ev.npy")
        fq.save(qpath)
        np.save(dpath, ev)
        r = subprocess.run([CLI, "compare", MODEL, qpath, "-d", dpath, "--task", "landmark", "--keypoint-dims", "2",
                            "--json"], capture_output=True, text=True)
        cli = json.loads(r.stdout)["task"] if r.returncode == 0 else {}
        check(res["task"] == "landmark" and res["keypoints"] == len(dist) == cli.get("keypoints")
              and close(res["mean_keypoint_error"], float(np.mean(dist)), 1e-6)
              and close(res["mean_keypoint_error"], cli.get("mean_keypoint_error", -1), 1e-6),
              f"task='landmark': {res} equals numpy's mean distance {np.mean(dist):.6g} and the CLI's {cli}")

        bad = [
            ("samples of the wrong size", lambda: npuquant.compare(fm, qm, ev[:, :, :27]), ValueError, "784"),
            ("no samples", lambda: npuquant.compare(fm, qm, ev[:0]), ValueError, "no samples"),
            ("labels of the wrong length", lambda: npuquant.compare(fm, qm, ev, labels=labels[:3]), ValueError,
             "labels"),
            ("float labels", lambda: npuquant.compare(fm, qm, ev, labels=labels * 0.5), ValueError, "integer"),
            ("a model that is not one", lambda: npuquant.compare(fm, 42, ev), TypeError, "int8_model"),
            ("negative threads", lambda: npuquant.compare(fm, qm, ev, num_threads=-2), ValueError, "num_threads"),
            ("a sample with two arrays for one input", lambda: npuquant.compare(fm, qm, [[ev, ev]]), ValueError,
             "2 arrays"),
            ("an unknown task", lambda: npuquant.compare(fm, qm, ev, task="segment"), ValueError, "'segment'"),
            ("a layout without task='detect'", lambda: npuquant.compare(fm, qm, ev, layout="yolo"), ValueError,
             "task='detect'"),
            ("keypoint_dims 1", lambda: npuquant.compare(fm, qm, ev, task="landmark", keypoint_dims=1), ValueError,
             "keypoint_dims"),
            ("a score threshold of 2", lambda: npuquant.compare(fm, qm, ev, task="detect", score_threshold=2),
             ValueError, "score_threshold"),
            ("task='detect' on a classifier", lambda: npuquant.compare(fm, qm, ev, task="detect"), npuquant.Error,
             "YOLO output"),
        ]
        for what, call, exc, word in bad:
            try:
                call()
                check(False, f"{what} raises")
            except exc as e:
                check(word in str(e), f"{what} raises {exc.__name__} naming it: {e}")
    return finish("python_compare")


if __name__ == "__main__":
    sys.exit(main())
