/*
 * Fast int8 CONV_2D and FULLY_CONNECTED: the integer GEMM of exec/qgemm.h,
 * threaded through the pool. Output pixels (FULLY_CONNECTED: batch rows) are
 * GEMM rows, output channels GEMM columns.
 *
 * Bit-exact with the reference kernels (conv_s8.c, fully_connected_s8.c) by
 * construction, in both rounding modes: the reference prepare
 * (int8_weights.h) computes the same re-centred weights, multipliers, bias
 * and clamp; the GEMM computes the same int32 accumulator (integer sums do
 * not depend on order, and the overflow bound is the reference's); and each
 * accumulator is finished by the same nq_i8_wfinish. tests/kernels_fast runs
 * both on randomized shapes and parameters and asserts identical bytes.
 *
 * For each block of up to nq_i8_gemm_block_rows() pixels the task copies the pixels'
 * receptive fields into contiguous int16 rows re-centred by the input zero
 * point (im2col; taps outside the image are 0, which is what padding with
 * the zero point means), so one copy feeds every channel panel. The copy
 * costs K per row against K * C_out multiply-adds. Then each channel panel
 * passes over every NQ_QGEMM_MR-row tile of the block: the block stays in
 * L2 and the panel in L1, where walking all panels for each tile of 4
 * pixels streamed the whole weight matrix (megabytes in resnet50's late
 * layers) from memory 4 pixels at a time.
 *
 * With AVX2 in single-rounding mode the tile is requantized in registers
 * (nq_i8_qgemm_tile_simd); otherwise the micro-kernel's int32 accumulators
 * are finished by nq_i8_wfinish_row.
 *
 * Grouped convolutions and anything the reference would refuse run the
 * reference kernel (the hand-off keeps one definition of every corner case).
 */
#include <stdlib.h>
#include <string.h>

#include "exec/int8/fast_work.h"
#include "exec/int8/int8_kernels.h"
#include "exec/int8/int8_simd.h"
#include "exec/int8/int8_weights.h"
#include "exec/qgemm.h"

typedef struct qconv_prepared {
  nq_i8_wprep *ref; /* the reference prepare's block (one allocation) */
  nq_qpacked w;     /* int16 panels, or */
  nq_i8_vnni v;     /* int8 panels (AVX-512 VNNI); neither: hand off to the reference */
} qconv_prepared;

typedef struct qconv_job qconv_job;
/* Rows m0 .. m0 + mr - 1 of the GEMM's left operand: int16 x - zp_x, kp
 * apart (int16 panels), or bytes x - zp_x + off, kq apart (VNNI panels). */
typedef void (*fill_fn)(const qconv_job *j, int m0, int mr, void *rows);

struct qconv_job {
  const qconv_prepared *qp;
  nq_qgemm_ukernel ukernel;
  fill_fn fill;
  const void *in;
  nq_dtype in_type;
  void *out;
  nq_dtype out_type;
  int single;
  bool simd;          /* nq_i8_simd_ok: the vector requantization */
  bool vnni;          /* qp->v holds the weights (else qp->w) */
  int n, k, n_panels; /* of whichever is packed */
  int32_t off;        /* VNNI: the activation offset (see qgemm_vnni_avx2.c) */
  size_t row_bytes;
  int m_total, n_tasks;
  int rb, n_blocks; /* pixels per block (a multiple of NQ_QGEMM_MR) and blocks */
  bool split_m;
  /* CONV_2D geometry */
  int h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, ph, pw;
  bool pointwise; /* 1x1, stride 1, same size: output pixel m reads input pixel m */
  char *scratch;
  size_t slot_bytes;
  int n_slots;
  nq_fast_slots slots;
};

