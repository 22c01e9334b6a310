/*
 * TFLite_Detection_PostProcess in float (see detection_postprocess.h). The
 * order of every float operation, the score comparisons (>= the score
 * threshold, suppression when IoU > the IoU threshold) and the tie order
 * (equal scores keep the lower anchor index first, as a stable sort does)
 * follow TFLite's kernel so that detections agree with LiteRT's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/float/detection_postprocess.h"
#include "exec/float/ref.h"
#include "ir/custom_ops.h"

typedef struct box {
  float ymin, xmin, ymax, xmax;
} box;

/* One kept (anchor, class, score) of class-wise NMS. */
typedef struct candidate {
  int anchor, cls;
  float score;
} candidate;

static bool dims_are(const nq_tview *v, int rank, const int32_t *want) {
  if (v->rank != rank) return false;
  for (int d = 0; d < rank; d++)
    if (want[d] >= 0 && v->shape[d] != want[d]) return false;
  return true;
}

static bool readable(const nq_tview *v) {
  if (v->type == NQ_FLOAT32) return true;
  return (v->type == NQ_UINT8 || v->type == NQ_INT8) && v->q && v->q->n == 1;
}

nq_status nq_dpp_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  char why[256];
  nq_dpp_options o;
  if (!nq_dpp_parse_options(a->p->custom_options, a->p->custom_options_size, &o, why, sizeof why))
    return nq_ref_fail(a, err, NQ_ERR_FORMAT, "%s", why);
  if (a->n_in != 3 || a->n_out != 4)
    return nq_ref_fail(
        a, err, NQ_ERR_SHAPE,
        "%d inputs and %d outputs; box encodings, class scores, anchors and 4 outputs expected", a->n_in,
        a->n_out);
  const nq_tview *bx = &a->in[0], *sc = &a->in[1], *an = &a->in[2];
  for (int k = 0; k < 3; k++)
    if (!a->in[k].data || !readable(&a->in[k]))
      return nq_ref_type_fail(a, err, "float32 or per-tensor uint8/int8 inputs");
  for (int k = 0; k < 4; k++)
    if (a->out[k].type != NQ_FLOAT32) return nq_ref_type_fail(a, err, "float32 outputs");
  const int32_t nb = bx->rank == 3 ? bx->shape[1] : -1, m = o.max_detections * o.max_classes_per_detection;
  const int32_t want_box[3] = {1, nb, -1}, want_sc[3] = {1, nb, -1}, want_an[2] = {nb, 4},
                want_ob[3] = {1, m, 4}, want_o2[2] = {1, m}, want_n[1] = {1};
  if (nb < 1 || !dims_are(bx, 3, want_box) || bx->shape[2] < 4 || !dims_are(sc, 3, want_sc) ||
      !dims_are(an, 2, want_an))
    return nq_ref_fail(
        a, err, NQ_ERR_SHAPE,
        "box encodings [1, N, >= 4], class scores [1, N, classes] and anchors [N, 4] expected");
  if (sc->shape[2] < o.num_classes)
    return nq_ref_fail(a, err, NQ_ERR_SHAPE, "class scores have %d columns, num_classes is %d",
                       (int)sc->shape[2], o.num_classes);
  if (!dims_are(&a->out[0], 3, want_ob) || !dims_are(&a->out[1], 2, want_o2) ||
      !dims_are(&a->out[2], 2, want_o2) || !dims_are(&a->out[3], 1, want_n))
    return nq_ref_fail(a, err, NQ_ERR_SHAPE,
                       "outputs [1, %d, 4], [1, %d], [1, %d] and [1] expected (max_detections %d x "
                       "max_classes_per_detection %d)",
                       (int)m, (int)m, (int)m, o.max_detections, o.max_classes_per_detection);
  nq_dpp_options *keep = malloc(sizeof *keep);
  if (!keep) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  *keep = o;
  *prepared = keep;
  return NQ_OK;
}

/* Scratch layout, in order: decoded boxes [N], per-anchor scores [N],
 * top class indices [N * K], kept anchors [N], active flags [N], selected
 * anchors [N], candidates [C * min(N, detections_per_class)]. */
typedef struct layout {
  size_t boxes, scores, top, keyed, active, sel, cand, total;
} layout;

