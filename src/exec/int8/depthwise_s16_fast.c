/*
 * Fast 16x8 DEPTHWISE_CONV_2D (int16 activations with zero point 0, int8
 * weights), shared over the thread pool by output rows.
 *
 * Bit-identical with the reference (nq_s16_dw_run in dense_s16.c, which
 * LiteRT.js agrees with) by construction, in both
 * rounding modes: the reference's prepared block; the weights widened to
 * int16 once, so the channel loop is an int16 x int16 -> int32
 * multiply-add the compiler vectorizes; the taps outside the input skipped
 * by range (nq_i8_tap_range) instead of per tap; and at most 511 taps summed
 * in int32 (511 * 2^22 < 2^31) before the int32 partial sums are added into
 * the int64 accumulator, so the total is the reference's exactly (integer
 * sums do not depend on order). Each total is finished by nq_s16_wfinish,
 * or nq_s16_fixed_finish on its int64 path (see conv_s16_fast.c).
 */
#include <stdlib.h>
#include <string.h>

#include "exec/int8/conv_window.h"
#include "exec/int8/fast_work.h"
#include "exec/int8/int8_kernels.h"
#include "exec/int8/weights_s16.h"

#define S16_DW_CHUNK_TAPS 511

typedef struct s16_dw_fast {
  void *ref;        /* the reference prepare's block (nq_s16_wprep when s16) */
  bool s16;         /* the input is int16 */
  int16_t *w;       /* [KH * KW][O] widened weights, or NULL: hand off */
  size_t w_elems;   /* KH * KW * O */
  nq_s16_fixed *fx; /* the int64 finish's constants, or NULL: nq_s16_wfinish */
} s16_dw_fast;

typedef struct s16_dw_job {
  const nq_s16_wprep *p;
  const nq_s16_fixed *fx;
  const int16_t *x, *wt;
  int16_t *y;
  int single;
  nq_i8_window g;
  int rows, n_tasks;
  char *scratch; /* per slot: O int32 then O int64 accumulators */
  size_t slot_bytes;
  int n_slots;
  nq_fast_slots slots;
} s16_dw_job;

void nq_s16_dw_fast_release(void *prepared) {
  s16_dw_fast *fp = prepared;
  if (!fp) return;
  free(fp->ref);
  free(fp->w);
  free(fp->fx);
  free(fp);
}

bool nq_s16_dw_fast_ok(const nq_kernel_args *a) {
  if (a->n_in < 2 || a->in[0].type != NQ_INT16 || a->in[0].rank != 4 || a->in[1].rank != 4 ||
      a->out[0].rank != 4)
    return false;
  const nq_tview *x = &a->in[0], *f = &a->in[1], *y = &a->out[0];
  return x->shape[3] >= 1 && f->shape[0] == 1 && f->shape[3] % x->shape[3] == 0 &&
         y->shape[3] == f->shape[3] &&
         nq_fast_window_fits(x->shape[1], x->shape[2], y->shape[1], y->shape[2], f->shape[1], f->shape[2],
                             a->p->stride_h, a->p->stride_w, a->p->dilation_h > 0 ? a->p->dilation_h : 1,
                             a->p->dilation_w > 0 ? a->p->dilation_w : 1);
}

static size_t slot_bytes(const nq_kernel_args *a) {
  const size_t o = (size_t)a->in[1].shape[3];
  return nq_i8_align64(o * sizeof(int32_t)) + nq_i8_align64(o * sizeof(int64_t));
}

nq_status nq_s16_dw_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  void *ref = NULL;
  const nq_status st = nq_i8_dw_prepare(a, &ref, err);
  if (st != NQ_OK) {
    free(ref);
    return st;
  }
  s16_dw_fast *fp = calloc(1, sizeof *fp);
  if (!fp) {
    free(ref);
    return nq_i8_fail(a, err, "out of memory");
  }
  fp->ref = ref;
  fp->s16 = a->in[0].type == NQ_INT16;
  if (fp->s16 && nq_s16_dw_fast_ok(a)) {
    fp->w_elems = nq_tview_elems(&a->in[1]);
    fp->w = malloc((fp->w_elems ? fp->w_elems : 1) * sizeof *fp->w);
    if (!fp->w) {
      nq_s16_dw_fast_release(fp);
      return nq_i8_fail(a, err, "out of memory widening %zu weights", nq_tview_elems(&a->in[1]));
    }
    const int8_t *w8 = a->in[1].data;
    for (size_t i = 0; i < fp->w_elems; i++) fp->w[i] = w8[i];
    const nq_s16_wprep *p = ref;
    fp->fx = malloc((size_t)p->n_ch * sizeof *fp->fx);
    if (!fp->fx) {
      nq_s16_dw_fast_release(fp);
      return nq_i8_fail(a, err, "out of memory");
    }
    if (!nq_s16_fixed_prepare(p, fp->fx)) {
      free(fp->fx);
      fp->fx = NULL;
    }
  }
  *prepared = fp;
  return NQ_OK;
}

size_t nq_s16_dw_fast_scratch(const nq_kernel_args *a) {
  const size_t ref = nq_i8_dw_scratch(a);
  if (!nq_s16_dw_fast_ok(a)) return ref;
  const size_t fast = slot_bytes(a) * (size_t)nq_i8_slot_count(a);
  return fast > ref ? fast : ref;
}

