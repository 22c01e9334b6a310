/*
 * MediaPipe's SSD-style detectors (face_detection_short_range / full_range,
 * palm_detection, pose_detection) for `compare --task detect --layout
 * mediapipe`: two outputs, box regressors [1, N, K >= 4] and score logits
 * [1, N, 1], read against N anchors that the model file does not hold.
 *
 * The anchors are those of MediaPipe's SsdAnchorsCalculator with a fixed
 * anchor size (every anchor 1 x 1, centred in its grid cell), for the
 * configurations MediaPipe ships, recognised from the square input size S
 * and N:
 *   strides 8, 16, 16, 16, two anchors per layer and cell  (face short
 *     range at 128: 896; palm detection at 192: 2016)
 *   strides 8, 16, 32, 32, 32, two anchors per layer and cell  (pose
 *     detection at 224: 2254)
 *   stride 4, one anchor per cell  (face full range at 192: 2304)
 * Layers of equal stride share one grid; per grid the anchors run row by
 * row, cell by cell, anchor by anchor.
 *
 * Decoding (TensorsToDetectionsCalculator): centre = raw[0..1] / S + the
 * anchor's centre, size = raw[2..3] / S, score = sigmoid(logit clipped to
 * +-100), in normalized image coordinates; class 0; a box of no positive
 * width or height is dropped. MediaPipe's graphs then
 * blend overlapping boxes (weighted NMS at IoU 0.3); here the best box of
 * each overlapping group is kept instead (plain NMS at 0.3), the same rule
 * for both models, so matching compares like with like.
 */
#ifndef NQ_REPORT_DETECT_MEDIAPIPE_H
#define NQ_REPORT_DETECT_MEDIAPIPE_H

#include <stdbool.h>

#include "ir/graph.h"
#include "report/detect_match.h"

/* The default score threshold of MediaPipe's detection graphs. */
#define NQ_MEDIAPIPE_MIN_SCORE 0.5f

/* True when g's outputs and input fit a known anchor configuration; then
 * *regressors and *scores are the output indices. */
bool nq_mediapipe_shaped(const nq_graph *g, int *regressors, int *scores);

/* The detections of one model's outputs at or above min_score; *dets is
 * malloc'd (free it), *n set. g must be nq_mediapipe_shaped. */
nq_status nq_mediapipe_decode(const nq_graph *g, float *const *out, float min_score, nq_detection **dets,
                              int *n, nq_error *err);

#endif
