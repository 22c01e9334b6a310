/*
 * Fast 16x8 CONV_2D and FULLY_CONNECTED (int16 activations with zero point
 * 0, int8 weights): the integer GEMM of exec/qgemm.h with an int64 total,
 * threaded through the pool. Output pixels (FULLY_CONNECTED: batch rows) are
 * GEMM rows, output channels GEMM columns, as in conv_s8_fast.c.
 *
 * Bit-identical with the reference kernels (conv_s16.c, dense_s16.c, which
 * LiteRT.js agrees with) by construction, in both rounding modes:
 *  - the prepared block is the reference's (weights_s16.h); its int8
 *    weights are widened to int16 once and packed into qgemm panels;
 *  - |x * w| <= 32768 * 128 = 2^22, so a sum of at most 511 products is
 *    exact in int32 (511 * 2^22 < 2^31; vpmaddwd's pair sums stay below
 *    2^23, far from its saturation). The micro-kernel therefore runs on k
 *    chunks of S16_CHUNK_PAIRS pairs (510 products) and each chunk's int32
 *    tile is added into int64: integer sums do not depend on order, so the
 *    total is the reference's int64 accumulator;
 *  - each total is finished by the reference's nq_s16_wfinish (bias,
 *    int64 / double / int32 requantization, clamp), or, on its int64 path,
 *    by nq_s16_fixed_finish: the same arithmetic with the per-channel
 *    constants worked out at prepare (weights_s16.h); the call per output
 *    was 60% of the convolutions' time.
 * Grouped convolutions and nodes whose input is not int16 hand off to the
 * reference. tests/kernels_fast/test_s16_fast.c compares both on random
 * cases, including chunk boundaries and the extreme values.
 */
#include <stdlib.h>
#include <string.h>

#include "exec/int8/conv_window.h"
#include "exec/int8/fast_work.h"
#include "exec/int8/int8_kernels.h"
#include "exec/int8/weights_s16.h"
#include "exec/qgemm.h"

#define S16_CHUNK_PAIRS 255

typedef struct s16_fast {
  void *ref;        /* the reference prepare's block (nq_s16_wprep when s16) */
  bool s16;         /* the input is int16: ref is an nq_s16_wprep */
  nq_qpacked w;     /* panels == NULL: hand off to the reference */
  nq_s16_fixed *fx; /* the int64 finish's constants, or NULL: nq_s16_wfinish */
} s16_fast;

typedef struct s16_job s16_job;
typedef void (*s16_fill_fn)(const s16_job *j, int m0, int mr, int16_t *rows);

struct s16_job {
  const nq_s16_wprep *p;
  const nq_qpacked *w;
  const nq_s16_fixed *fx;
  nq_qgemm_ukernel ukernel;
  s16_fill_fn fill;
  const int16_t *x;
  int16_t *y;
  int single;
  int m_total, rb, n_blocks, n_tasks;
  bool split_m;
  nq_i8_window g; /* CONV_2D */
  bool pointwise; /* 1x1, stride 1, no padding: output pixel m reads input pixel m */
  char *scratch;
  size_t slot_bytes;
  int n_slots;
  nq_fast_slots slots;
};

void nq_s16_fast_release(void *prepared) {
  s16_fast *fp = prepared;
  if (!fp) return;
  free(fp->ref);
  nq_qgemm_free(&fp->w);
  free(fp->fx);
  free(fp);
}

