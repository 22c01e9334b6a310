#!/usr/bin/python3
"""`compare --task detect --layout mediapipe` on MediaPipe's own detectors (issue 10, item 5).

MediaPipe's face and palm detectors end in box regressors [1, N, K] and score logits [1, N, 1]
read against SSD anchors that the file does not hold. This test decodes them itself, from
MediaPipe's calculators as documented (SsdAnchorsCalculator with fixed-size anchors,
TensorsToDetectionsCalculator's box and sigmoid decoding, boxes of no positive size dropped,
NMS at IoU 0.3), on outputs that
LiteRT.js computes, and checks npuquant's counts against that:
- face_detection_short_range (128x128, 896 anchors, strides 8/16/16/16), converted with
  `--recipe tf`, float32 in and out, calibrated on the even photos of ../shared's
  mediapipe-gestures (people making hand signs) and evaluated on the odd ones plus the face
  photos: the float and int8 detection counts and the matches of `compare --task detect --json`
  equal this test's from LiteRT.js's outputs of both models; recall and precision of the int8
  detections stay at or above floors (issue 10 asks 0.9 for both: printed);
- palm_detection_lite (192x192, 2016 anchors, the same strides at another size) against
  itself on the gesture photos: the layout is recognised and the count of palms equals this
  test's decoding of LiteRT.js's outputs (and every one matches itself);
- a layout asked for on a model without its outputs is refused by name.
Skips (exit 77) without ../shared, LiteRT.js or python3-pil.
"""
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402

FACE = "mediapipe-solutions/face_detection_short_range.tflite"
PALM = "mediapipe-solutions/palm_detection_lite.tflite"
FLOOR_RECALL, FLOOR_PRECISION = 0.9, 0.9  # measured 1.0 / 1.0 on 19 faces (--recipe tf)
BAR = 0.9
MIN_SCORE, NMS_IOU = 0.5, 0.3


