#include "report/detect_mediapipe.h"

#include <math.h>
#include <stdlib.h>

#include "core/status.h"

#define MEDIAPIPE_NMS_IOU 0.3f
#define MEDIAPIPE_MAX_DETECTIONS 300
#define MEDIAPIPE_LOGIT_CLIP 100.0f

typedef struct anchor_config {
  int n_layers;
  int strides[5];
  int anchors_per_layer; /* per grid cell: aspect ratio 1, plus the interpolated scale when 2 */
} anchor_config;

static const anchor_config CONFIGS[] = {
    {4, {8, 16, 16, 16}, 2},
    {5, {8, 16, 32, 32, 32}, 2},
    {1, {4}, 1},
};
#define N_CONFIGS ((int)(sizeof CONFIGS / sizeof CONFIGS[0]))

/* Anchors of config c at input size s; writes up to cap centres (x, y)
 * when centres is not NULL. Returns the count. */
static long anchors(const anchor_config *c, int s, float *centres, long cap) {
  long n = 0;
  for (int l = 0; l < c->n_layers;) {
    int last = l;
    while (last + 1 < c->n_layers && c->strides[last + 1] == c->strides[l]) last++;
    const int per_cell = (last - l + 1) * c->anchors_per_layer;
    const int fm = (s + c->strides[l] - 1) / c->strides[l];
    for (int y = 0; y < fm; y++)
      for (int x = 0; x < fm; x++)
        for (int a = 0; a < per_cell; a++, n++)
          if (centres && n < cap) {
            centres[2 * n] = ((float)x + 0.5f) / (float)fm;
            centres[2 * n + 1] = ((float)y + 0.5f) / (float)fm;
          }
    l = last + 1;
  }
  return n;
}

/* The config whose anchor count at input size s is n, or NULL. */
static const anchor_config *config_for(int s, long n) {
  for (int k = 0; k < N_CONFIGS; k++)
    if (anchors(&CONFIGS[k], s, NULL, 0) == n) return &CONFIGS[k];
  return NULL;
}

/* The square input size of g, or 0. */
static int input_size(const nq_graph *g) {
  if (g->n_inputs != 1) return 0;
  const nq_tensor *t = &g->tensors[g->inputs[0]];
  if (t->rank != 4 || t->shape[0] != 1) return 0;
  /* NHWC [1, S, S, C], or NCHW [1, C, S, S] from ONNX */
  if (t->shape[1] == t->shape[2] && t->shape[1] > 0) return t->shape[1];
  if (t->shape[2] == t->shape[3] && t->shape[2] > 0) return t->shape[2];
  return 0;
}

bool nq_mediapipe_shaped(const nq_graph *g, int *regressors, int *scores) {
  if (g->n_outputs != 2) return false;
  const nq_tensor *a = &g->tensors[g->outputs[0]], *b = &g->tensors[g->outputs[1]];
  if (a->rank != 3 || b->rank != 3 || a->shape[0] != 1 || b->shape[0] != 1 || a->shape[1] != b->shape[1])
    return false;
  int r = -1, sc = -1;
  if (a->shape[2] >= 4 && b->shape[2] == 1) r = 0, sc = 1;
  if (b->shape[2] >= 4 && a->shape[2] == 1) r = 1, sc = 0;
  const int s = input_size(g);
  if (r < 0 || s <= 0 || !config_for(s, a->shape[1])) return false;
  if (regressors) *regressors = r;
  if (scores) *scores = sc;
  return true;
}

nq_status nq_mediapipe_decode(const nq_graph *g, float *const *out, float min_score, nq_detection **dets,
                              int *n, nq_error *err) {
  *dets = NULL;
  *n = 0;
  int ri = 0, si = 0;
  if (!nq_mediapipe_shaped(g, &ri, &si))
    return nq_fail(err, NQ_ERR_INTERNAL, "mediapipe decode on a model of another layout");
  const nq_tensor *reg = &g->tensors[g->outputs[ri]];
  const long count = reg->shape[1];
  const int k = reg->shape[2], s = input_size(g);
  float *centres = malloc(sizeof(float) * 2 * (size_t)count);
  nq_detection *cand = malloc(sizeof(nq_detection) * (size_t)(count + 1));
  if (!centres || !cand) {
    free(centres);
    free(cand);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory decoding %ld MediaPipe anchors", count);
  }
  anchors(config_for(s, count), s, centres, count);
  int nc = 0;
  for (long i = 0; i < count; i++) {
    float logit = out[si][i];
    if (!(logit == logit)) continue; /* NaN: no detection */
    logit = fminf(fmaxf(logit, -MEDIAPIPE_LOGIT_CLIP), MEDIAPIPE_LOGIT_CLIP);
    const float score = 1.0f / (1.0f + expf(-logit));
    if (!(score >= min_score)) continue;
    const float *v = out[ri] + (size_t)i * (size_t)k;
    const float cx = v[0] / (float)s + centres[2 * i], cy = v[1] / (float)s + centres[2 * i + 1];
    const float w = v[2] / (float)s, h = v[3] / (float)s;
    /* a negative size (palm_detection does emit them) is no box: it could
     * match nothing, not even itself */
    if (!(w > 0) || !(h > 0)) continue;
    cand[nc++] = (nq_detection){cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2, 0, score};
  }
  free(centres);
  /* class-agnostic NMS at IoU 0.3 (MediaPipe's detectors have one class) */
  *n = nq_detections_nms(cand, nc, MEDIAPIPE_NMS_IOU, false, MEDIAPIPE_MAX_DETECTIONS);
  if (*n < 0) {
    free(cand);
    *n = 0;
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory sorting %d detections", nc);
  }
  *dets = cand;
  return NQ_OK;
}
