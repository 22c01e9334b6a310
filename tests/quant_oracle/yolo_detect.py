"""YOLOv5-style detection output: decoding, matching and per-part SQNR.

The output is [1, N, 5 + classes]: x, y, w, h (box centre and size), objectness and the
class probabilities, all after the model's own sigmoid/scaling. A detection is a box whose
objectness x best class probability reaches the score threshold, kept after greedy
per-class non-maximum suppression (what YOLOv5's detect.py does).

Two models' detections are compared as a float reference against a test: recall is the
share of reference detections that some test detection of the same class overlaps with
IoU >= 0.5; precision the share of test detections that overlap a reference detection so.
"""
import numpy as np

# the parts of one row, named as the reports name them
PARTS = (("xy", slice(0, 2)), ("wh", slice(2, 4)), ("obj", slice(4, 5)), ("cls", slice(5, None)))


def sqnr_db(ref, test):
    ref = np.asarray(ref, np.float64)
    err = np.asarray(test, np.float64) - ref
    noise = float(np.sum(err * err))
    signal = float(np.sum(ref * ref))
    if noise == 0.0:
        return float("inf")
    return 10.0 * np.log10(signal / noise) if signal > 0 else float("-inf")


def part_sqnr(refs, tests):
    """{part: SQNR in dB} over all samples (each a [1, N, 5+C] array)."""
    ref = np.concatenate([np.asarray(r).reshape(-1, np.asarray(r).shape[-1]) for r in refs])
    test = np.concatenate([np.asarray(t).reshape(-1, np.asarray(t).shape[-1]) for t in tests])
    return {name: sqnr_db(ref[:, s], test[:, s]) for name, s in PARTS}


def iou(a, b):
    """IoU of boxes a [4] and b [M, 4], both as x1, y1, x2, y2."""
    x1 = np.maximum(a[0], b[:, 0])
    y1 = np.maximum(a[1], b[:, 1])
    x2 = np.minimum(a[2], b[:, 2])
    y2 = np.minimum(a[3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a + area_b - inter, 1e-12)


def decode(out, score_threshold=0.25, nms_iou=0.45):
    """Detections of one output: an array [K, 6] of x1, y1, x2, y2, score, class."""
    rows = np.asarray(out, np.float64).reshape(-1, np.asarray(out).shape[-1])
    scores = rows[:, 4:5] * rows[:, 5:]
    cls = np.argmax(scores, axis=1)
    best = scores[np.arange(len(rows)), cls]
    keep = best >= score_threshold
    rows, cls, best = rows[keep], cls[keep], best[keep]
    boxes = np.stack([rows[:, 0] - rows[:, 2] / 2, rows[:, 1] - rows[:, 3] / 2,
                      rows[:, 0] + rows[:, 2] / 2, rows[:, 1] + rows[:, 3] / 2], axis=1)
    dets = []
    for c in np.unique(cls):
        idx = np.where(cls == c)[0]
        idx = idx[np.argsort(-best[idx], kind="stable")]
        while len(idx):
            i = idx[0]
            dets.append([*boxes[i], best[i], c])
            if len(idx) == 1:
                break
            idx = idx[1:][iou(boxes[i], boxes[idx[1:]]) < nms_iou]
    return np.array(dets, np.float64).reshape(-1, 6)


def matched(dets, others, match_iou=0.5):
    """How many of dets overlap some detection of others of the same class (IoU >= match_iou)."""
    n = 0
    for d in dets:
        same = others[others[:, 5] == d[5]]
        if len(same) and np.max(iou(d[:4], same[:, :4])) >= match_iou:
            n += 1
    return n


def recall_precision(ref_outs, test_outs, score_threshold=0.25):
    """(recall, precision, reference detections, test detections) over all samples."""
    n_ref = n_test = hit_ref = hit_test = 0
    for r, t in zip(ref_outs, test_outs):
        dr, dt = decode(r, score_threshold), decode(t, score_threshold)
        n_ref += len(dr)
        n_test += len(dt)
        hit_ref += matched(dr, dt)
        hit_test += matched(dt, dr)
    recall = hit_ref / n_ref if n_ref else 1.0
    precision = hit_test / n_test if n_test else 1.0
    return recall, precision, n_ref, n_test
