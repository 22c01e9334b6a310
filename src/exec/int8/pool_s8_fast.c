/*
 * Fast int8 MAX_POOL_2D: the reference (pool_s8.c) with the channel loop
 * innermost, so that the compiler vectorizes the byte maxima, and output
 * rows shared over the thread pool. Max pooling involves no arithmetic
 * beyond max and the clamp, so any order gives the reference's bytes; the
 * same prepared block (the clamp range) and the same window rules (clipped
 * to the input). Anything unusual (rank, shapes, filter) runs the reference,
 * which owns the error messages.
 */
#include <string.h>

#include "exec/int8/fast_work.h"
#include "exec/int8/int8_kernels.h"
#include "exec/threadpool.h"

typedef struct maxpool_job {
  const nq_i8_pool_prep *p;
  const uint8_t *in;
  uint8_t *out;
  bool u8;
  int h, w, c, oh, ow, kh, kw, sh, sw, ph, pw, rows, n_tasks;
} maxpool_job;

/* acc[i] = max(acc[i], v[i]) for c values of the job's type. */
static void max_into(uint8_t *restrict acc, const uint8_t *restrict v, int c, bool u8) {
  if (u8) {
    for (int i = 0; i < c; i++) acc[i] = v[i] > acc[i] ? v[i] : acc[i];
  } else {
    int8_t *a = (int8_t *)acc;
    const int8_t *x = (const int8_t *)v;
    for (int i = 0; i < c; i++) a[i] = x[i] > a[i] ? x[i] : a[i];
  }
}

static void clamp_row(uint8_t *o, int c, bool u8, int32_t lo, int32_t hi) {
  if (u8) {
    for (int i = 0; i < c; i++) o[i] = o[i] < lo ? (uint8_t)lo : o[i] > hi ? (uint8_t)hi : o[i];
  } else {
    int8_t *a = (int8_t *)o;
    for (int i = 0; i < c; i++) a[i] = a[i] < lo ? (int8_t)lo : a[i] > hi ? (int8_t)hi : a[i];
  }
}

static void maxpool_row(const maxpool_job *j, int row) {
  const int n = row / j->oh, oy = row % j->oh, y0 = oy * j->sh - j->ph;
  const int ky0 = y0 < 0 ? -y0 : 0, ky1 = j->h - y0 < j->kh ? j->h - y0 : j->kh;
  const size_t c = (size_t)j->c;
  for (int ox = 0; ox < j->ow; ox++) {
    const int x0 = ox * j->sw - j->pw;
    const int kx0 = x0 < 0 ? -x0 : 0, kx1 = j->w - x0 < j->kw ? j->w - x0 : j->kw;
    uint8_t *o = j->out + ((size_t)row * j->ow + ox) * c;
    bool first = true; /* the window is never empty: run checked it */
    for (int ky = ky0; ky < ky1; ky++)
      for (int kx = kx0; kx < kx1; kx++) {
        const uint8_t *v = j->in + (((size_t)n * j->h + (y0 + ky)) * j->w + (x0 + kx)) * c;
        if (first)
          memcpy(o, v, c);
        else
          max_into(o, v, j->c, j->u8);
        first = false;
      }
    clamp_row(o, j->c, j->u8, j->p->lo, j->p->hi);
  }
}

static void maxpool_task(void *ctx, int k) {
  const maxpool_job *j = ctx;
  const int r0 = (int)((long)j->rows * k / j->n_tasks), r1 = (int)((long)j->rows * (k + 1) / j->n_tasks);
  for (int r = r0; r < r1; r++) maxpool_row(j, r);
}

nq_status nq_i8_maxpool_fast_run(const nq_kernel_args *a, nq_error *err) {
  const nq_i8_pool_prep *p = a->prepared;
  if (!p || a->n_in < 1 || a->n_out < 1 || a->in[0].rank != 4 || a->out[0].rank != 4)
    return nq_i8_pool_run(a, err);
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  maxpool_job j = {.p = p,
                   .in = in->data,
                   .out = out->data,
                   .u8 = in->type == NQ_UINT8,
                   .h = in->shape[1],
                   .w = in->shape[2],
                   .c = in->shape[3],
                   .oh = out->shape[1],
                   .ow = out->shape[2],
                   .kh = a->p->filter_h,
                   .kw = a->p->filter_w,
                   .sh = a->p->stride_h,
                   .sw = a->p->stride_w};
  if (out->shape[0] != in->shape[0] || out->shape[3] != j.c || j.kh < 1 || j.kw < 1 || j.sh < 1 || j.sw < 1 ||
      (int64_t)j.kh * j.kw > (1 << 22) || in->type != out->type)
    return nq_i8_pool_run(a, err);
  NQ_TRY(nq_i8_check_window(a, "height", j.h, j.oh, j.sh, 1, j.kh, err));
  NQ_TRY(nq_i8_check_window(a, "width", j.w, j.ow, j.sw, 1, j.kw, err));
  j.ph = nq_i8_pad_before(j.h, j.oh, j.sh, 1, j.kh);
  j.pw = nq_i8_pad_before(j.w, j.ow, j.sw, 1, j.kw);
  /* An empty window (only possible with odd hand-made geometry): the
   * reference reports it. */
  for (int oy = 0; oy < j.oh; oy++) {
    const int y0 = oy * j.sh - j.ph;
    if ((y0 < 0 ? 0 : y0) >= (j.h < y0 + j.kh ? j.h : y0 + j.kh)) return nq_i8_pool_run(a, err);
  }
  for (int ox = 0; ox < j.ow; ox++) {
    const int x0 = ox * j.sw - j.pw;
    if ((x0 < 0 ? 0 : x0) >= (j.w < x0 + j.kw ? j.w : x0 + j.kw)) return nq_i8_pool_run(a, err);
  }
  const size_t rows = (size_t)in->shape[0] * (size_t)j.oh;
  if (rows == 0 || j.ow == 0 || j.c == 0) return NQ_OK;
  if (rows > ((size_t)1 << 30)) return nq_i8_pool_run(a, err);
  j.rows = (int)rows;
  const double work = (double)rows * j.ow * j.c * j.kh * j.kw; /* compared bytes */
  j.n_tasks = nq_i8_task_count(nq_threadpool_size(a->pool), 4, work, j.rows);
  nq_threadpool_run(j.n_tasks > 1 ? a->pool : NULL, j.n_tasks, maxpool_task, &j);
  return NQ_OK;
}