static void flush(int o, int32_t *restrict acc32, int64_t *restrict acc64) {
  for (int c = 0; c < o; c++) acc64[c] += acc32[c];
  memset(acc32, 0, (size_t)o * sizeof *acc32);
}

static void dw_row(const s16_dw_job *j, int row, int32_t *acc32, int64_t *acc64) {
  const nq_i8_window *g = &j->g;
  const int n = row / g->oh, oy = row % g->oh, iy0 = oy * g->sh - g->ph;
  const int16_t *img = j->x + (size_t)n * g->h * g->w * g->c;
  int16_t *y = j->y + (size_t)row * g->ow * g->o;
  int ky0, ky1;
  nq_i8_tap_range(iy0, g->dh, g->kh, g->h, &ky0, &ky1);
  for (int ox = 0; ox < g->ow; ox++, y += g->o) {
    const int ix0 = ox * g->sw - g->pw;
    int kx0, kx1;
    nq_i8_tap_range(ix0, g->dw, g->kw, g->w, &kx0, &kx1);
    memset(acc32, 0, (size_t)g->o * sizeof *acc32);
    memset(acc64, 0, (size_t)g->o * sizeof *acc64);
    int taps = 0;
    for (int ky = ky0; ky < ky1; ky++) {
      const int16_t *xr = img + (size_t)(iy0 + ky * g->dh) * g->w * g->c;
      for (int kx = kx0; kx < kx1; kx++) {
        if (taps++ == S16_DW_CHUNK_TAPS) {
          flush(g->o, acc32, acc64);
          taps = 1;
        }
        nq_i8_dw_add_tap(g->c, g->mult, acc32, xr + (size_t)(ix0 + kx * g->dw) * g->c,
                         j->wt + ((size_t)ky * g->kw + kx) * g->o);
      }
    }
    flush(g->o, acc32, acc64);
    if (j->fx)
      for (int c = 0; c < g->o; c++)
        y[c] = nq_s16_fixed_finish(&j->fx[c], acc64[c], j->p->act_lo, j->p->act_hi);
    else
      for (int c = 0; c < g->o; c++) y[c] = nq_s16_wfinish(j->p, c, acc64[c], j->single);
  }
}

static void dw_task(void *ctx, int k) {
  s16_dw_job *j = ctx;
  const int slot = nq_fast_slot_take(&j->slots, j->n_slots);
  char *base = j->scratch + (size_t)slot * j->slot_bytes;
  int32_t *acc32 = (int32_t *)(void *)base;
  int64_t *acc64 = (int64_t *)(void *)(base + nq_i8_align64((size_t)j->g.o * sizeof(int32_t)));
  const int r0 = (int)((long)j->rows * k / j->n_tasks), r1 = (int)((long)j->rows * (k + 1) / j->n_tasks);
  for (int r = r0; r < r1; r++) dw_row(j, r, acc32, acc64);
  nq_fast_slot_give(&j->slots, slot);
}

nq_status nq_s16_dw_fast_run(const nq_kernel_args *a, nq_error *err) {
  const s16_dw_fast *fp = a->prepared;
  if (!fp) return nq_i8_fail(a, err, "not prepared");
  if (!fp->s16 || !fp->w || !nq_s16_dw_fast_ok(a)) {
    nq_kernel_args r = *a;
    r.prepared = fp->ref;
    return nq_i8_dw_run(&r, err);
  }
  s16_dw_job j = {.p = fp->ref,
                  .fx = fp->fx,
                  .x = a->in[0].data,
                  .wt = fp->w,
                  .y = a->out[0].data,
                  .single = a->single_rounding};
  NQ_TRY(nq_i8_window_get(a, true, &j.g, err));
  const nq_i8_window *g = &j.g;
  if ((size_t)g->kh * g->kw * g->o != fp->w_elems || g->o != j.p->n_ch)
    return nq_i8_fail(a, err, "weights [1,%d,%d,%d] do not match the prepared %d channels", g->kh, g->kw,
                      g->o, j.p->n_ch);
  const size_t rows = (size_t)g->n * (size_t)g->oh;
  if (rows == 0 || g->ow == 0) return NQ_OK;
  if (rows > ((size_t)1 << 30)) return nq_i8_fail(a, err, "%zu output rows, at most 2^30", rows);
  j.rows = (int)rows;
  j.slot_bytes = slot_bytes(a);
  int threads = nq_i8_slot_count(a);
  const size_t fit = a->scratch ? a->scratch_size / j.slot_bytes : 0;
  if ((size_t)threads > fit) threads = (int)fit;
  if (threads < 1)
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, j.slot_bytes);
  j.scratch = a->scratch;
  const double macs = (double)rows * g->ow * g->o * g->kh * g->kw;
  j.n_tasks = nq_i8_task_count(threads, 8, macs, j.rows);
  j.n_slots = threads;
  atomic_init(&j.slots.busy, 0u);
  nq_threadpool_run(j.n_tasks > 1 ? a->pool : NULL, j.n_tasks, dw_task, &j);
  return NQ_OK;
}
