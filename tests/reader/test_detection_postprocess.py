#!/usr/bin/python3
"""TFLite_Detection_PostProcess and other custom ops are kept (issue 10 item 2).

    test_detection_postprocess.py MAKE_SSD_MODEL

  1. ../shared's coco_ssd_mobilenet_v1 (uint8) loads; `inspect` lists the custom op;
     the NPU report leaves it to the CPU by name; `run` on shared photos gives the
     detections of an independent numpy decoder + fast NMS written here from the op's
     documented semantics, fed with the network's own tensors (run --tensors) and the
     options decoded by the flatbuffers package's flexbuffers reader. (LiteRT.js is no
     oracle for this file: with uint8 box encodings its kernel reads the float anchors
     as uint8 with scale 0, so every box it returns is [0, 0, 0, 0].)
  2. Options with a key missing are refused naming the node and the key.
  3. A float SSD-style model (MAKE_SSD_MODEL, fast and regular NMS): our detections
     equal LiteRT.js's on random images; `convert` quantizes everything before the op,
     feeds it float through DEQUANTIZE (anchors a float constant, outputs float32);
     LiteRT.js runs the int8 model bit-identically to us; int8 vs float detections:
     recall and precision >= 0.9 (IoU >= 0.5, same class).
  4. An unknown custom op is kept (inspect) and refused by `run` and `convert` with a
     message naming the op and the node.
  5. `compare --task detect`: on the built SSD its counts equal the detections of the
     two models' outputs matched here one to one; on a YOLO-style head (MAKE_SSD_MODEL
     yolo, [1, 128, 8]) the detections equal those of tests/quant_oracle/yolo_detect.py's
     numpy decoder on our outputs, and the matched count this test's own matching.
Exit: 0 pass, 1 failure, 77 skip (../shared, node or LiteRT.js missing).
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "quant_oracle"))
import oracles  # noqa: E402
import yolo_detect  # noqa: E402

import numpy as np  # noqa: E402
from flatbuffers import flexbuffers  # noqa: E402

SSD = "tfls-misc/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"
PHOTOS = ["coral-images/kite_and_cold.jpg", "coral-images/grace_hopper.bmp", "debian-darknet-images/dog.jpg",
          "debian-darknet-images/horses.jpg"]
NAME = b"TFLite_Detection_PostProcess"


def custom_options(blob):
    """The op's flexbuffer options map in a .tflite, found as the length-prefixed byte
    vector that decodes to a map holding 'max_detections' (decoded by flatbuffers'
    own flexbuffers module, not by npuquant)."""
    k = blob.find(b"max_detections")
    for pos in range(max(0, k - 1024), k):
        n = struct.unpack_from("<I", blob, pos)[0]
        if n < 32 or n > 4096 or pos + 4 + n <= k or pos + 4 + n > len(blob):
            continue
        try:
            d = flexbuffers.Loads(blob[pos + 4:pos + 4 + n])
        except Exception:  # noqa: BLE001 - not this offset
            continue
        if isinstance(d, dict) and "max_detections" in d:
            return d, pos + 4, n
    return None, 0, 0


def decode(enc, anchors, o):
    """Box decoding against the anchors, in double, one float rounding per value."""
    e, a = enc.astype(np.float64), anchors.astype(np.float64)
    yc = (e[:, 0] / o["y_scale"] * a[:, 2] + a[:, 0]).astype(np.float32)
    xc = (e[:, 1] / o["x_scale"] * a[:, 3] + a[:, 1]).astype(np.float32)
    hh = (0.5 * np.exp(e[:, 2] / o["h_scale"]) * a[:, 2]).astype(np.float32)
    hw = (0.5 * np.exp(e[:, 3] / o["w_scale"]) * a[:, 3]).astype(np.float32)
    return np.stack([yc - hh, xc - hw, yc + hh, xc + hw], 1)


def iou(a, b):
    aa = (a[2] - a[0]) * (a[3] - a[1])
    ab = (b[2] - b[0]) * (b[3] - b[1])
    if aa <= 0 or ab <= 0:
        return np.float32(0)
    inter = max(min(a[2], b[2]) - max(a[0], b[0]), 0) * max(min(a[3], b[3]) - max(a[1], b[1]), 0)
    return np.float32(inter / (aa + ab - inter))


def fast_nms(boxes, scores, o):
    """Fast NMS with max_classes_per_detection 1: each anchor by its best class (lowest
    class on ties), anchors >= the score threshold best first (lower anchor on ties),
    suppression when IoU > the threshold. [(anchor, class, score)]."""
    offset = scores.shape[1] - int(o["num_classes"])
    cls = scores[:, offset:]
    top = cls.argmax(1)
    best = cls[np.arange(len(cls)), top]
    order = sorted((i for i in range(len(best)) if best[i] >= np.float32(o["nms_score_threshold"])),
                   key=lambda i: (-best[i], i))
    active = [True] * len(order)
    sel = []
    for ii, i in enumerate(order):
        if len(sel) >= o["max_detections"]:
            break
        if not active[ii]:
            continue
        sel.append((i, int(top[i]), float(best[i])))
        for jj in range(ii + 1, len(order)):
            if active[jj] and iou(boxes[i], boxes[order[jj]]) > np.float32(o["nms_iou_threshold"]):
                active[jj] = False
    return sel


def detections(outs):
    """[(box, class, score)] of the first num_detections entries of the op's outputs."""
    n = int(outs[3].ravel()[0])
    return [(outs[0][0, k], int(outs[1][0, k]), float(outs[2][0, k])) for k in range(n)]


