#include "report/detect_match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "report/detect_mediapipe.h"

#define YOLO_NMS_IOU 0.45f
#define YOLO_DEFAULT_SCORE 0.25f
#define YOLO_MAX_DETECTIONS 300

static const char *model_name(const nq_graph *g) { return g->source ? g->source : "the reference model"; }

static size_t out_elems(const nq_graph *g, int i) { return nq_tensor_elems(&g->tensors[g->outputs[i]]); }

static bool postprocess_shaped(const nq_graph *g) {
  if (g->n_outputs != 4) return false;
  const size_t m = out_elems(g, 1);
  return m > 0 && out_elems(g, 0) == 4 * m && out_elems(g, 2) == m && out_elems(g, 3) == 1;
}

static bool yolo_shaped(const nq_graph *g) {
  if (g->n_outputs < 1) return false;
  const nq_tensor *t = &g->tensors[g->outputs[0]];
  return t->rank == 3 && t->shape[0] == 1 && t->shape[1] >= 1 && t->shape[2] >= 6;
}

nq_status nq_task_init(nq_task_acc *acc, const nq_graph *ref, int task, int layout, float score_threshold,
                       int landmark_output, int landmark_dims, nq_error *err) {
  memset(acc, 0, sizeof *acc);
  acc->task = task;
  acc->score_threshold = score_threshold;
  if (task == NQ_TASK_NONE) return NQ_OK;
  if (!(score_threshold >= 0 && score_threshold <= 1))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "score threshold %g: 0 (the layout's default) to 1 expected",
                   score_threshold);
  if (task == NQ_TASK_DETECT) {
    if (layout == NQ_LAYOUT_AUTO)
      layout = postprocess_shaped(ref)                ? NQ_LAYOUT_POSTPROCESS
               : nq_mediapipe_shaped(ref, NULL, NULL) ? NQ_LAYOUT_MEDIAPIPE
                                                      : NQ_LAYOUT_YOLO;
    if (layout == NQ_LAYOUT_POSTPROCESS && !postprocess_shaped(ref))
      return nq_fail(
          err, NQ_ERR_INVALID_ARG,
          "%s: --task detect, layout postprocess: the four outputs of TFLite_Detection_PostProcess "
          "(boxes [1, M, 4], classes [1, M], scores [1, M], count [1]) expected",
          model_name(ref));
    if (layout == NQ_LAYOUT_YOLO && !yolo_shaped(ref))
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "%s: --task detect: neither the four TFLite_Detection_PostProcess outputs nor a YOLO "
                     "output [1, N, 5 + classes] (cx, cy, w, h, objectness, class scores) as output 0",
                     model_name(ref));
    if (layout == NQ_LAYOUT_MEDIAPIPE && !nq_mediapipe_shaped(ref, NULL, NULL))
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "%s: --task detect, layout mediapipe: box regressors [1, N, >= 4] and score logits "
                     "[1, N, 1] over one square input, N the anchor count of a MediaPipe detector (896 at "
                     "128x128, 2016 at 192x192 (palm), 2254 at 224x224 (pose), 2304 at 192x192 (full range)) "
                     "expected",
                     model_name(ref));
    if (layout != NQ_LAYOUT_POSTPROCESS && layout != NQ_LAYOUT_YOLO && layout != NQ_LAYOUT_MEDIAPIPE)
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "detection layout %d: postprocess (1), yolo (2) or mediapipe (3) expected", layout);
    acc->layout = layout;
    if (acc->score_threshold == 0 && layout == NQ_LAYOUT_YOLO) acc->score_threshold = YOLO_DEFAULT_SCORE;
    if (acc->score_threshold == 0 && layout == NQ_LAYOUT_MEDIAPIPE)
      acc->score_threshold = NQ_MEDIAPIPE_MIN_SCORE;
    return NQ_OK;
  }
  if (task == NQ_TASK_LANDMARK) {
    if (landmark_dims == 0) landmark_dims = 3;
    if (landmark_output < 0 || landmark_output >= ref->n_outputs)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: landmark output %d: the model has %d outputs",
                     model_name(ref), landmark_output, ref->n_outputs);
    const size_t n = out_elems(ref, landmark_output);
    if (landmark_dims < 2 || landmark_dims > 16 || n < (size_t)landmark_dims || n % (size_t)landmark_dims)
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "%s: landmark output %d has %zu values, not keypoints of %d values each (x, y, ...; "
                     "--keypoint-dims 2 to 16)",
                     model_name(ref), landmark_output, n, landmark_dims);
    acc->landmark_output = landmark_output;
    acc->landmark_dims = landmark_dims;
    return NQ_OK;
  }
  return nq_fail(err, NQ_ERR_INVALID_ARG, "task %d: detect (1) or landmark (2) expected", task);
}

