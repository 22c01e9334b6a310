#!/usr/bin/python3
"""`convert --labels`: with a class label per representative sample, the
automatic recipe chooses by the held-out samples' top-1 accuracy against the
labels (issue 11's "task metric when labels are given") when it differs
beyond chance (McNemar), SQNR otherwise.

MLPerf Tiny's ResNet8 with the even photos of ../shared/data (245 crops):

- labels = the float model's top-1 (npuquant's float executor): every
  candidate's accuracy equals its top-1 agreement, and the report gives both
  models' accuracy;
- labels that only the first candidate (min/max) gets right on the held-out
  samples: the same labels, except the held-out ones (the documented split,
  the last quarter of every run of 32) carry the top-1 of a min/max model
  calibrated, as that candidate is, on the documented 64 calibration
  samples. By SQNR the recipe chooses another candidate; with these labels
  it must choose min/max, right on every held-out sample;
- labels of the wrong count or with a class the model does not have are
  refused naming the file or the label, and no model is written.
"""
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
sys.path.insert(0, HERE)
import oracles  # noqa: E402
from test_quant_vs_tf import PHOTOS, crops_npy  # noqa: E402


def split(n):
    """The recipe's split (src/api/recipe.c): calibration and held-out indices,
    each at most 64, evenly spread."""
    block = 8 if n >= 64 else n // 8
    cal = [i for i in range(n) if i % (4 * block) < 3 * block]
    val = [i for i in range(n) if i % (4 * block) >= 3 * block]
    pick = lambda part: [part[k * len(part) // min(len(part), 64)] for k in range(min(len(part), 64))]  # noqa: E731
    return pick(cal), pick(val)


def top1(model, xs, tmp):
    """Top-1 class of each sample, run one at a time (int8 inputs quantized)."""
    info = oracles.cli_json("inspect", model)["inputs"][0]
    one, out = os.path.join(tmp, "one.npy"), os.path.join(tmp, "top1")
    classes = []
    for x in xs:
        if info["type"] == "int8":
            x = np.clip(np.round(x / info["scale"][0]) + info["zero_point"][0], -128, 127).astype(np.int8)
        np.save(one, x)
        oracles.cli("run", model, "-i", one, "-o", out, check=True)
        classes.append(int(np.load(out + ".out0.npy").argmax()))
    return np.array(classes, np.int64)


def convert(c, fm, cal, labels, out):
    args = ["convert", fm, "-d", cal, "-o", out, "--quiet"] + (["--labels", labels] if labels else [])
    rep = oracles.cli_json(*args)
    cands = rep["recipe"]["candidates"]
    chosen = [cd for cd in cands if cd["chosen"]]
    c.check(len(chosen) == 1, "one candidate is chosen")
    for cd in cands:
        print(f"  {cd['name']:30s} {cd['sqnr_db']:.2f} dB, top-1 {cd.get('top1_agree')}, "
              f"accuracy {cd.get('correct', '-')}/{cd['samples']}{'  chosen' if cd['chosen'] else ''}")
    return rep, cands, chosen[0]


def main():
    oracles.shared_dir()
    c = oracles.Checks("recipe_labels")
    fm = oracles.model("mlperf-tiny-ic-resnet8/pretrainedResnet.tflite")
    photos = oracles.images(*PHOTOS)
    with tempfile.TemporaryDirectory(prefix="nq_recipe_labels_") as tmp:
        cal = os.path.join(tmp, "cal.npy")
        n = crops_npy(photos[0::2], 32, 1.0, cal)
        x = np.load(cal)
        float_top1 = top1(fm, x, tmp)
        lab = os.path.join(tmp, "labels.npy")
        np.save(lab, float_top1)

        print("labels = the float model's top-1:")
        rep, cands, chosen = convert(c, fm, cal, lab, os.path.join(tmp, "a.tflite"))
        c.check(all(cd.get("correct") == cd.get("top1_agree") for cd in cands),
                "labels = the float model's top-1: accuracy equals top-1 agreement for every candidate")
        o = rep["outputs"][0]
        c.check(o.get("float_accuracy") == 1.0 and 0.5 < o.get("int8_accuracy", 0) <= 1.0,
                f"the report gives each model's accuracy (float {o.get('float_accuracy')}, "
                f"int8 {o.get('int8_accuracy')})")

        print("without labels:")
        _, _, by_sqnr = convert(c, fm, cal, None, os.path.join(tmp, "b.tflite"))
        c.check(by_sqnr["name"] != "minmax", f"by SQNR the recipe chooses {by_sqnr['name']}, not minmax")

        cal_idx, val_idx = split(n)
        sub = os.path.join(tmp, "sub.npy")
        np.save(sub, x[cal_idx])
        mm = os.path.join(tmp, "minmax.tflite")
        oracles.cli("convert", fm, "-d", sub, "-o", mm, "--recipe", "tf", "--quiet", check=True)
        rigged = float_top1.copy()
        rigged[val_idx] = top1(mm, x[val_idx], tmp)
        print(f"labels the min/max candidate gets right ({int((rigged != float_top1).sum())} of "
              f"{len(val_idx)} held-out differ from the float top-1):")
        np.save(lab, rigged)
        _, _, chosen = convert(c, fm, cal, lab, os.path.join(tmp, "c.tflite"))
        c.check(chosen["name"] == "minmax" and chosen.get("correct") == chosen["samples"],
                f"with labels only min/max matches, min/max is chosen, right on all "
                f"{chosen['samples']} held-out (chose {chosen['name']}, {chosen.get('correct')})")

        # hostile labels: a count that does not match, a class that does not exist
        short = os.path.join(tmp, "short.npy")
        np.save(short, float_top1[:-1])
        bad = os.path.join(tmp, "bad.npy")
        wrong = float_top1.copy()
        wrong[7] = 10
        np.save(bad, wrong)
        for path, expect in ((short, f"short.npy has {n - 1} labels for {n} samples"),
                             (bad, "label 7 is 10: class indices 0..9 expected")):
            dst = os.path.join(tmp, "refused.tflite")
            p = oracles.cli("convert", fm, "-d", cal, "--labels", path, "-o", dst, "--quiet")
            c.check(p.returncode == 1 and expect in p.stderr,
                    f"{os.path.basename(path)}: exit 1 with '{expect}' (got {p.returncode}: {p.stderr.strip()})")
            c.check(not os.path.exists(dst), f"{os.path.basename(path)}: no model written")
    c.finish()


if __name__ == "__main__":
    oracles.main(main)