def matched_one_to_one(ref, test):
    """Reference detections, best score first, each to the unmatched test detection of
    the same class with the highest IoU >= 0.5: the matched count."""
    used, hits = set(), 0
    for rb, rc, _ in sorted(ref, key=lambda d: -d[2]):
        best, best_iou = None, 0.5
        for k, (tb, tc, _) in enumerate(test):
            v = iou(rb, tb)
            if k not in used and tc == rc and v >= best_iou and (best is None or v > best_iou):
                best, best_iou = k, v
        if best is not None:
            used.add(best)
            hits += 1
    return hits


def match(ref, test):
    """(recall, precision) of test against ref, matched one to one."""
    hits = matched_one_to_one(ref, test)
    return (hits / len(ref) if ref else 1.0), (hits / len(test) if test else 1.0)


def check_ssd(c, tmp, data):
    path = oracles.model(SSD)
    ops = {o["op"]: o["count"] for o in oracles.cli_json("inspect", path)["ops"]}
    c.check(ops.get("CUSTOM") == 1, "inspect: one CUSTOM op expected: %s" % ops)
    p = oracles.cli("inspect", path, "--npu", "imx8mp")
    c.check(p.returncode == 0 and "(CUSTOM TFLite_Detection_PostProcess" in p.stdout and "fall back to the CPU"
            in p.stdout, "the NPU report does not leave the post-processing op to the CPU: %s" % p.stdout[-400:])
    with open(path, "rb") as f:
        blob = f.read()
    o, at, size = custom_options(blob)
    if not c.check(o is not None, "the op's flexbuffer options were not found in the file"):
        return
    facts = oracles.cli_json("inspect", path, "--tensors")["tensors"]
    by_name = {t["name"]: t for t in facts}
    worst = 0.0
    n_det = 0
    for k, f in enumerate(PHOTOS):
        tdir = os.path.join(tmp, "ssd%d" % k)
        prefix = os.path.join(tmp, "ssd_out%d" % k)
        oracles.cli("run", path, "-i", os.path.join(data, f), "--range", "-1..1", "--tensors", tdir, "-o",
                    prefix, check=True)
        outs = oracles.load_outputs(prefix)
        files = {n.split("_", 1)[1][:-4]: os.path.join(tdir, n) for n in os.listdir(tdir)}
        enc_t, sc_t = by_name["Squeeze"], by_name["convert_scores"]
        enc = (np.load(files["Squeeze"])[0].astype(np.float32) - enc_t["zero_point"][0]) * np.float32(enc_t["scale"][0])
        sc = (np.load(files["convert_scores"])[0].astype(np.float32) - sc_t["zero_point"][0]) \
            * np.float32(sc_t["scale"][0])
        boxes = decode(enc, np.load(files["anchors"]), o)
        want = fast_nms(boxes, sc, o)
        got = detections(outs)
        n_det += len(got)
        if not c.check(len(got) == len(want) and all(g[1] == w[1] and g[2] == w[2] for g, w in zip(got, want)),
                       "%s: classes/scores %s, the numpy reference %s" % (f, [(g[1], g[2]) for g in got],
                                                                          [(w[1], w[2]) for w in want])):
            continue
        worst = max([worst] + [float(np.abs(g[0] - boxes[w[0]]).max()) for g, w in zip(got, want)])
        labels = ", ".join("%d:%.2f" % (g[1], g[2]) for g in got[:3])
        print("coco_ssd %s: %d detections (best %s)" % (f, len(got), labels))
    c.check(worst <= 1e-6, "boxes differ from the numpy reference by %g" % worst)
    print("coco_ssd: %d detections on %d photos equal the numpy reference (boxes within %g)"
          % (n_det, len(PHOTOS), worst))

    # Hostile options: a key renamed, so 'max_detections' is missing.
    bad = os.path.join(tmp, "bad_options.tflite")
    key = blob.find(b"max_detections", at, at + size)
    with open(bad, "wb") as f:
        f.write(blob[:key] + b"max_detectionz" + blob[key + 14:])
    p = oracles.cli("inspect", bad)
    c.check(p.returncode == 1 and "option 'max_detections' is missing" in p.stderr
            and "TFLite_Detection_PostProcess" in p.stderr,
            "options without max_detections: a refusal naming the node and the key expected, got %d: %s"
            % (p.returncode, p.stderr.strip()))