def anchors(size, strides, per_layer):
    """SsdAnchorsCalculator, fixed anchor size: layers of one stride share a grid."""
    out, layer = [], 0
    while layer < len(strides):
        last = layer
        while last + 1 < len(strides) and strides[last + 1] == strides[layer]:
            last += 1
        fm = -(-size // strides[layer])
        for y in range(fm):
            for x in range(fm):
                out.extend([((x + 0.5) / fm, (y + 0.5) / fm)] * ((last - layer + 1) * per_layer))
        layer = last + 1
    return np.array(out, np.float64)


def iou(a, b):
    h = min(a[2], b[2]) - max(a[0], b[0])
    w = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(h, 0) * max(w, 0)
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0


def decode(outputs, size, anc):
    reg, logit = (outputs[0], outputs[1]) if outputs[0].shape[-1] >= 4 else (outputs[1], outputs[0])
    reg, logit = reg.reshape(len(anc), -1).astype(np.float64), logit.reshape(-1).astype(np.float64)
    score = 1 / (1 + np.exp(-np.clip(logit, -100, 100)))
    cand = []
    for i in np.nonzero(score >= MIN_SCORE)[0]:
        cx, cy = reg[i, 0] / size + anc[i, 0], reg[i, 1] / size + anc[i, 1]
        w, h = reg[i, 2] / size, reg[i, 3] / size
        if w <= 0 or h <= 0:  # no box (palm_detection emits some)
            continue
        cand.append((score[i], (cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2)))
    cand.sort(key=lambda c: -c[0])
    kept = []
    for s, box in cand:
        if all(iou(box, k[1]) <= NMS_IOU for k in kept):
            kept.append((s, box))
    return kept


def matches(ref, test):
    used, hits = set(), 0
    for _, box in sorted(ref, key=lambda d: -d[0]):
        best, best_iou = None, 0.5
        for j, (_, tb) in enumerate(test):
            v = iou(box, tb)
            if j not in used and v >= best_iou and (best is None or v > best_iou):
                best, best_iou = j, v
        if best is not None:
            used.add(best)
            hits += 1
    return hits


def npy_dir(tmp, name, paths, size):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    xs = []
    for k, p in enumerate(paths):
        xs.append(oracles.photo(p, size, 127.5, -1.0))
        np.save(os.path.join(d, "%03d.npy" % k), xs[-1])
    return d, xs


def test():
    face = oracles.model(FACE)
    palm = oracles.model(PALM)
    oracles.require("litert", face)
    try:
        import PIL  # noqa: F401,PLC0415
    except ImportError:
        raise oracles.OracleSkip("python3-pil is not installed")
    gestures = oracles.images("mediapipe-gestures")
    faces = oracles.images("face_classification-images")
    if len(gestures) < 20 or not faces:
        raise oracles.OracleSkip("too few gesture or face photos in ../shared/data")
    c = oracles.Checks("quant_mediapipe_detect")
    with tempfile.TemporaryDirectory(prefix="nq-mpd-") as tmp:
        cal, _ = npy_dir(tmp, "cal", gestures[0::2], 128)
        ev, xs = npy_dir(tmp, "eval", gestures[1::2] + faces, 128)
        int8 = os.path.join(tmp, "face_int8.tflite")
        oracles.cli("convert", face, "-d", cal, "--input-type", "float32", "--output-type", "float32", "--recipe",
                    "tf", "-o", int8, "--quiet", check=True, timeout=1800)
        p = oracles.cli("compare", face, int8, "-d", ev, "--task", "detect", "--json", timeout=1800)
        if not c.check(p.returncode == 0, "compare --task detect failed: %s" % p.stderr.strip()):
            return c.finish()
        t = json.loads(p.stdout).get("task", {})
        anc = anchors(128, [8, 16, 16, 16], 2)
        n_ref = n_test = hits = 0
        for x in xs:
            ref, test_ = (decode(oracles.run("litert", m, [x]), 128, anc) for m in (face, int8))
            n_ref, n_test, hits = n_ref + len(ref), n_test + len(test_), hits + matches(ref, test_)
        print("face_detection_short_range, %d photos: npuquant %s; this test from LiteRT.js: float %d, int8 %d, "
              "matched %d" % (len(xs), t, n_ref, n_test, hits))
        c.check(t.get("layout") == "mediapipe" and n_ref >= 15
                and (t.get("float_detections"), t.get("int8_detections"), t.get("matched")) == (n_ref, n_test, hits),
                "compare's face detections equal this test's decoding of LiteRT.js's outputs")
        recall, precision = t.get("recall", 0), t.get("precision", 0)
        c.check(recall >= FLOOR_RECALL and precision >= FLOOR_PRECISION,
                "int8 vs float faces: recall %.3f >= %.2f, precision %.3f >= %.2f"
                % (recall, FLOOR_RECALL, precision, FLOOR_PRECISION))
        print("issue 10 bar (recall and precision >= %.1f): %s" % (BAR, "met" if min(recall, precision) >= BAR
                                                                    else "not met"))

        pal, pxs = npy_dir(tmp, "palm", gestures[::3], 192)
        p = oracles.cli("compare", palm, palm, "-d", pal, "--task", "detect", "--layout", "mediapipe", "--json",
                        timeout=1800)
        t = json.loads(p.stdout).get("task", {}) if p.returncode == 0 else {}
        anc = anchors(192, [8, 16, 16, 16], 2)
        n = sum(len(decode(oracles.run("litert", palm, [x]), 192, anc)) for x in pxs)
        c.check(n >= 5 and t.get("float_detections") == n == t.get("matched") == t.get("int8_detections"),
                "palm_detection_lite (2016 anchors): %s; this test finds %d palms in LiteRT.js's outputs" % (t, n))

        p = oracles.cli("compare", face, int8, "-d", ev, "--task", "detect", "--layout", "postprocess")
        c.check(p.returncode == 1 and "TFLite_Detection_PostProcess" in p.stderr,
                "--layout postprocess on the face detector is refused by name, got %d: %s"
                % (p.returncode, p.stderr.strip()))
    return c.finish()


if __name__ == "__main__":
    oracles.main(test)