static bool conv_geometry_ok(const nq_kernel_args *a) {
  if (a->n_in < 2 || a->in[0].rank != 4 || a->in[1].rank != 4 || a->out[0].rank != 4) return false;
  const nq_tview *x = &a->in[0], *f = &a->in[1], *y = &a->out[0];
  const int dh = a->p->dilation_h > 0 ? a->p->dilation_h : 1,
            dw = a->p->dilation_w > 0 ? a->p->dilation_w : 1;
  const size_t k = (size_t)f->shape[1] * (size_t)f->shape[2] * (size_t)f->shape[3];
  return f->shape[3] == x->shape[3] && f->shape[0] == y->shape[3] && x->shape[0] == y->shape[0] && k >= 1 &&
         k <= (1u << 26) &&
         nq_fast_window_fits(x->shape[1], x->shape[2], y->shape[1], y->shape[2], f->shape[1], f->shape[2],
                             a->p->stride_h, a->p->stride_w, dh, dw);
}

static size_t fast_scratch(const nq_kernel_args *a, size_t k, size_t ref) {
  size_t fast = nq_i8_gemm_slot_bytes(k) * (size_t)nq_i8_slot_count(a);
  return fast > ref ? fast : ref;
}

void nq_i8_conv_fast_release(void *prepared) {
  qconv_prepared *qp = prepared;
  if (!qp) return;
  free(qp->ref);
  nq_qgemm_free(&qp->w);
  nq_i8_vnni_free(&qp->v);
  free(qp);
}

/* Wrap the reference prepare's block and, when `fast`, pack its weights. */
static nq_status wrap_prepared(const nq_kernel_args *a, void *ref, bool fast, int n, int k, void **prepared,
                               nq_error *err) {
  qconv_prepared *qp = calloc(1, sizeof *qp);
  if (!qp) {
    free(ref);
    return nq_i8_fail(a, err, "out of memory");
  }
  qp->ref = ref;
  if (fast) {
    /* The session's kernel set is the one `run` will see. */
    const bool vnni = nq_i8_vnni_usable() && qp->ref->w_maxabs <= 127;
    nq_status s =
        vnni ? nq_i8_vnni_pack(qp->ref->w, n, k, &qp->v, err) : nq_qgemm_pack(qp->ref->w, n, k, &qp->w, err);
    if (s != NQ_OK) {
      nq_i8_conv_fast_release(qp);
      return s;
    }
  }
  *prepared = qp;
  return NQ_OK;
}

/* Whether weights were packed, and their n x k. */
static bool packed(const qconv_prepared *qp, int *n, int *k) {
  *n = qp->v.panels ? qp->v.n : qp->w.n;
  *k = qp->v.panels ? qp->v.k : qp->w.k;
  return qp->v.panels || qp->w.panels;
}

/* The reference kernel on the reference's own prepared block. */
static nq_status hand_off(const nq_kernel_args *a, nq_kernel_fn ref_run, nq_error *err) {
  nq_kernel_args r = *a;
  r.prepared = ((const qconv_prepared *)a->prepared)->ref;
  return ref_run(&r, err);
}

/* dst[i] = src[i] - zp for count 8-bit values. */
static void centre_copy(int16_t *dst, const void *src, nq_dtype t, size_t off, int count, int32_t zp) {
  if (t == NQ_UINT8) {
    const uint8_t *s = (const uint8_t *)src + off;
    for (int i = 0; i < count; i++) dst[i] = (int16_t)((int32_t)s[i] - zp);
  } else {
    const int8_t *s = (const int8_t *)src + off;
    for (int i = 0; i < count; i++) dst[i] = (int16_t)((int32_t)s[i] - zp);
  }
}

/* dst[i] = src[i] - zp + off for count 8-bit values: x + 128 for int8
 * (off = zp + 128), x for uint8 (off = zp). */
static void offset_copy(uint8_t *dst, const void *src, nq_dtype t, size_t off, int count) {
  const uint8_t *s = (const uint8_t *)src + off;
  if (t == NQ_UINT8)
    memcpy(dst, s, (size_t)count);
  else
    for (int i = 0; i < count; i++) dst[i] = (uint8_t)(s[i] ^ 0x80u);
}