def check_built(c, tmp, make):
    rng = np.random.default_rng(7)
    calib = os.path.join(tmp, "calib")
    os.makedirs(calib)
    for k in range(24):
        np.save(os.path.join(calib, "s%02d.npy" % k), rng.random((1, 8, 8, 3), dtype=np.float32))
    evals = [rng.random((1, 8, 8, 3), dtype=np.float32) for _ in range(12)]
    for mode in ("fast", "regular"):
        path = os.path.join(tmp, "ssd_%s.tflite" % mode)
        subprocess.run([make, path, mode], check=True)
        with open(path, "rb") as f:
            o, _, _ = custom_options(f.read())
        c.check(o is not None and o.get("use_regular_nms") == (mode == "regular") and o["num_classes"] == 3,
                "%s: the written options do not decode as a flexbuffer map: %s" % (mode, o))
        worst, same = 0.0, True
        floats = []
        for x in evals:
            mine, lite = oracles.run_ours(path, [x]), oracles.run("litert", path, [x])
            dm, dl = detections(mine), detections(lite)
            floats.append(dm)
            same &= len(dm) == len(dl) and all(a[1] == b[1] for a, b in zip(dm, dl))
            for a, b in zip(dm, dl):
                worst = max(worst, float(np.abs(a[0] - b[0]).max()), abs(a[2] - b[2]))
        c.check(same and worst <= 1e-5, "%s float: detections differ from LiteRT.js (same classes/count %s, "
                "worst box/score difference %g)" % (mode, same, worst))
        print("%s NMS, float: %d detections on %d inputs equal LiteRT.js's (within %.1e)"
              % (mode, sum(map(len, floats)), len(evals), worst))

        int8 = os.path.join(tmp, "ssd_%s_int8.tflite" % mode)
        p = oracles.cli("convert", path, "-d", calib, "-o", int8)
        if not c.check(p.returncode == 0, "%s: convert failed: %s" % (mode, p.stderr.strip())):
            continue
        facts = oracles.cli_json("inspect", int8, "--tensors")
        ops = {x["op"]: x["count"] for x in facts["ops"]}
        kinds = {t["name"]: (t["type"], t.get("constant")) for t in facts["tensors"]}
        c.check(ops.get("DEQUANTIZE") == 2 and ops.get("CUSTOM") == 1
                and all(o_["type"] == "float32" for o_ in facts["outputs"])
                and kinds.get("anchors", ("", 0))[0] == "float32",
                "%s int8: DEQUANTIZE x2 -> CUSTOM, float32 outputs and float anchors expected: ops %s, outputs %s, "
                "anchors %s" % (mode, ops, [o_["type"] for o_ in facts["outputs"]], kinds.get("anchors")))
        scale, zp = facts["inputs"][0]["scale"][0], facts["inputs"][0]["zero_point"][0]
        recall, precision, exact = [], [], True
        for x, ref in zip(evals, floats):
            xq = np.clip(np.round(x / scale) + zp, -128, 127).astype(np.int8)
            mine, lite = oracles.run_ours(int8, [xq]), oracles.run("litert", int8, [xq])
            exact &= all(np.array_equal(a, b) for a, b in zip(mine, lite))
            r, pr = match(ref, detections(mine))
            recall.append(r)
            precision.append(pr)
        c.check(exact, "%s int8: outputs differ from LiteRT.js's (bit-identical expected)" % mode)
        rec, prec = float(np.mean(recall)), float(np.mean(precision))
        c.check(rec >= 0.9 and prec >= 0.9, "%s int8 vs float detections: recall %.3f, precision %.3f (>= 0.9)"
                % (mode, rec, prec))
        print("%s NMS, int8: bit-identical in LiteRT.js; vs float recall %.3f, precision %.3f" % (mode, rec, prec))
        if mode == "fast":
            check_compare_task(c, tmp, path, int8, evals, floats)
    return os.path.join(tmp, "ssd_fast.tflite"), calib, evals[0]