static layout scratch_layout(const nq_kernel_args *a, const nq_dpp_options *o) {
  const size_t n = (size_t)a->in[0].shape[1];
  const size_t k =
      (size_t)(o->max_classes_per_detection < o->num_classes ? o->max_classes_per_detection : o->num_classes);
  const size_t per_class = n < (size_t)o->detections_per_class ? n : (size_t)o->detections_per_class;
  layout l;
  size_t at = 0;
#define PLACE(field, bytes) \
  l.field = at;             \
  at += ((bytes) + 15) / 16 * 16;
  PLACE(boxes, n * sizeof(box));
  PLACE(scores, n * sizeof(float));
  PLACE(top, n * k * sizeof(int));
  PLACE(keyed, n * sizeof(candidate));
  PLACE(active, n);
  PLACE(sel, n * sizeof(int));
  PLACE(cand, (size_t)o->num_classes * per_class * sizeof(candidate));
#undef PLACE
  l.total = at;
  return l;
}

size_t nq_dpp_scratch(const nq_kernel_args *a) {
  const nq_dpp_options *o = a->prepared;
  return o ? scratch_layout(a, o).total : 0;
}

static float value_at(const nq_tview *v, size_t i) {
  if (v->type == NQ_FLOAT32) return ((const float *)v->data)[i];
  const int q = v->type == NQ_UINT8 ? (int)((const uint8_t *)v->data)[i] : (int)((const int8_t *)v->data)[i];
  return (float)(q - (int)v->q->zero_point[0]) * v->q->scale[0];
}

static void decode_boxes(const nq_kernel_args *a, const nq_dpp_options *o, box *out) {
  const nq_tview *bx = &a->in[0], *an = &a->in[2];
  const int n = bx->shape[1], stride = bx->shape[2];
  for (int i = 0; i < n; i++) {
    const size_t e = (size_t)i * (size_t)stride, g = (size_t)i * 4;
    const float ty = value_at(bx, e), tx = value_at(bx, e + 1), th = value_at(bx, e + 2),
                tw = value_at(bx, e + 3);
    const float ay = value_at(an, g), ax = value_at(an, g + 1), ah = value_at(an, g + 2),
                aw = value_at(an, g + 3);
    /* In double, rounded to float once per value, as TFLite does. */
    const float yc = (float)((double)ty / (double)o->y_scale * (double)ah + (double)ay);
    const float xc = (float)((double)tx / (double)o->x_scale * (double)aw + (double)ax);
    const float half_h = (float)(0.5 * exp((double)th / (double)o->h_scale) * (double)ah);
    const float half_w = (float)(0.5 * exp((double)tw / (double)o->w_scale) * (double)aw);
    out[i] = (box){yc - half_h, xc - half_w, yc + half_h, xc + half_w};
  }
}

static float iou(const box *i, const box *j) {
  const float area_i = (i->ymax - i->ymin) * (i->xmax - i->xmin);
  const float area_j = (j->ymax - j->ymin) * (j->xmax - j->xmin);
  if (area_i <= 0 || area_j <= 0) return 0.0f;
  const float ymin = fmaxf(i->ymin, j->ymin), xmin = fmaxf(i->xmin, j->xmin);
  const float ymax = fminf(i->ymax, j->ymax), xmax = fminf(i->xmax, j->xmax);
  const float inter = fmaxf(ymax - ymin, 0.0f) * fmaxf(xmax - xmin, 0.0f);
  return inter / (area_i + area_j - inter);
}

/* Descending by score; equal scores in class, then anchor order: the order
 * TFLite's stable sorts leave them in (candidates are produced class by
 * class, each class's in anchor order). */
static int by_score_desc(const void *pa, const void *pb) {
  const candidate *x = pa, *y = pb;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  if (x->cls != y->cls) return x->cls < y->cls ? -1 : 1;
  return (x->anchor > y->anchor) - (x->anchor < y->anchor);
}

/* Greedy single-class NMS over score[0..n): anchors with score >= the
 * threshold, best first, each suppressing later ones it overlaps by IoU >
 * the threshold; at most `limit` selected into sel. Returns the count. */
static int nms_one_class(const layout *l, uint8_t *s, const box *boxes, const float *score, int n,
                         const nq_dpp_options *o, int limit, int *sel) {
  candidate *order = (candidate *)(s + l->keyed);
  uint8_t *active = s + l->active;
  int kept = 0;
  for (int i = 0; i < n; i++)
    if (score[i] >= o->score_threshold) order[kept++] = (candidate){i, 0, score[i]};
  qsort(order, (size_t)kept, sizeof *order, by_score_desc);
  memset(active, 1, (size_t)kept);
  int n_sel = 0, n_active = kept;
  for (int i = 0; i < kept && n_active > 0 && n_sel < limit; i++) {
    if (!active[i]) continue;
    sel[n_sel++] = order[i].anchor;
    active[i] = 0;
    n_active--;
    for (int j = i + 1; j < kept; j++)
      if (active[j] && iou(&boxes[order[i].anchor], &boxes[order[j].anchor]) > o->iou_threshold) {
        active[j] = 0;
        n_active--;
      }
  }
  return n_sel;
}