/* CONV_2D: row i = the receptive field of pixel m0 + i in (ky, kx, ci) order. */
static void fill_conv(const qconv_job *j, int m0, int mr, void *rows_v) {
  int16_t *rows = rows_v;
  const int32_t zp = j->qp->ref->in_zp;
  const int kp = j->qp->w.kp, k = j->qp->w.k, plane = j->oh * j->ow;
  if (j->pointwise && kp == k) { /* the rows are the input pixels, back to back */
    centre_copy(rows, j->in, j->in_type, (size_t)m0 * k, mr * k, zp);
    return;
  }
  for (int i = 0; i < mr; i++) {
    const int m = m0 + i, n = m / plane, r = m % plane, oy = r / j->ow, ox = r % j->ow;
    const int iy0 = oy * j->sh - j->ph, ix0 = ox * j->sw - j->pw;
    int16_t *dst = rows + (size_t)i * kp;
    for (int ky = 0; ky < j->kh; ky++) {
      const int iy = iy0 + ky * j->dh;
      for (int kx = 0; kx < j->kw; kx++, dst += j->c) {
        const int ix = ix0 + kx * j->dw;
        if (iy < 0 || iy >= j->h || ix < 0 || ix >= j->w) {
          memset(dst, 0, (size_t)j->c * sizeof *dst);
          continue;
        }
        centre_copy(dst, j->in, j->in_type, (((size_t)n * j->h + iy) * j->w + ix) * j->c, j->c, zp);
      }
    }
    if (kp > k) rows[(size_t)i * kp + k] = 0;
  }
}

/* fill_conv for VNNI rows. */
static void fill_conv_u8(const qconv_job *j, int m0, int mr, void *rows_v) {
  uint8_t *rows = rows_v;
  const int kq = j->qp->v.kq, k = j->qp->v.k, plane = j->oh * j->ow;
  if (j->pointwise && kq == k) { /* the rows are the input pixels, back to back */
    offset_copy(rows, j->in, j->in_type, (size_t)m0 * k, mr * k);
    return;
  }
  for (int i = 0; i < mr; i++) {
    const int m = m0 + i, n = m / plane, r = m % plane, oy = r / j->ow, ox = r % j->ow;
    const int iy0 = oy * j->sh - j->ph, ix0 = ox * j->sw - j->pw;
    uint8_t *dst = rows + (size_t)i * kq;
    for (int ky = 0; ky < j->kh; ky++) {
      const int iy = iy0 + ky * j->dh;
      for (int kx = 0; kx < j->kw; kx++, dst += j->c) {
        const int ix = ix0 + kx * j->dw;
        if (iy < 0 || iy >= j->h || ix < 0 || ix >= j->w)
          memset(dst, j->off, (size_t)j->c); /* padding: x = zp_x */
        else
          offset_copy(dst, j->in, j->in_type, (((size_t)n * j->h + iy) * j->w + ix) * j->c, j->c);
      }
    }
    memset(rows + (size_t)i * kq + k, 0, (size_t)(kq - k));
  }
}

/* FULLY_CONNECTED, VNNI rows. */
static void fill_fc_u8(const qconv_job *j, int m0, int mr, void *rows_v) {
  uint8_t *rows = rows_v;
  const int kq = j->qp->v.kq, k = j->qp->v.k;
  for (int i = 0; i < mr; i++) {
    offset_copy(rows + (size_t)i * kq, j->in, j->in_type, (size_t)(m0 + i) * k, k);
    memset(rows + (size_t)i * kq + k, 0, (size_t)(kq - k));
  }
}

/* FULLY_CONNECTED: row i = input row m0 + i. */
static void fill_fc(const qconv_job *j, int m0, int mr, void *rows_v) {
  int16_t *rows = rows_v;
  const int kp = j->qp->w.kp, k = j->qp->w.k;
  for (int i = 0; i < mr; i++) {
    centre_copy(rows + (size_t)i * kp, j->in, j->in_type, (size_t)(m0 + i) * k, k, j->qp->ref->in_zp);
    if (kp > k) rows[(size_t)i * kp + k] = 0;
  }
}

