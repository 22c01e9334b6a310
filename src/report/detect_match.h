/*
 * Task-level comparison for `compare --task`: besides SQNR per output, what a
 * detector's or a landmark net's user sees.
 *
 *  - detect: each model's outputs are decoded into detections (box corners,
 *    class, score) per sample, by layout:
 *      postprocess  TFLite_Detection_PostProcess outputs: boxes [1, M, 4]
 *                   (ymin, xmin, ymax, xmax), classes [1, M], scores [1, M],
 *                   count [1] (SSD detectors);
 *      yolo         one output [1, N, 5 + C]: cx, cy, w, h, objectness, C
 *                   class scores (YOLOv5-style); score = objectness x the
 *                   best class score, then per-class NMS (IoU > 0.45);
 *      mediapipe    box regressors [1, N, K] and score logits [1, N, 1]
 *                   against MediaPipe's SSD anchors (detect_mediapipe.h).
 *    Detections below the score threshold are dropped. The reference
 *    model's are matched to the test model's, best score first, each to the
 *    unmatched test detection of the same class with the highest IoU >= 0.5:
 *    recall = matched / reference detections, precision = matched / test
 *    detections, over all samples.
 *  - landmark: output `landmark_output` holds K keypoints of `dims` values
 *    each (x, y first, in the input image's pixels as MediaPipe's landmark
 *    nets give them); the mean Euclidean x/y distance between the models'
 *    keypoints, in pixels.
 */
#ifndef NQ_REPORT_DETECT_MATCH_H
#define NQ_REPORT_DETECT_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/graph.h"

enum { NQ_TASK_NONE = 0, NQ_TASK_DETECT = 1, NQ_TASK_LANDMARK = 2 };
enum { NQ_LAYOUT_AUTO = 0, NQ_LAYOUT_POSTPROCESS = 1, NQ_LAYOUT_YOLO = 2, NQ_LAYOUT_MEDIAPIPE = 3 };

typedef struct nq_detection {
  float y0, x0, y1, x1; /* corners */
  int cls;
  float score;
} nq_detection;

typedef struct nq_task_acc {
  int task, layout;
  float score_threshold;
  int landmark_output, landmark_dims;
  /* detect */
  long ref_detections, test_detections, matched;
  double iou_sum; /* over matched pairs */
  /* landmark */
  double keypoint_error_sum;
  long keypoints;
} nq_task_acc;

/* Check that the reference model's outputs fit the task and pick the layout
 * (layout NQ_LAYOUT_AUTO: postprocess when the model has its four outputs,
 * mediapipe when it has regressors and scores over a known anchor grid,
 * else yolo when it has one [1, N, >= 6] output). A refusal says what was
 * expected. */
nq_status nq_task_init(nq_task_acc *acc, const nq_graph *ref, int task, int layout, float score_threshold,
                       int landmark_output, int landmark_dims, nq_error *err);

/* One sample: the outputs of both models, as float, in output order. */
nq_status nq_task_sample(nq_task_acc *acc, const nq_graph *ref, float *const *ref_out, float *const *test_out,
                         nq_error *err);

/* Intersection over union of two boxes (0 when either has no area). */
float nq_box_iou(const nq_detection *a, const nq_detection *b);

/* Sorts d best score first (stable: equal scores keep their order), then
 * keeps, greedily, each detection that no kept one overlaps by IoU >
 * max_iou (only kept ones of its class when per_class), at most max_keep;
 * the kept ones move to the front. Returns their count, -1 when out of
 * memory. */
int nq_detections_nms(nq_detection *d, int n, float max_iou, bool per_class, int max_keep);

/* Greedy matching as described above; returns the matched count and adds
 * the matched pairs' IoU to *iou_sum (may be NULL). */
int nq_match_detections(const nq_detection *ref, int n_ref, const nq_detection *test, int n_test,
                        float min_iou, double *iou_sum);

#endif