float nq_box_iou(const nq_detection *a, const nq_detection *b) {
  const float aa = (a->y1 - a->y0) * (a->x1 - a->x0), ab = (b->y1 - b->y0) * (b->x1 - b->x0);
  if (!(aa > 0) || !(ab > 0)) return 0.0f;
  const float h = fminf(a->y1, b->y1) - fmaxf(a->y0, b->y0), w = fminf(a->x1, b->x1) - fmaxf(a->x0, b->x0);
  const float inter = (h > 0 ? h : 0) * (w > 0 ? w : 0);
  return inter / (aa + ab - inter);
}

/* Merges the sorted runs [lo, mid) and [mid, hi) of d by score, best first;
 * on equal scores the left run's detection first, so the sort is stable. */
static void merge_runs(nq_detection *d, nq_detection *tmp, int lo, int mid, int hi) {
  int i = lo, j = mid, k = lo;
  while (i < mid && j < hi) tmp[k++] = d[j].score > d[i].score ? d[j++] : d[i++];
  while (i < mid) tmp[k++] = d[i++];
  while (j < hi) tmp[k++] = d[j++];
  memcpy(d + lo, tmp + lo, sizeof *d * (size_t)(hi - lo));
}

int nq_detections_nms(nq_detection *d, int n, float max_iou, bool per_class, int max_keep) {
  /* stable bottom-up merge sort: qsort would put equal scores in a
   * libc-dependent order, and which of two tied boxes NMS keeps is visible */
  nq_detection *tmp = malloc(sizeof *d * (size_t)(n + 1));
  if (!tmp) return -1;
  for (int w = 1; w < n; w *= 2)
    for (int lo = 0; lo + w < n; lo += 2 * w) merge_runs(d, tmp, lo, lo + w, lo + 2 * w < n ? lo + 2 * w : n);
  free(tmp);
  int kept = 0;
  for (int i = 0; i < n && kept < max_keep; i++) {
    bool keep = true;
    for (int j = 0; j < kept && keep; j++)
      keep = !((!per_class || d[j].cls == d[i].cls) && nq_box_iou(&d[j], &d[i]) > max_iou);
    if (keep) d[kept++] = d[i];
  }
  return kept;
}

int nq_match_detections(const nq_detection *ref, int n_ref, const nq_detection *test, int n_test,
                        float min_iou, double *iou_sum) {
  int *order = malloc(sizeof(int) * (size_t)(n_ref + 1));
  bool *used = calloc((size_t)n_test + 1, sizeof(bool));
  int matched = 0;
  if (!order || !used) {
    free(order);
    free(used);
    return -1;
  }
  for (int i = 0; i < n_ref; i++) order[i] = i;
  /* insertion sort by score, stable: n is a few hundred at most */
  for (int i = 1; i < n_ref; i++) {
    int v = order[i], j = i - 1;
    while (j >= 0 && ref[order[j]].score < ref[v].score) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = v;
  }
  for (int k = 0; k < n_ref; k++) {
    const nq_detection *r = &ref[order[k]];
    int best = -1;
    float best_iou = min_iou;
    for (int j = 0; j < n_test; j++) {
      if (used[j] || test[j].cls != r->cls) continue;
      const float v = nq_box_iou(r, &test[j]);
      if (v >= best_iou && (best < 0 || v > best_iou)) {
        best = j;
        best_iou = v;
      }
    }
    if (best >= 0) {
      used[best] = true;
      matched++;
      if (iou_sum) *iou_sum += best_iou;
    }
  }
  free(order);
  free(used);
  return matched;
}