/* Requantize the int32 accumulators of a tile (rows i < mr). */
static void finish_tile(const qconv_job *j, const int32_t *acc, int c0, int nc, int mr, char *out_row) {
  for (int i = 0; i < mr; i++) {
    const size_t off = (size_t)i * j->n + c0;
    if (j->simd)
      nq_i8_wfinish_row_simd(j->qp->ref, c0, nc, acc + i * NQ_QGEMM_NR, out_row, j->out_type, off);
    else
      nq_i8_wfinish_row(j->qp->ref, c0, nc, acc + i * NQ_QGEMM_NR, out_row, j->out_type, off, j->single);
  }
}

/* Blocks [b0, b1), channel panels [p0, p1). */
static void run_range(const qconv_job *j, char *rows, int b0, int b1, int p0, int p1) {
  const nq_qpacked *w = &j->qp->w;
  const size_t rbytes = j->row_bytes;
  int32_t acc[NQ_QGEMM_MR * NQ_QGEMM_NR];
  for (int b = b0; b < b1; b++) {
    const int m0 = b * j->rb, mb = j->m_total - m0 < j->rb ? j->m_total - m0 : j->rb;
    j->fill(j, m0, mb, rows);
    /* Rows past the last pixel of a tile are computed and discarded: give
     * them defined values. */
    const int mb_up = (mb + NQ_QGEMM_MR - 1) / NQ_QGEMM_MR * NQ_QGEMM_MR;
    memset(rows + (size_t)mb * rbytes, 0, (size_t)(mb_up - mb) * rbytes);
    for (int p = p0; p < p1; p++) {
      const int c0 = p * NQ_QGEMM_NR, nc = j->n - c0 < NQ_QGEMM_NR ? j->n - c0 : NQ_QGEMM_NR;
      for (int t0 = 0; t0 < mb; t0 += NQ_QGEMM_MR) {
        const int mr = mb - t0 < NQ_QGEMM_MR ? mb - t0 : NQ_QGEMM_MR;
        const char *a = rows + (size_t)t0 * rbytes;
        char *out_row = (char *)j->out + (size_t)(m0 + t0) * j->n; /* 8-bit outputs */
        if (j->vnni) {
          if (j->simd && nc == NQ_QGEMM_NR) {
            nq_i8_vnni_tile_requant(&j->qp->v, p, (const uint8_t *)a, rbytes, j->off, j->qp->ref, mr, out_row,
                                    (size_t)j->n, j->out_type);
            continue;
          }
          nq_i8_vnni_tile(&j->qp->v, p, (const uint8_t *)a, rbytes, j->off, acc);
        } else {
          const int16_t *panel = w->panels + (size_t)p * w->kp * NQ_QGEMM_NR;
          const int16_t *a16 = (const int16_t *)(const void *)a;
          if (j->simd) {
            nq_i8_qgemm_tile_simd(j->qp->ref, w->kp, a16, (size_t)w->kp, panel, c0, nc, mr, out_row,
                                  (size_t)j->n, j->out_type);
            continue;
          }
          j->ukernel(w->kp, a16, (size_t)w->kp, panel, acc);
        }
        finish_tile(j, acc, c0, nc, mr, out_row);
      }
    }
  }
}

static void task(void *ctx, int k) {
  qconv_job *j = ctx;
  const int slot = nq_fast_slot_take(&j->slots, j->n_slots);
  char *rows = j->scratch + (size_t)slot * j->slot_bytes;
  if (j->split_m)
    run_range(j, rows, (int)((long)j->n_blocks * k / j->n_tasks),
              (int)((long)j->n_blocks * (k + 1) / j->n_tasks), 0, j->n_panels);
  else
    run_range(j, rows, 0, j->n_blocks, (int)((long)j->n_panels * k / j->n_tasks),
              (int)((long)j->n_panels * (k + 1) / j->n_tasks));
  nq_fast_slot_give(&j->slots, slot);
}

/* Share the work out and run it: pixels when there are enough of them,
 * channel panels otherwise (a FULLY_CONNECTED with batch 1). */