static void emit(const nq_kernel_args *a, int slot, const box *b, int cls, float score) {
  float *ob = a->out[0].data, *oc = a->out[1].data, *os = a->out[2].data;
  ob[4 * slot] = b->ymin;
  ob[4 * slot + 1] = b->xmin;
  ob[4 * slot + 2] = b->ymax;
  ob[4 * slot + 3] = b->xmax;
  oc[slot] = (float)cls;
  os[slot] = score;
}

/* Fast NMS: each anchor scored by its best class, one NMS over anchors, then
 * its K best classes reported per selected anchor. */
static int run_fast(const nq_kernel_args *a, const nq_dpp_options *o, const layout *l, uint8_t *s,
                    const box *boxes) {
  const nq_tview *sc = &a->in[1];
  const int n = sc->shape[1], cols = sc->shape[2], offset = cols - o->num_classes;
  const int k = o->max_classes_per_detection < o->num_classes ? o->max_classes_per_detection : o->num_classes;
  float *best = (float *)(s + l->scores);
  int *top = (int *)(s + l->top);
  for (int i = 0; i < n; i++) {
    int *t = top + (size_t)i * (size_t)k;
    const size_t row = (size_t)i * (size_t)cols + (size_t)offset;
    /* The k best classes, highest first, equal scores lower class first. */
    for (int r = 0; r < k; r++) {
      int pick = -1;
      float ps = 0;
      for (int c = 0; c < o->num_classes; c++) {
        bool taken = false;
        for (int q = 0; q < r && !taken; q++) taken = t[q] == c;
        if (taken) continue;
        const float v = value_at(sc, row + (size_t)c);
        if (pick < 0 || v > ps) pick = c, ps = v;
      }
      t[r] = pick;
    }
    best[i] = value_at(sc, row + (size_t)t[0]);
  }
  int *sel = (int *)(s + l->sel);
  const int n_sel = nms_one_class(l, s, boxes, best, n, o, o->max_detections, sel);
  for (int d = 0; d < n_sel; d++) {
    const int i = sel[d];
    const size_t row = (size_t)i * (size_t)cols + (size_t)offset;
    for (int c = 0; c < k; c++) {
      const int cls = top[(size_t)i * (size_t)k + (size_t)c];
      emit(a, o->max_classes_per_detection * d + c, &boxes[i], cls, value_at(sc, row + (size_t)cls));
    }
  }
  return n_sel;
}

/* Regular NMS: one NMS per class (at most detections_per_class each), then
 * the max_detections best of all, equal scores in class order. */
static int run_regular(const nq_kernel_args *a, const nq_dpp_options *o, const layout *l, uint8_t *s,
                       const box *boxes) {
  const nq_tview *sc = &a->in[1];
  const int n = sc->shape[1], cols = sc->shape[2], offset = cols - o->num_classes;
  float *score = (float *)(s + l->scores);
  candidate *cand = (candidate *)(s + l->cand);
  int *sel = (int *)(s + l->sel);
  int n_cand = 0;
  for (int c = 0; c < o->num_classes; c++) {
    for (int i = 0; i < n; i++) score[i] = value_at(sc, (size_t)i * (size_t)cols + (size_t)(offset + c));
    const int got = nms_one_class(l, s, boxes, score, n, o, o->detections_per_class, sel);
    for (int d = 0; d < got; d++) cand[n_cand++] = (candidate){sel[d], c, score[sel[d]]};
  }
  qsort(cand, (size_t)n_cand, sizeof *cand, by_score_desc);
  const int kept = n_cand < o->max_detections ? n_cand : o->max_detections;
  for (int d = 0; d < kept; d++) emit(a, d, &boxes[cand[d].anchor], cand[d].cls, cand[d].score);
  return kept;
}

nq_status nq_dpp_run(const nq_kernel_args *a, nq_error *err) {
  const nq_dpp_options *o = a->prepared;
  if (!o) return nq_ref_fail(a, err, NQ_ERR_INTERNAL, "not prepared");
  const layout l = scratch_layout(a, o);
  if (a->scratch_size < l.total)
    return nq_ref_fail(a, err, NQ_ERR_INTERNAL, "%zu bytes of scratch, %zu needed", a->scratch_size, l.total);
  uint8_t *s = a->scratch;
  for (int k = 0; k < 4; k++) memset(a->out[k].data, 0, nq_tview_elems(&a->out[k]) * sizeof(float));
  box *boxes = (box *)(s + l.boxes);
  decode_boxes(a, o, boxes);
  const int n = o->use_regular_nms ? run_regular(a, o, &l, s, boxes) : run_fast(a, o, &l, s, boxes);
  ((float *)a->out[3].data)[0] = (float)n;
  return NQ_OK;
}