/* The detections of one model's outputs; *n set, the array malloc'd. */
static nq_status decode(const nq_task_acc *acc, const nq_graph *g, float *const *out, nq_detection **dets,
                        int *n, nq_error *err) {
  *n = 0;
  *dets = NULL;
  if (acc->layout == NQ_LAYOUT_MEDIAPIPE)
    return nq_mediapipe_decode(g, out, acc->score_threshold, dets, n, err);
  if (acc->layout == NQ_LAYOUT_POSTPROCESS) {
    const int m = (int)out_elems(g, 1);
    float count = out[3][0];
    int c = !(count >= 0) ? 0 : count > (float)m ? m : (int)count;
    *dets = malloc(sizeof(nq_detection) * (size_t)(c + 1));
    if (!*dets) return nq_fail(err, NQ_ERR_NOMEM, "out of memory decoding detections");
    for (int k = 0; k < c; k++) {
      const float *b = out[0] + 4 * (size_t)k;
      if (!(out[2][k] >= acc->score_threshold)) continue;
      (*dets)[(*n)++] = (nq_detection){b[0], b[1], b[2], b[3], (int)out[1][k], out[2][k]};
    }
    return NQ_OK;
  }
  const nq_tensor *t = &g->tensors[g->outputs[0]];
  const int rows = t->shape[1], cols = t->shape[2];
  nq_detection *cand = malloc(sizeof(nq_detection) * (size_t)(rows + 1));
  if (!cand) return nq_fail(err, NQ_ERR_NOMEM, "out of memory decoding detections");
  int nc = 0;
  for (int i = 0; i < rows; i++) {
    const float *v = out[0] + (size_t)i * (size_t)cols;
    int best = 0;
    for (int c = 1; c < cols - 5; c++)
      if (v[5 + c] > v[5 + best]) best = c;
    const float score = v[4] * v[5 + best];
    if (!(score >= acc->score_threshold)) continue;
    cand[nc++] =
        (nq_detection){v[1] - v[3] / 2, v[0] - v[2] / 2, v[1] + v[3] / 2, v[0] + v[2] / 2, best, score};
  }
  /* per-class NMS: a candidate is kept unless a kept one of its class overlaps it by IoU > 0.45 */
  *n = nq_detections_nms(cand, nc, YOLO_NMS_IOU, true, YOLO_MAX_DETECTIONS);
  if (*n < 0) {
    free(cand);
    *n = 0;
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory sorting %d detections", nc);
  }
  *dets = cand;
  return NQ_OK;
}

nq_status nq_task_sample(nq_task_acc *acc, const nq_graph *ref, float *const *ref_out, float *const *test_out,
                         nq_error *err) {
  if (acc->task == NQ_TASK_LANDMARK) {
    const int d = acc->landmark_dims;
    const size_t k = out_elems(ref, acc->landmark_output) / (size_t)d;
    const float *a = ref_out[acc->landmark_output], *b = test_out[acc->landmark_output];
    for (size_t i = 0; i < k; i++) {
      const double dx = (double)a[i * (size_t)d] - b[i * (size_t)d],
                   dy = (double)a[i * (size_t)d + 1] - b[i * (size_t)d + 1];
      acc->keypoint_error_sum += sqrt(dx * dx + dy * dy);
    }
    acc->keypoints += (long)k;
    return NQ_OK;
  }
  if (acc->task != NQ_TASK_DETECT) return NQ_OK;
  nq_detection *r = NULL, *t = NULL;
  int nr = 0, nt = 0;
  nq_status st = decode(acc, ref, ref_out, &r, &nr, err);
  if (st == NQ_OK) st = decode(acc, ref, test_out, &t, &nt, err);
  if (st == NQ_OK) {
    const int m = nq_match_detections(r, nr, t, nt, 0.5f, &acc->iou_sum);
    if (m < 0) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory matching detections");
    acc->matched += m;
    acc->ref_detections += nr;
    acc->test_detections += nt;
  }
  free(r);
  free(t);
  return st;
}