static nq_status run_job(const nq_kernel_args *a, qconv_job *j, nq_error *err) {
  j->ukernel = nq_qgemm_pick();
  j->in = a->in[0].data;
  j->in_type = a->in[0].type;
  j->out = a->out[0].data;
  j->out_type = a->out[0].type;
  j->single = a->single_rounding;
  j->simd = nq_i8_simd_ok(j->qp->ref, j->single);
  j->vnni = j->qp->v.panels != NULL;
  j->n = j->vnni ? j->qp->v.n : j->qp->w.n;
  j->k = j->vnni ? j->qp->v.k : j->qp->w.k;
  j->n_panels = j->vnni ? j->qp->v.n_panels : j->qp->w.n_panels;
  j->row_bytes = j->vnni ? (size_t)j->qp->v.kq : (size_t)j->qp->w.kp * sizeof(int16_t);
  j->off = j->qp->ref->in_zp + (j->in_type == NQ_UINT8 ? 0 : 128);
  j->slot_bytes = nq_i8_gemm_slot_bytes((size_t)j->k);
  int threads = nq_i8_slot_count(a);
  const size_t fit = a->scratch ? a->scratch_size / j->slot_bytes : 0;
  if ((size_t)threads > fit) threads = (int)fit;
  if (threads < 1)
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, j->slot_bytes);
  const int tiles = (j->m_total + NQ_QGEMM_MR - 1) / NQ_QGEMM_MR, panels = j->n_panels;
  j->split_m = tiles >= 4 * threads || panels < threads;
  /* Blocks as large as the cache allows, but when splitting pixels, at
   * least 4 per thread so that the dynamic claiming can balance. */
  j->rb = nq_i8_gemm_block_rows((size_t)j->k);
  if (j->split_m && threads > 1 && tiles < (j->rb / NQ_QGEMM_MR) * 4 * threads) {
    const int per = (tiles + 4 * threads - 1) / (4 * threads);
    j->rb = (per < 1 ? 1 : per) * NQ_QGEMM_MR;
  }
  j->n_blocks = (j->m_total + j->rb - 1) / j->rb;
  const int units = j->split_m ? j->n_blocks : panels;
  /* Several tasks per thread, claimed dynamically; each keeps >= ~64K MACs. */
  const double macs = (double)j->k * (double)j->m_total * (double)panels * NQ_QGEMM_NR;
  j->n_tasks = nq_i8_task_count(threads, 8, macs, units);
  j->n_slots = threads;
  j->scratch = a->scratch;
  atomic_init(&j->slots.busy, 0u);
  nq_threadpool_run(j->n_tasks > 1 ? a->pool : NULL, j->n_tasks, task, j);
  return NQ_OK;
}

/* ---- CONV_2D ---- */

nq_status nq_i8_conv_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  void *ref = NULL;
  nq_status st = nq_i8_conv_prepare(a, &ref, err);
  if (st != NQ_OK) { /* whatever the reference allocated before failing */
    free(ref);
    return st;
  }
  const bool fast = conv_geometry_ok(a);
  const nq_tview *f = &a->in[1];
  return wrap_prepared(a, ref, fast, f->shape[0], fast ? f->shape[1] * f->shape[2] * f->shape[3] : 0,
                       prepared, err);
}

size_t nq_i8_conv_fast_scratch(const nq_kernel_args *a) {
  const size_t ref = nq_i8_conv_scratch(a);
  if (!conv_geometry_ok(a)) return ref;
  const nq_tview *f = &a->in[1];
  return fast_scratch(a, (size_t)f->shape[1] * f->shape[2] * f->shape[3], ref);
}