/* Wrap the reference block; when `fast`, widen and pack its weights. */
static nq_status wrap(const nq_kernel_args *a, void *ref, bool fast, int n, int k, void **prepared,
                      nq_error *err) {
  s16_fast *fp = calloc(1, sizeof *fp);
  if (!fp) {
    free(ref);
    return nq_i8_fail(a, err, "out of memory");
  }
  fp->ref = ref;
  fp->s16 = a->in[0].type == NQ_INT16;
  if (fast && fp->s16) {
    int16_t *wide = malloc((size_t)n * (size_t)k * sizeof *wide);
    if (!wide) {
      nq_s16_fast_release(fp);
      return nq_i8_fail(a, err, "out of memory widening %d x %d weights", n, k);
    }
    const int8_t *w8 = a->in[1].data;
    for (size_t i = 0; i < (size_t)n * (size_t)k; i++) wide[i] = w8[i];
    const nq_status s = nq_qgemm_pack(wide, n, k, &fp->w, err);
    free(wide);
    if (s != NQ_OK) {
      nq_s16_fast_release(fp);
      return s;
    }
    const nq_s16_wprep *p = ref;
    fp->fx = malloc((size_t)p->n_ch * sizeof *fp->fx);
    if (!fp->fx) {
      nq_s16_fast_release(fp);
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

/* The reference kernel on the reference's own block. */
static nq_status hand_off(const nq_kernel_args *a, nq_kernel_fn ref_run, nq_error *err) {
  nq_kernel_args r = *a;
  r.prepared = ((const s16_fast *)a->prepared)->ref;
  return ref_run(&r, err);
}

/* CONV_2D: row i = the receptive field of pixel m0 + i in (ky, kx, ci)
 * order, zeros where a tap falls outside the input. */
static void fill_conv(const s16_job *j, int m0, int mr, int16_t *rows) {
  const nq_i8_window *g = &j->g;
  const int kp = j->w->kp, k = j->w->k, plane = g->oh * g->ow;
  if (j->pointwise && kp == k) {
    memcpy(rows, j->x + (size_t)m0 * k, (size_t)mr * k * sizeof *rows);
    return;
  }
  for (int i = 0; i < mr; i++) {
    const int m = m0 + i, n = m / plane, r = m % plane, oy = r / g->ow, ox = r % g->ow;
    const int iy0 = oy * g->sh - g->ph, ix0 = ox * g->sw - g->pw;
    int16_t *dst = rows + (size_t)i * kp;
    for (int ky = 0; ky < g->kh; ky++) {
      const int iy = iy0 + ky * g->dh;
      for (int kx = 0; kx < g->kw; kx++, dst += g->c) {
        const int ix = ix0 + kx * g->dw;
        if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w)
          memset(dst, 0, (size_t)g->c * sizeof *dst);
        else
          memcpy(dst, j->x + (((size_t)n * g->h + iy) * g->w + ix) * g->c, (size_t)g->c * sizeof *dst);
      }
    }
    if (kp > k) rows[(size_t)i * kp + k] = 0;
  }
}

/* FULLY_CONNECTED: row i = input row m0 + i. */
static void fill_fc(const s16_job *j, int m0, int mr, int16_t *rows) {
  const int kp = j->w->kp, k = j->w->k;
  for (int i = 0; i < mr; i++) {
    memcpy(rows + (size_t)i * kp, j->x + (size_t)(m0 + i) * k, (size_t)k * sizeof *rows);
    if (kp > k) rows[(size_t)i * kp + k] = 0;
  }
}

/* One 4 x 16 tile: int32 chunks of at most 510 products, summed in int64. */
static void tile_s64(const s16_job *j, const int16_t *a, const int16_t *panel, int64_t *acc) {
  int32_t part[NQ_QGEMM_MR * NQ_QGEMM_NR];
  const int kp = j->w->kp, pairs = kp / 2;
  memset(acc, 0, sizeof(int64_t) * NQ_QGEMM_MR * NQ_QGEMM_NR);
  for (int j0 = 0; j0 < pairs; j0 += S16_CHUNK_PAIRS) {
    const int np = pairs - j0 < S16_CHUNK_PAIRS ? pairs - j0 : S16_CHUNK_PAIRS;
    j->ukernel(2 * np, a + 2 * (size_t)j0, (size_t)kp, panel + (size_t)j0 * 2 * NQ_QGEMM_NR, part);
    for (int i = 0; i < NQ_QGEMM_MR * NQ_QGEMM_NR; i++) acc[i] += part[i];
  }
}

/* Blocks [b0, b1), channel panels [p0, p1). */
static void run_range(const s16_job *j, int16_t *rows, int b0, int b1, int p0, int p1) {
  const nq_qpacked *w = j->w;
  int64_t acc[NQ_QGEMM_MR * NQ_QGEMM_NR];
  for (int b = b0; b < b1; b++) {
    const int m0 = b * j->rb, mb = j->m_total - m0 < j->rb ? j->m_total - m0 : j->rb;
    j->fill(j, m0, mb, rows);
    /* Rows past the last pixel of a tile are computed and discarded. */
    const int mb_up = (mb + NQ_QGEMM_MR - 1) / NQ_QGEMM_MR * NQ_QGEMM_MR;
    memset(rows + (size_t)mb * w->kp, 0, (size_t)(mb_up - mb) * w->kp * sizeof *rows);
    for (int p = p0; p < p1; p++) {
      const int c0 = p * NQ_QGEMM_NR, nc = w->n - c0 < NQ_QGEMM_NR ? w->n - c0 : NQ_QGEMM_NR;
      const int16_t *panel = w->panels + (size_t)p * w->kp * NQ_QGEMM_NR;
      for (int t0 = 0; t0 < mb; t0 += NQ_QGEMM_MR) {
        const int mr = mb - t0 < NQ_QGEMM_MR ? mb - t0 : NQ_QGEMM_MR;
        tile_s64(j, rows + (size_t)t0 * w->kp, panel, acc);
        for (int i = 0; i < mr; i++) {
          int16_t *yr = j->y + (size_t)(m0 + t0 + i) * w->n + c0;
          const int64_t *ar = acc + i * NQ_QGEMM_NR;
          if (j->fx)
            for (int c = 0; c < nc; c++)
              yr[c] = nq_s16_fixed_finish(&j->fx[c0 + c], ar[c], j->p->act_lo, j->p->act_hi);
          else
            for (int c = 0; c < nc; c++) yr[c] = nq_s16_wfinish(j->p, c0 + c, ar[c], j->single);
        }
      }
    }
  }
}

static void task(void *ctx, int k) {
  s16_job *j = ctx;
  const int slot = nq_fast_slot_take(&j->slots, j->n_slots);
  int16_t *rows = (int16_t *)(void *)(j->scratch + (size_t)slot * j->slot_bytes);
  const int units = j->split_m ? j->n_blocks : j->w->n_panels;
  const int u0 = (int)((long)units * k / j->n_tasks), u1 = (int)((long)units * (k + 1) / j->n_tasks);
  if (j->split_m)
    run_range(j, rows, u0, u1, 0, j->w->n_panels);
  else
    run_range(j, rows, 0, j->n_blocks, u0, u1);
  nq_fast_slot_give(&j->slots, slot);
}

/* Share the pixels (or, with few of them, the channel panels) out. */
static nq_status run_job(const nq_kernel_args *a, s16_job *j, nq_error *err) {
  j->ukernel = nq_qgemm_pick();
  j->x = a->in[0].data;
  j->y = a->out[0].data;
  j->single = a->single_rounding;
  j->slot_bytes = nq_i8_gemm_slot_bytes((size_t)j->w->k);
  int threads = nq_i8_slot_count(a);
  const size_t fit = a->scratch ? a->scratch_size / j->slot_bytes : 0;
  if ((size_t)threads > fit) threads = (int)fit;
  if (threads < 1)
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, j->slot_bytes);
  const int tiles = (j->m_total + NQ_QGEMM_MR - 1) / NQ_QGEMM_MR, panels = j->w->n_panels;
  j->split_m = tiles >= 4 * threads || panels < threads;
  j->rb = nq_i8_gemm_block_rows((size_t)j->w->k);
  if (j->split_m && threads > 1 && tiles < (j->rb / NQ_QGEMM_MR) * 4 * threads) {
    const int per = (tiles + 4 * threads - 1) / (4 * threads);
    j->rb = (per < 1 ? 1 : per) * NQ_QGEMM_MR;
  }
  j->n_blocks = (j->m_total + j->rb - 1) / j->rb;
  const int units = j->split_m ? j->n_blocks : panels;
  const double macs = (double)j->w->k * (double)j->m_total * (double)panels * NQ_QGEMM_NR;
  j->n_tasks = nq_i8_task_count(threads, 8, macs, units);
  j->n_slots = threads;
  j->scratch = a->scratch;
  atomic_init(&j->slots.busy, 0u);
  nq_threadpool_run(j->n_tasks > 1 ? a->pool : NULL, j->n_tasks, task, j);
  return NQ_OK;
}

/* ---- CONV_2D ---- */

static bool conv_fast_ok(const nq_kernel_args *a) {
  if (a->n_in < 2 || a->in[0].type != NQ_INT16 || a->in[0].rank != 4 || a->in[1].rank != 4 ||
      a->out[0].rank != 4)
    return false;
  const nq_tview *x = &a->in[0], *f = &a->in[1], *y = &a->out[0];
  const size_t k = (size_t)f->shape[1] * (size_t)f->shape[2] * (size_t)f->shape[3];
  return f->shape[3] == x->shape[3] && f->shape[0] == y->shape[3] && k >= 1 && k <= (1u << 26) &&
         nq_fast_window_fits(x->shape[1], x->shape[2], y->shape[1], y->shape[2], f->shape[1], f->shape[2],
                             a->p->stride_h, a->p->stride_w, a->p->dilation_h > 0 ? a->p->dilation_h : 1,
                             a->p->dilation_w > 0 ? a->p->dilation_w : 1);
}

nq_status nq_s16_conv_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  void *ref = NULL;
  const nq_status st = nq_i8_conv_prepare(a, &ref, err);
  if (st != NQ_OK) {
    free(ref);
    return st;
  }
  const bool fast = conv_fast_ok(a);
  const nq_tview *f = &a->in[1];
  return wrap(a, ref, fast, f->shape[0], fast ? f->shape[1] * f->shape[2] * f->shape[3] : 0, prepared, err);
}

