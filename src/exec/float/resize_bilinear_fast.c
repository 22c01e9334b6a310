/*
 * Fast RESIZE_BILINEAR (float32, NHWC): the reference arithmetic exactly
 * (same source coordinates, same expression order, so results are equal to
 * the last bit), with the per-column source positions computed once into
 * scratch instead of per pixel, and output rows spread over threads.
 * Other types go to the reference.
 */
#include <math.h>

#include "exec/float/fast_common.h"
#include "exec/float/fast_kernels.h"
#include "exec/float/ref.h"

typedef struct col_src {
  int x0, x1;
  float dx;
} col_src;

typedef struct rs_job {
  const float *in;
  float *out;
  int h, w, c, oh, ow;
  float scale_h;
  bool half;
  const col_src *cols;
} rs_job;

static bool rs_fast_applies(const nq_kernel_args *a) {
  return a->n_in >= 1 && a->n_out >= 1 && nq_fast_is_f32(a, 0, 4) && a->out[0].type == NQ_FLOAT32 &&
         a->out[0].rank == 4 && a->out[0].data && a->out[0].shape[0] == a->in[0].shape[0] &&
         a->out[0].shape[3] == a->in[0].shape[3] && a->in[0].shape[1] > 0 && a->in[0].shape[2] > 0;
}

static size_t cols_bytes(const nq_kernel_args *a) {
  return ((size_t)a->out[0].shape[2] * sizeof(col_src) + 63) / 64 * 64;
}

size_t nq_resize_bilinear_fast_scratch(const nq_kernel_args *a) {
  size_t ref = nq_fast_ref_scratch(NQ_OP_RESIZE_BILINEAR, a);
  if (!rs_fast_applies(a)) return ref;
  size_t fast = cols_bytes(a);
  return fast > ref ? fast : ref;
}

nq_status nq_resize_bilinear_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  return nq_fast_ref_check(NQ_OP_RESIZE_BILINEAR, a, err);
}

static void rs_row(void *ctx, int task) {
  const rs_job *j = ctx;
  const int n = task / j->oh, oy = task % j->oh, C = j->c;
  float y;
  int y0, y1;
  nq_resize_source(oy, j->scale_h, j->half, j->h, &y, &y0, &y1);
  const float dy = y - (float)y0;
  const float *row0 = j->in + ((size_t)n * j->h + y0) * j->w * C;
  const float *row1 = j->in + ((size_t)n * j->h + y1) * j->w * C;
  float *op = j->out + ((size_t)n * j->oh + oy) * j->ow * C;
  for (int ox = 0; ox < j->ow; ox++, op += C) {
    const col_src *cs = &j->cols[ox];
    const float *p00 = row0 + (size_t)cs->x0 * C, *p01 = row0 + (size_t)cs->x1 * C;
    const float *p10 = row1 + (size_t)cs->x0 * C, *p11 = row1 + (size_t)cs->x1 * C;
    const float dx = cs->dx;
    for (int c = 0; c < C; c++)
      op[c] = p00[c] * (1.0f - dy) * (1.0f - dx) + p10[c] * dy * (1.0f - dx) + p01[c] * (1.0f - dy) * dx +
              p11[c] * dy * dx;
  }
}

nq_status nq_resize_bilinear_fast_run(const nq_kernel_args *a, nq_error *err) {
  if (!rs_fast_applies(a) || !a->scratch || a->scratch_size < cols_bytes(a))
    return nq_fast_delegate(NQ_OP_RESIZE_BILINEAR, a, err);
  const nq_tview *x = &a->in[0], *o = &a->out[0];
  bool align = a->p->align_corners;
  rs_job j = {.in = x->data,
              .out = o->data,
              .h = x->shape[1],
              .w = x->shape[2],
              .c = x->shape[3],
              .oh = o->shape[1],
              .ow = o->shape[2],
              .half = a->p->half_pixel_centers};
  j.scale_h = nq_resize_scale(j.h, j.oh, align);
  float scale_w = nq_resize_scale(j.w, j.ow, align);
  col_src *cols = a->scratch;
  for (int ox = 0; ox < j.ow; ox++) {
    float xs;
    nq_resize_source(ox, scale_w, j.half, j.w, &xs, &cols[ox].x0, &cols[ox].x1);
    cols[ox].dx = xs - (float)cols[ox].x0;
  }
  j.cols = cols;
  size_t rows = (size_t)o->shape[0] * (size_t)j.oh;
  if (rows == 0 || j.ow == 0 || j.c == 0) return NQ_OK;
  if (rows > (size_t)1 << 30)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "node %d (RESIZE_BILINEAR): %zu output rows, at most 2^30",
                   a->node_index, rows);
  double work = (double)rows * j.ow * j.c;
  nq_threadpool_run(work < 16384.0 ? NULL : a->pool, (int)rows, rs_row, &j);
  return NQ_OK;
}