nq_status nq_i8_conv_fast_run(const nq_kernel_args *a, nq_error *err) {
  const qconv_prepared *qp = a->prepared;
  if (!qp) return nq_i8_fail(a, err, "not prepared");
  int pn, pk;
  /* VNNI panels in a session whose kernels cannot run them: cannot happen
   * (prepare saw the same set), but the reference can always run. */
  if (!packed(qp, &pn, &pk) || !conv_geometry_ok(a) || (qp->v.panels && !nq_i8_vnni_usable()))
    return hand_off(a, nq_i8_conv_run, err);
  const nq_tview *x = &a->in[0], *f = &a->in[1], *y = &a->out[0];
  qconv_job j = {.qp = qp,
                 .fill = fill_conv,
                 .h = x->shape[1],
                 .w = x->shape[2],
                 .c = x->shape[3],
                 .oh = y->shape[1],
                 .ow = y->shape[2],
                 .kh = f->shape[1],
                 .kw = f->shape[2],
                 .sh = a->p->stride_h,
                 .sw = a->p->stride_w,
                 .dh = a->p->dilation_h > 0 ? a->p->dilation_h : 1,
                 .dw = a->p->dilation_w > 0 ? a->p->dilation_w : 1};
  if (f->shape[0] != pn || j.kh * j.kw * j.c != pk)
    return nq_i8_fail(a, err, "weights [%d,%d,%d,%d] do not match the prepared %d x %d", f->shape[0], j.kh,
                      j.kw, j.c, pn, pk);
  if (qp->v.panels) j.fill = fill_conv_u8;
  NQ_TRY(nq_i8_check_window(a, "height", j.h, j.oh, j.sh, j.dh, j.kh, err));
  NQ_TRY(nq_i8_check_window(a, "width", j.w, j.ow, j.sw, j.dw, j.kw, err));
  j.ph = nq_i8_pad_before(j.h, j.oh, j.sh, j.dh, j.kh);
  j.pw = nq_i8_pad_before(j.w, j.ow, j.sw, j.dw, j.kw);
  j.pointwise = j.kh == 1 && j.kw == 1 && j.sh == 1 && j.sw == 1 && j.ph == 0 && j.pw == 0 && j.oh == j.h &&
                j.ow == j.w;
  const size_t m = (size_t)x->shape[0] * (size_t)j.oh * (size_t)j.ow;
  if (m == 0) return NQ_OK;
  if (m > ((size_t)1 << 30)) return nq_i8_fail(a, err, "%zu output pixels, at most 2^30", m);
  j.m_total = (int)m;
  return run_job(a, &j, err);
}

/* ---- FULLY_CONNECTED ---- */

nq_status nq_i8_fc_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  void *ref = NULL;
  nq_status st = nq_i8_fc_prepare(a, &ref, err);
  if (st != NQ_OK) { /* whatever the reference allocated before failing */
    free(ref);
    return st;
  }
  const nq_tview *f = &a->in[1];
  const bool fast = f->shape[0] >= 1 && f->shape[1] >= 1 && f->shape[1] <= (1 << 26);
  return wrap_prepared(a, ref, fast, f->shape[0], f->shape[1], prepared, err);
}

size_t nq_i8_fc_fast_scratch(const nq_kernel_args *a) {
  const size_t ref = nq_i8_fc_scratch(a);
  if (a->n_in < 2 || a->in[1].rank != 2 || a->in[1].shape[1] < 1) return ref;
  return fast_scratch(a, (size_t)a->in[1].shape[1], ref);
}

nq_status nq_i8_fc_fast_run(const nq_kernel_args *a, nq_error *err) {
  const qconv_prepared *qp = a->prepared;
  if (!qp) return nq_i8_fail(a, err, "not prepared");
  int pn, pk;
  if (!packed(qp, &pn, &pk) || (qp->v.panels && !nq_i8_vnni_usable())) return hand_off(a, nq_i8_fc_run, err);
  const nq_tview *f = &a->in[1];
  const size_t in_n = nq_tview_elems(&a->in[0]), out_n = nq_tview_elems(&a->out[0]);
  const int o = f->shape[0], i = f->shape[1];
  if (o != pn || i != pk || in_n % (size_t)i != 0 || out_n != in_n / (size_t)i * (size_t)o)
    return nq_i8_fail(a, err,
                      "input of %zu elements, weights [%d,%d] and output of %zu elements do not match", in_n,
                      o, i, out_n);
  const size_t m = in_n / (size_t)i;
  if (m == 0) return NQ_OK;
  if (m > ((size_t)1 << 30)) return nq_i8_fail(a, err, "%zu input rows, at most 2^30", m);
  qconv_job j = {.qp = qp, .fill = qp->v.panels ? fill_fc_u8 : fill_fc, .m_total = (int)m};
  return run_job(a, &j, err);
}