size_t nq_s16_conv_fast_scratch(const nq_kernel_args *a) {
  const size_t ref = nq_i8_conv_scratch(a);
  if (!conv_fast_ok(a)) return ref;
  const nq_tview *f = &a->in[1];
  const size_t fast =
      nq_i8_gemm_slot_bytes((size_t)f->shape[1] * f->shape[2] * f->shape[3]) * (size_t)nq_i8_slot_count(a);
  return fast > ref ? fast : ref;
}

nq_status nq_s16_conv_fast_run(const nq_kernel_args *a, nq_error *err) {
  const s16_fast *fp = a->prepared;
  if (!fp) return nq_i8_fail(a, err, "not prepared");
  if (!fp->s16 || !fp->w.panels || !conv_fast_ok(a)) return hand_off(a, nq_i8_conv_run, err);
  s16_job j = {.p = fp->ref, .w = &fp->w, .fx = fp->fx, .fill = fill_conv};
  NQ_TRY(nq_i8_window_get(a, false, &j.g, err));
  const nq_i8_window *g = &j.g;
  if (g->o != fp->w.n || g->o != j.p->n_ch || g->kh * g->kw * g->ci != fp->w.k)
    return nq_i8_fail(a, err, "weights [%d,%d,%d,%d] do not match the prepared %d x %d", g->o, g->kh, g->kw,
                      g->ci, fp->w.n, fp->w.k);
  j.pointwise = g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0 &&
                g->oh == g->h && g->ow == g->w;
  const size_t m = (size_t)g->n * (size_t)g->oh * (size_t)g->ow;
  if (m == 0) return NQ_OK;
  if (m > ((size_t)1 << 30)) return nq_i8_fail(a, err, "%zu output pixels, at most 2^30", m);
  j.m_total = (int)m;
  return run_job(a, &j, err);
}

