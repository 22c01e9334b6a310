/*
 * Fast int8 DEPTHWISE_CONV_2D: the reference loops (conv_s8.c) reorganised
 * for speed and shared over the thread pool by output rows.
 *
 * Bit-exact with the reference by construction, in both rounding modes: the
 * same prepared block (int8_weights.h: re-centred int16 weights
 * [KH*KW][C*M], multipliers, bias, clamp), the same int32 accumulator (the
 * same products, summed in another order: integer addition is associative
 * and the reference proves the sum cannot overflow), and the same finish
 * (nq_i8_wfinish_row). tests/kernels_fast compares both on random cases.
 *
 * What makes it faster: the channel loop is the innermost loop and carries
 * no bounds checks (taps outside the image are skipped per tap, and the
 * pixel loop splits into border and interior columns), so the compiler
 * vectorizes the int16 x int16 -> int32 multiply-adds and the requantization
 * of a whole pixel; and rows run in parallel.
 */
#include <stdlib.h>
#include <string.h>

#include "exec/int8/conv_window.h"
#include "exec/int8/fast_work.h"
#include "exec/int8/int8_kernels.h"
#include "exec/int8/int8_simd.h"
#include "exec/int8/int8_weights.h"

typedef struct dw_job {
  const nq_i8_wprep *p;
  const int16_t *x; /* the whole input, re-centred */
  void *out;
  nq_dtype out_type;
  int single;
  bool simd; /* depth multiplier 1 and nq_i8_simd_ok: int8_avx2.c */
  int n, h, w, c, m, o, oh, ow, kh, kw, sh, sw, dh, dw, ph, pw;
  int rows, n_tasks; /* rows = n * oh */
  char *acc_base;    /* per slot: o int32 accumulators */
  size_t acc_bytes;
  int n_slots;
  nq_fast_slots slots;
} dw_job;

static size_t acc_bytes(const nq_kernel_args *a) {
  return nq_i8_align64((size_t)a->in[1].shape[3] * sizeof(int32_t));
}
static size_t centred_bytes(const nq_kernel_args *a) {
  return nq_i8_align64(nq_tview_elems(&a->in[0]) * sizeof(int16_t));
}

static bool dw_geometry_ok(const nq_kernel_args *a) {
  if (a->n_in < 2 || a->in[0].rank != 4 || a->in[1].rank != 4 || a->out[0].rank != 4) return false;
  const nq_tview *x = &a->in[0], *f = &a->in[1], *y = &a->out[0];
  const int dh = a->p->dilation_h > 0 ? a->p->dilation_h : 1,
            dw = a->p->dilation_w > 0 ? a->p->dilation_w : 1;
  return x->shape[3] >= 1 && f->shape[3] % x->shape[3] == 0 && y->shape[3] == f->shape[3] &&
         y->shape[0] == x->shape[0] &&
         nq_fast_window_fits(x->shape[1], x->shape[2], y->shape[1], y->shape[2], f->shape[1], f->shape[2],
                             a->p->stride_h, a->p->stride_w, dh, dw);
}

static void dw_row(const dw_job *j, int row, int32_t *acc) {
  const int n = row / j->oh, oy = row % j->oh, iy0 = oy * j->sh - j->ph;
  const int16_t *img = j->x + (size_t)n * j->h * j->w * j->c;
  if (j->simd) {
    const nq_i8_dw_row d = {.x = img,
                            .wts = j->p->w,
                            .h = j->h,
                            .w = j->w,
                            .c = j->c,
                            .kh = j->kh,
                            .kw = j->kw,
                            .dh = j->dh,
                            .dw = j->dw,
                            .sw = j->sw,
                            .pw = j->pw,
                            .ow = j->ow,
                            .iy0 = iy0};
    nq_i8_dw_row_simd(j->p, &d, j->out, j->out_type, (size_t)row * j->ow * j->o);
    return;
  }
  for (int ox = 0; ox < j->ow; ox++) {
    const int ix0 = ox * j->sw - j->pw;
    memset(acc, 0, (size_t)j->o * sizeof *acc);
    for (int ky = 0; ky < j->kh; ky++) {
      const int iy = iy0 + ky * j->dh;
      if (iy < 0 || iy >= j->h) continue;
      for (int kx = 0; kx < j->kw; kx++) {
        const int ix = ix0 + kx * j->dw;
        if (ix < 0 || ix >= j->w) continue;
        nq_i8_dw_add_tap(j->c, j->m, acc, img + ((size_t)iy * j->w + ix) * j->c,
                         j->p->w + ((size_t)ky * j->kw + kx) * j->o);
      }
    }
    nq_i8_wfinish_row(j->p, 0, j->o, acc, j->out, j->out_type, ((size_t)row * j->ow + ox) * j->o, j->single);
  }
}