def check_compare_task(c, tmp, path, int8, evals, floats):
    """compare --task detect on the built SSD: its counts are the detections matched here."""
    ev = os.path.join(tmp, "eval")
    os.makedirs(ev, exist_ok=True)
    for k, x in enumerate(evals):
        np.save(os.path.join(ev, "e%02d.npy" % k), x)
    p = oracles.cli("compare", path, int8, "-d", ev, "--task", "detect", "--json")
    if not c.check(p.returncode == 0, "compare --task detect failed: %s" % p.stderr.strip()):
        return
    t = json.loads(p.stdout).get("task", {})
    facts = oracles.cli_json("inspect", int8)
    scale, zp = facts["inputs"][0]["scale"][0], facts["inputs"][0]["zero_point"][0]
    n_ref = n_test = hits = 0
    for x, ref in zip(evals, floats):
        xq = np.clip(np.round(x / scale) + zp, -128, 127).astype(np.int8)
        test = detections(oracles.run_ours(int8, [xq]))
        n_ref, n_test, hits = n_ref + len(ref), n_test + len(test), hits + matched_one_to_one(ref, test)
    c.check(t.get("layout") == "postprocess" and (t.get("float_detections"), t.get("int8_detections"),
                                                   t.get("matched")) == (n_ref, n_test, hits),
            "compare --task detect: %s; this test counts float %d, int8 %d, matched %d" % (t, n_ref, n_test, hits))
    print("compare --task detect (SSD): float %d, int8 %d, matched %d: recall %.3f, precision %.3f"
          % (n_ref, n_test, hits, t.get("recall", 0), t.get("precision", 0)))


def check_yolo(c, tmp, make, calib):
    """compare --task detect on a YOLO-style [1, N, 5 + C] output against yolo_detect.py."""
    path, int8 = os.path.join(tmp, "yolo.tflite"), os.path.join(tmp, "yolo_int8.tflite")
    subprocess.run([make, path, "yolo"], check=True)
    oracles.cli("convert", path, "-d", calib, "-o", int8, "--input-type", "float32", "--output-type", "float32",
                "--quiet", check=True)
    ev = os.path.join(tmp, "eval")
    files = sorted(os.path.join(ev, f) for f in os.listdir(ev))
    p = oracles.cli("compare", path, int8, "-d", ev, "--task", "detect", "--json")
    if not c.check(p.returncode == 0, "compare --task detect (yolo) failed: %s" % p.stderr.strip()):
        return
    t = json.loads(p.stdout).get("task", {})
    n_ref = n_test = hits = 0
    for f in files:
        x = np.load(f)
        dets = []
        for m in (path, int8):
            d = yolo_detect.decode(oracles.run_ours(m, [x])[0], 0.25, 0.45)
            dets.append([(np.array([b[1], b[0], b[3], b[2]], np.float32), int(b[5]), float(b[4])) for b in d])
        n_ref, n_test = n_ref + len(dets[0]), n_test + len(dets[1])
        hits += matched_one_to_one(dets[0], dets[1])
    c.check(n_ref >= 20 and t.get("layout") == "yolo"
            and (t.get("float_detections"), t.get("int8_detections"), t.get("matched")) == (n_ref, n_test, hits),
            "compare --task detect (yolo): %s; yolo_detect.py counts float %d, int8 %d, matched %d"
            % (t, n_ref, n_test, hits))
    print("compare --task detect (YOLO head): float %d, int8 %d, matched %d as yolo_detect.py decodes them"
          % (n_ref, n_test, hits))

    # --task landmark over the same output read as 128 keypoints of 8 values (x, y first):
    # the mean x/y distance computed here from our outputs.
    p = oracles.cli("compare", path, int8, "-d", ev, "--task", "landmark", "--keypoint-dims", "8", "--json")
    t = json.loads(p.stdout).get("task", {}) if p.returncode == 0 else {}
    dist = []
    for f in files:
        x = np.load(f)
        a, b = (oracles.run_ours(m, [x])[0].reshape(-1, 8)[:, :2].astype(np.float64) for m in (path, int8))
        dist.extend(np.sqrt(((a - b) ** 2).sum(1)))
    want = float(np.mean(dist))
    c.check(t.get("keypoints") == len(dist) and abs(t.get("mean_keypoint_error", -1) - want) <= 1e-6 * max(1, want),
            "compare --task landmark: %s; this test computes %d keypoints, mean error %.6f" % (t, len(dist), want))
    print("compare --task landmark: %d keypoints, mean error %.4f px" % (len(dist), want))
    p = oracles.cli("compare", path, int8, "-d", ev, "--task", "landmark", "--keypoint-dims", "7")
    c.check(p.returncode == 1 and "not keypoints of 7 values each" in p.stderr,
            "--keypoint-dims 7 over 1024 values: a refusal saying so expected, got %d: %s"
            % (p.returncode, p.stderr.strip()))