/* ---- FULLY_CONNECTED ---- */

static bool fc_fast_ok(const nq_kernel_args *a) {
  return a->n_in >= 2 && a->in[0].type == NQ_INT16 && a->in[1].rank == 2 && a->in[1].shape[0] >= 1 &&
         a->in[1].shape[1] >= 1 && a->in[1].shape[1] <= (1 << 26);
}

nq_status nq_s16_fc_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  void *ref = NULL;
  const nq_status st = nq_i8_fc_prepare(a, &ref, err);
  if (st != NQ_OK) {
    free(ref);
    return st;
  }
  const bool fast = fc_fast_ok(a);
  return wrap(a, ref, fast, fast ? a->in[1].shape[0] : 0, fast ? a->in[1].shape[1] : 0, prepared, err);
}

size_t nq_s16_fc_fast_scratch(const nq_kernel_args *a) {
  const size_t ref = nq_i8_fc_scratch(a);
  if (!fc_fast_ok(a)) return ref;
  const size_t fast = nq_i8_gemm_slot_bytes((size_t)a->in[1].shape[1]) * (size_t)nq_i8_slot_count(a);
  return fast > ref ? fast : ref;
}

nq_status nq_s16_fc_fast_run(const nq_kernel_args *a, nq_error *err) {
  const s16_fast *fp = a->prepared;
  if (!fp) return nq_i8_fail(a, err, "not prepared");
  if (!fp->s16 || !fp->w.panels || !fc_fast_ok(a)) return hand_off(a, nq_i8_fc_run, err);
  const nq_s16_wprep *p = fp->ref;
  const size_t in_n = nq_tview_elems(&a->in[0]), out_n = nq_tview_elems(&a->out[0]);
  const int o = a->in[1].shape[0], i = a->in[1].shape[1];
  if (o != fp->w.n || i != fp->w.k || o != p->n_ch || in_n % (size_t)i != 0 ||
      out_n != in_n / (size_t)i * (size_t)o)
    return nq_i8_fail(a, err,
                      "input of %zu elements, weights [%d,%d] and output of %zu elements do not match", in_n,
                      o, i, out_n);
  const size_t m = in_n / (size_t)i;
  if (m == 0) return NQ_OK;
  if (m > ((size_t)1 << 30)) return nq_i8_fail(a, err, "%zu input rows, at most 2^30", m);
  s16_job j = {.p = p, .w = &fp->w, .fx = fp->fx, .fill = fill_fc, .m_total = (int)m};
  return run_job(a, &j, err);
}

bool nq_s16_fast_applies(const nq_kernel_args *a) {
  switch (a->node ? a->node->op : NQ_OP_COUNT) {
    case NQ_OP_CONV_2D:
      return conv_fast_ok(a);
    case NQ_OP_FULLY_CONNECTED:
      return fc_fast_ok(a);
    case NQ_OP_DEPTHWISE_CONV_2D:
      return nq_s16_dw_fast_ok(a);
    case NQ_OP_PAD:
    case NQ_OP_PADV2:
      return true; /* nq_i8_pad_fast_run: any element size */
    case NQ_OP_ADD:
    case NQ_OP_SUB:
    case NQ_OP_MUL:
    case NQ_OP_MAXIMUM:
    case NQ_OP_MINIMUM:
      return a->n_in == 2 && a->in[0].type == NQ_INT16 && a->in[1].type == NQ_INT16 &&
             nq_s16_binary_same_shape(a);
    case NQ_OP_LOGISTIC:
    case NQ_OP_TANH:
    case NQ_OP_EXP:
      return a->in[0].type == NQ_INT16;
    default:
      return false;
  }
}