static void dw_task(void *ctx, int k) {
  dw_job *j = ctx;
  const int slot = nq_fast_slot_take(&j->slots, j->n_slots);
  int32_t *acc = (int32_t *)(void *)(j->acc_base + (size_t)slot * j->acc_bytes);
  const int r0 = (int)((long)j->rows * k / j->n_tasks), r1 = (int)((long)j->rows * (k + 1) / j->n_tasks);
  for (int r = r0; r < r1; r++) dw_row(j, r, acc);
  nq_fast_slot_give(&j->slots, slot);
}

nq_status nq_i8_dw_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  return nq_i8_dw_prepare(a, prepared, err); /* the reference's block serves both */
}

size_t nq_i8_dw_fast_scratch(const nq_kernel_args *a) {
  const size_t ref = nq_i8_dw_scratch(a);
  if (!dw_geometry_ok(a)) return ref;
  const size_t fast = centred_bytes(a) + acc_bytes(a) * (size_t)nq_i8_slot_count(a);
  return fast > ref ? fast : ref;
}

nq_status nq_i8_dw_fast_run(const nq_kernel_args *a, nq_error *err) {
  const nq_i8_wprep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  if (!dw_geometry_ok(a)) return nq_i8_dw_run(a, err);
  const nq_tview *x = &a->in[0], *f = &a->in[1], *y = &a->out[0];
  dw_job j = {.p = p,
              .out = y->data,
              .out_type = y->type,
              .single = a->single_rounding,
              .n = x->shape[0],
              .h = x->shape[1],
              .w = x->shape[2],
              .c = x->shape[3],
              .o = f->shape[3],
              .oh = y->shape[1],
              .ow = y->shape[2],
              .kh = f->shape[1],
              .kw = f->shape[2],
              .sh = a->p->stride_h,
              .sw = a->p->stride_w,
              .dh = a->p->dilation_h > 0 ? a->p->dilation_h : 1,
              .dw = a->p->dilation_w > 0 ? a->p->dilation_w : 1};
  j.m = j.o / j.c;
  j.simd = j.m == 1 && j.kh * j.kw <= 64 && nq_i8_simd_ok(p, j.single); /* int8_simd.h */
  if ((size_t)j.kh * j.kw * j.o != p->w_elems || j.o != p->n_ch)
    return nq_i8_fail(a, err, "weights [1,%d,%d,%d] do not match the prepared %d channels", j.kh, j.kw, j.o,
                      p->n_ch);
  NQ_TRY(nq_i8_check_window(a, "height", j.h, j.oh, j.sh, j.dh, j.kh, err));
  NQ_TRY(nq_i8_check_window(a, "width", j.w, j.ow, j.sw, j.dw, j.kw, err));
  j.ph = nq_i8_pad_before(j.h, j.oh, j.sh, j.dh, j.kh);
  j.pw = nq_i8_pad_before(j.w, j.ow, j.sw, j.dw, j.kw);
  const size_t rows = (size_t)j.n * (size_t)j.oh;
  if (rows == 0 || j.ow == 0) return NQ_OK;
  if (rows > ((size_t)1 << 30)) return nq_i8_fail(a, err, "%zu output rows, at most 2^30", rows);
  j.rows = (int)rows;
  j.acc_bytes = acc_bytes(a);
  int threads = nq_i8_slot_count(a);
  const size_t need = centred_bytes(a) + j.acc_bytes;
  if (!a->scratch || a->scratch_size < need)
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, need);
  const size_t fit = (a->scratch_size - centred_bytes(a)) / j.acc_bytes;
  if ((size_t)threads > fit) threads = (int)fit;
  int16_t *centred = a->scratch;
  nq_i8_centre(x, p->in_zp, centred);
  j.x = centred;
  j.acc_base = (char *)a->scratch + centred_bytes(a);
  const double macs = (double)rows * j.ow * j.o * j.kh * j.kw;
  j.n_tasks = nq_i8_task_count(threads, 8, macs, j.rows);
  j.n_slots = threads;
  atomic_init(&j.slots.busy, 0u);
  nq_threadpool_run(j.n_tasks > 1 ? a->pool : NULL, j.n_tasks, dw_task, &j);
  return NQ_OK;
}