def check_unknown(c, tmp, fast, calib, x):
    with open(fast, "rb") as f:
        blob = f.read()
    other = os.path.join(tmp, "unknown_op.tflite")
    with open(other, "wb") as f:
        f.write(blob.replace(NAME, b"Acme00_Detection_PostProcess"))
    ops = {o["op"]: o["count"] for o in oracles.cli_json("inspect", other)["ops"]}
    c.check(ops.get("CUSTOM") == 1, "an unknown custom op is not kept: %s" % ops)
    codes = [o.get("custom_code") for o in oracles.cli_json("inspect", other)["ops"] if o["op"] == "CUSTOM"]
    text = oracles.cli("inspect", other).stdout
    c.check(codes == ["Acme00_Detection_PostProcess"] and "CUSTOM Acme00_Detection_PostProcess" in text,
            "inspect names the custom op by its code (json %s, text %r)" % (codes, text[-500:]))
    want = "node 6 (CUSTOM Acme00_Detection_PostProcess 'detection_boxes'): custom op 'Acme00_Detection_PostProcess' " \
           "has no kernel in npuquant"
    xin = os.path.join(tmp, "x.npy")
    np.save(xin, x)
    p = oracles.cli("run", other, "-i", xin, "-o", os.path.join(tmp, "u"))
    c.check(p.returncode == 3 and want in p.stderr, "run: exit 3 naming the op and node expected, got %d: %s"
            % (p.returncode, p.stderr.strip()))
    p = oracles.cli("convert", other, "-d", calib, "-o", os.path.join(tmp, "u8.tflite"))
    c.check(p.returncode == 3 and want in p.stderr and not os.path.exists(os.path.join(tmp, "u8.tflite")),
            "convert: exit 3 naming the op and node, no file, expected; got %d: %s" % (p.returncode,
                                                                                     p.stderr.strip()))


def test():
    c = oracles.Checks("detection_postprocess")
    if len(sys.argv) != 2:
        raise SystemExit("usage: test_detection_postprocess.py MAKE_SSD_MODEL")
    with tempfile.TemporaryDirectory(prefix="nq-dpp-") as tmp:
        if oracles.shared_present():  # fails under CI=true when ../shared is absent
            check_ssd(c, tmp, os.path.join(oracles.shared_dir(), "data"))
        else:
            print("NOTE: ../shared is absent: coco_ssd (part 1) is not checked; the built models are")
        fast = os.path.join(tmp, "ssd_fast.tflite")
        subprocess.run([sys.argv[1], fast, "fast"], check=True)
        oracles.require("litert", fast)
        fast, calib, x = check_built(c, tmp, sys.argv[1])
        check_unknown(c, tmp, fast, calib, x)
        check_yolo(c, tmp, sys.argv[1], calib)
    c.finish()


if __name__ == "__main__":
    oracles.main(test)
