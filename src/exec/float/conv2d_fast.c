/*
 * Fast CONV_2D (float32, NHWC input, OHWI filter, TFLite semantics) as an
 * indirect GEMM (exec/gemm.h): output pixels are GEMM rows, output channels
 * GEMM columns, and for every tile of NQ_GEMM_MR pixels each filter tap gets
 * a pointer to the Cin input floats it reads, or to a zero row where SAME
 * padding reads outside the image. 1x1 stride-1 convolution is the special
 * case where the pointers are simply consecutive input pixels (a direct
 * GEMM on NHWC). With fewer than 16 input channels (first layers on RGB)
 * the taps of a tile are copied into MR contiguous im2col rows instead, so
 * the micro-kernel runs one K-long loop rather than taps loops of 3.
 * Constant weights are packed once in prepare; weights computed at run time
 * (DEQUANTIZE of float16 weights) are packed into scratch on each run.
 *
 * Threads take tasks (ranges of pixel tiles, or of channel panels when
 * pixels are few) dynamically, several per thread so that a thread that
 * starts late or is descheduled holds up little. Each running task borrows
 * a scratch slot (nq_fast_slots) for its pointer table / im2col rows.
 *
 * Falls back to the reference kernel for anything else: non-float tensors,
 * TANH/SIGN_BIT fused activations, absurd sizes (K > 2^26).
 */
#include <stdlib.h>
#include <string.h>

#include "exec/float/fast_common.h"
#include "exec/float/fast_kernels.h"
#include "exec/float/window_fast.h"
#include "exec/gemm.h"

typedef struct conv_prepared {
  nq_packed_w w;
  float *zero; /* cin zeros: what padding taps read */
  int cin, kh, kw;
} conv_prepared;

typedef struct conv_job {
  const conv_prepared *cp;
  const nq_packed_w *wts; /* cp->w, or the weights packed into scratch for this run */
  const float *in;
  float *out;
  int batch, h, w, oh, ow, cout;
  int stride_h, stride_w, dil_h, dil_w, pad_t, pad_l;
  float lo, hi;
  int m_total, split_m, n_tasks;
  bool direct;             /* 1x1 stride-1 unpadded: a plain GEMM over the NHWC input */
  void *scratch;           /* per slot: MR * taps pointers, then MR im2col rows of K floats */
  size_t per_task_scratch; /* bytes per slot, a multiple of 64 */
  size_t shared_scratch;   /* bytes before the first slot (tap_off) */
  const size_t *tap_off;   /* per tap, floats from the window's first input */
  bool im2col;
  int n_slots;
  nq_fast_slots slots;
} conv_job;

/* The GEMM indexes K and tap tables with int; real models are far below. */
#define CONV_MAX_K (1 << 26)

static bool conv_fast_applies(const nq_kernel_args *a) {
  float lo, hi;
  if (a->n_in < 2 || a->in[1].rank != 4) return false;
  size_t k = (size_t)a->in[1].shape[1] * (size_t)a->in[1].shape[2] * (size_t)a->in[1].shape[3];
  return k > 0 && k <= CONV_MAX_K && a->n_in >= 2 && a->n_out >= 1 && nq_fast_is_f32(a, 0, 4) &&
         nq_fast_is_f32(a, 1, 4) && (a->n_in < 3 || !a->in[2].data || nq_fast_is_f32(a, 2, 1)) &&
         a->out[0].type == NQ_FLOAT32 && a->out[0].rank == 4 && nq_fast_act_range(a->p->act, &lo, &hi) &&
         a->in[1].shape[3] == a->in[0].shape[3] && a->in[1].shape[0] == a->out[0].shape[3] &&
         a->p->stride_h > 0 && a->p->stride_w > 0 &&
         nq_fast_window_fits(a->in[0].shape[1], a->in[0].shape[2], a->out[0].shape[1], a->out[0].shape[2],
                             a->in[1].shape[1], a->in[1].shape[2], a->p->stride_h, a->p->stride_w,
                             a->p->dilation_h, a->p->dilation_w);
}

/* Constant weights (and bias) are packed once in prepare; weights computed
 * at run time (e.g. a DEQUANTIZE of float16 weights) are packed into
 * scratch on every run, which costs K*N stores against M*K*N FMAs. */
static bool conv_weights_const(const nq_kernel_args *a) {
  return nq_fast_input_is_const(a, 1) && (a->n_in < 3 || !a->in[2].data || nq_fast_input_is_const(a, 2));
}

static size_t conv_packed_bytes(const nq_kernel_args *a) {
  if (conv_weights_const(a)) return 0;
  int k = a->in[1].shape[1] * a->in[1].shape[2] * a->in[1].shape[3]; /* <= CONV_MAX_K */
  return (nq_gemm_packed_floats(a->in[1].shape[0], k) * sizeof(float) + 63) / 64 * 64;
}

void nq_conv2d_fast_release(void *prepared) {
  conv_prepared *cp = prepared;
  if (!cp) return;
  nq_gemm_free(&cp->w);
  free(cp->zero);
  free(cp);
}

nq_status nq_conv2d_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  NQ_TRY(nq_fast_ref_check(NQ_OP_CONV_2D, a, err));
  if (!conv_fast_applies(a)) return NQ_OK; /* run() hands off to the reference */
  const nq_tview *f = &a->in[1];
  conv_prepared *cp = calloc(1, sizeof *cp);
  if (!cp) return nq_fail(err, NQ_ERR_NOMEM, "node %d (CONV_2D): out of memory", a->node_index);
  cp->cin = f->shape[3];
  cp->kh = f->shape[1];
  cp->kw = f->shape[2];
  cp->zero = calloc((size_t)cp->cin, sizeof(float));
  const float *bias = a->n_in >= 3 ? a->in[2].data : NULL;
  nq_status s =
      cp->zero ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "node %d (CONV_2D): out of memory", a->node_index);
  if (s == NQ_OK && conv_weights_const(a))
    s = nq_gemm_pack(f->data, bias, f->shape[0], f->shape[1] * f->shape[2] * f->shape[3], &cp->w, err);
  if (s == NQ_OK && !cp->w.panels) { /* packed per run; keep the shape for checks */
    cp->w.n = f->shape[0];
    cp->w.k = f->shape[1] * f->shape[2] * f->shape[3];
    cp->w.n_panels = (cp->w.n + NQ_GEMM_NR - 1) / NQ_GEMM_NR;
  }
  if (s != NQ_OK) {
    nq_conv2d_fast_release(cp);
    return nq_prefix(err, "node %d (CONV_2D): ", a->node_index);
  }
  *prepared = cp;
  return NQ_OK;
}

/* With few input channels (a first layer on RGB) the micro-kernel's inner
 * loop would run cin = 3 times per tap; copying the taps of each tile into
 * contiguous rows (im2col, MR rows at a time) gives it one K-long loop. */
static bool conv_uses_im2col(int cin, int taps) { return cin < 16 && taps > 1; }

static size_t conv_per_thread_scratch(const nq_kernel_args *a) {
  size_t cin = (size_t)a->in[1].shape[3];
  size_t taps = (size_t)a->in[1].shape[1] * (size_t)a->in[1].shape[2];
  size_t bytes = (taps * NQ_GEMM_MR * sizeof(float *) + 63) / 64 * 64;
  if (conv_uses_im2col((int)cin, (int)taps))
    bytes += (NQ_GEMM_MR * taps * cin * sizeof(float) + 63) / 64 * 64;
  return bytes;
}

/* Scratch shared by all tasks: each tap's offset in floats from a pixel's
 * first input (for pixels whose whole window is inside the image), then the
 * weights packed for this run when they are not constant. */
static size_t conv_tap_off_bytes(const nq_kernel_args *a) {
  size_t taps = (size_t)a->in[1].shape[1] * (size_t)a->in[1].shape[2];
  return (taps * sizeof(size_t) + 63) / 64 * 64;
}

static size_t conv_shared_scratch(const nq_kernel_args *a) {
  return conv_tap_off_bytes(a) + conv_packed_bytes(a);
}

size_t nq_conv2d_fast_scratch(const nq_kernel_args *a) {
  size_t ref = nq_fast_ref_scratch(NQ_OP_CONV_2D, a);
  if (!conv_fast_applies(a)) return ref;
  int threads = nq_threadpool_size(a->pool);
  if (threads > NQ_FAST_MAX_SLOTS) threads = NQ_FAST_MAX_SLOTS;
  size_t fast = conv_shared_scratch(a) + conv_per_thread_scratch(a) * (size_t)threads;
  return fast > ref ? fast : ref;
}

/* Pointers for pixels m0 .. m0+mr-1 (rows past mr repeat m0), tap-major.
 * One division per tile, then the pixel position is stepped, because for
 * small channel counts this runs about as often as the micro-kernel. */
static void fill_ptrs(const conv_job *j, int m0, int mr, const float **ptrs) {
  const conv_prepared *cp = j->cp;
  if (j->direct) { /* 1x1, stride 1, no padding: output pixel m reads input pixel m */
    for (int i = 0; i < NQ_GEMM_MR; i++) ptrs[i] = j->in + (size_t)(m0 + (i < mr ? i : 0)) * cp->cin;
    return;
  }
  const int plane = j->oh * j->ow;
  int n = m0 / plane, r = m0 % plane;
  int oy = r / j->ow, ox = r % j->ow;
  for (int i = 0; i < NQ_GEMM_MR; i++) {
    if (i >= mr) { /* repeat row 0 */
      for (int t = 0; t < cp->kh * cp->kw; t++) ptrs[t * NQ_GEMM_MR + i] = ptrs[t * NQ_GEMM_MR];
      continue;
    }
    const int iy0 = oy * j->stride_h - j->pad_t, ix0 = ox * j->stride_w - j->pad_l;
    const float *img = j->in + (size_t)n * j->h * j->w * cp->cin;
    if (iy0 >= 0 && iy0 + (cp->kh - 1) * j->dil_h < j->h && ix0 >= 0 &&
        ix0 + (cp->kw - 1) * j->dil_w < j->w) { /* interior: no bounds checks */
      const float *base = img + ((size_t)iy0 * j->w + (size_t)ix0) * cp->cin;
      const int taps = cp->kh * cp->kw;
      for (int t = 0; t < taps; t++) ptrs[t * NQ_GEMM_MR + i] = base + j->tap_off[t];
    } else {
      for (int ky = 0; ky < cp->kh; ky++) {
        const int iy = iy0 + ky * j->dil_h;
        const bool row_ok = iy >= 0 && iy < j->h;
        const float *line = img + (size_t)(row_ok ? iy : 0) * j->w * cp->cin;
        for (int kx = 0; kx < cp->kw; kx++) {
          const int ix = ix0 + kx * j->dil_w;
          ptrs[(ky * cp->kw + kx) * NQ_GEMM_MR + i] =
              (row_ok && ix >= 0 && ix < j->w) ? line + (size_t)ix * cp->cin : cp->zero;
        }
      }
    }
    if (++ox == j->ow) {
      ox = 0;
      if (++oy == j->oh) {
        oy = 0;
        n++;
      }
    }
  }
}

/* im2col rows for pixels m0 .. m0+mr-1 (rows past mr copy row 0): row i
 * holds the K = KH*KW*Cin inputs of pixel m0+i in (ky, kx, ci) order, zeros
 * where the window leaves the image. With dilation 1 the taps of one filter
 * row are contiguous in NHWC, so each filter row is one copy. */
static void fill_rows(const conv_job *j, int m0, int mr, float *rows) {
  const conv_prepared *cp = j->cp;
  const int cin = cp->cin, k = j->wts->k, row_len = cp->kw * cin;
  const int plane = j->oh * j->ow;
  int n = m0 / plane, r = m0 % plane;
  int oy = r / j->ow, ox = r % j->ow;
  for (int i = 0; i < NQ_GEMM_MR; i++) {
    float *dst = rows + (size_t)i * k;
    if (i >= mr) {
      memcpy(dst, rows, (size_t)k * sizeof(float));
      continue;
    }
    const int iy0 = oy * j->stride_h - j->pad_t, ix0 = ox * j->stride_w - j->pad_l;
    int kx0, kx1;
    nq_window_taps(ix0, j->dil_w, j->w, cp->kw, &kx0, &kx1);
    const float *img = j->in + (size_t)n * j->h * j->w * cin;
    for (int ky = 0; ky < cp->kh; ky++, dst += row_len) {
      const int iy = iy0 + ky * j->dil_h;
      if (iy < 0 || iy >= j->h || kx0 >= kx1) {
        memset(dst, 0, (size_t)row_len * sizeof(float));
        continue;
      }
      const float *line = img + (size_t)iy * j->w * cin;
      if (kx0 > 0) memset(dst, 0, (size_t)kx0 * cin * sizeof(float));
      if (j->dil_w == 1) {
        memcpy(dst + kx0 * cin, line + (size_t)(ix0 + kx0) * cin, (size_t)(kx1 - kx0) * cin * sizeof(float));
      } else {
        for (int kx = kx0; kx < kx1; kx++)
          memcpy(dst + kx * cin, line + (size_t)(ix0 + kx * j->dil_w) * cin, (size_t)cin * sizeof(float));
      }
      if (kx1 < cp->kw) memset(dst + kx1 * cin, 0, (size_t)(cp->kw - kx1) * cin * sizeof(float));
    }
    if (++ox == j->ow) {
      ox = 0;
      if (++oy == j->oh) {
        oy = 0;
        n++;
      }
    }
  }
}

/* Output tiles [t0, t1) x panels [p0, p1), panels blocked so a block of
 * packed weights stays in L2 while the tiles stream past it. */
static void conv_range(const conv_job *j, const float **ptrs, float *rows, int t0, int t1, int p0, int p1) {
  const conv_prepared *cp = j->cp;
  const int taps = cp->kh * cp->kw, k = j->wts->k;
  size_t panel_bytes = (size_t)k * NQ_GEMM_NR * sizeof(float);
  int block = (int)((256u * 1024u) / (panel_bytes ? panel_bytes : 1));
  if (block < 1) block = 1;
  for (int pb = p0; pb < p1; pb += block) {
    int pe = pb + block < p1 ? pb + block : p1;
    for (int t = t0; t < t1; t++) {
      int m0 = t * NQ_GEMM_MR;
      int mr = j->m_total - m0 < NQ_GEMM_MR ? j->m_total - m0 : NQ_GEMM_MR;
      float *out = j->out + (size_t)m0 * j->cout;
      if (!rows) {
        fill_ptrs(j, m0, mr, ptrs);
        nq_gemm_rows(j->wts, taps, cp->cin, ptrs, mr, out, (size_t)j->cout, pb, pe, j->lo, j->hi);
        continue;
      }
      fill_rows(j, m0, mr, rows);
      const float *row_ptrs[NQ_GEMM_MR];
      for (int i = 0; i < NQ_GEMM_MR; i++) row_ptrs[i] = rows + (size_t)i * k;
      nq_gemm_rows(j->wts, 1, k, row_ptrs, mr, out, (size_t)j->cout, pb, pe, j->lo, j->hi);
    }
  }
}

static void conv_task(void *ctx, int task) {
  conv_job *j = ctx;
  int taps = j->cp->kh * j->cp->kw;
  int slot = nq_fast_slot_take(&j->slots, j->n_slots);
  char *slice = (char *)j->scratch + j->shared_scratch + (size_t)slot * j->per_task_scratch;
  const float **ptrs = (const float **)(void *)slice;
  float *rows = j->im2col
                    ? (float *)(void *)(slice + ((size_t)taps * NQ_GEMM_MR * sizeof(float *) + 63) / 64 * 64)
                    : NULL;
  int tiles = (j->m_total + NQ_GEMM_MR - 1) / NQ_GEMM_MR;
  int panels = j->wts->n_panels;
  if (j->split_m) {
    int t0 = (int)((long)tiles * task / j->n_tasks), t1 = (int)((long)tiles * (task + 1) / j->n_tasks);
    conv_range(j, ptrs, rows, t0, t1, 0, panels);
  } else {
    int p0 = (int)((long)panels * task / j->n_tasks), p1 = (int)((long)panels * (task + 1) / j->n_tasks);
    conv_range(j, ptrs, rows, 0, tiles, p0, p1);
  }
  nq_fast_slot_give(&j->slots, slot);
}

nq_status nq_conv2d_fast_run(const nq_kernel_args *a, nq_error *err) {
  const conv_prepared *cp = a->prepared;
  if (!cp || !conv_fast_applies(a)) return nq_fast_delegate(NQ_OP_CONV_2D, a, err);
  const nq_tview *x = &a->in[0], *y = &a->out[0];
  if (x->shape[3] != cp->cin || a->in[1].shape[0] != cp->w.n || y->shape[0] != x->shape[0])
    return nq_fail(err, NQ_ERR_SHAPE,
                   "node %d (CONV_2D): input %dx%dx%dx%d / output batch %d do not match the "
                   "prepared %d input channels",
                   a->node_index, x->shape[0], x->shape[1], x->shape[2], x->shape[3], y->shape[0], cp->cin);
  conv_job j = {.cp = cp,
                .in = x->data,
                .out = y->data,
                .batch = x->shape[0],
                .h = x->shape[1],
                .w = x->shape[2],
                .oh = y->shape[1],
                .ow = y->shape[2],
                .cout = y->shape[3],
                .stride_h = a->p->stride_h,
                .stride_w = a->p->stride_w,
                .dil_h = a->p->dilation_h,
                .dil_w = a->p->dilation_w};
  nq_fast_act_range(a->p->act, &j.lo, &j.hi);
  j.pad_t = nq_fast_pad_before(a->p->padding, j.h, j.oh, j.stride_h, cp->kh, j.dil_h);
  j.pad_l = nq_fast_pad_before(a->p->padding, j.w, j.ow, j.stride_w, cp->kw, j.dil_w);
  j.direct = cp->kh == 1 && cp->kw == 1 && j.stride_h == 1 && j.stride_w == 1 && j.pad_t == 0 &&
             j.pad_l == 0 && j.oh == j.h && j.ow == j.w;
  size_t m = (size_t)j.batch * (size_t)j.oh * (size_t)j.ow;
  if (m == 0) return NQ_OK;
  if (m > (size_t)1 << 30)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "node %d (CONV_2D): %zu output pixels, at most 2^30",
                   a->node_index, m);
  j.m_total = (int)m;
  const size_t shared = conv_shared_scratch(a), per_thread = conv_per_thread_scratch(a);
  int threads = nq_threadpool_size(a->pool);
  if (threads > NQ_FAST_MAX_SLOTS) threads = NQ_FAST_MAX_SLOTS;
  size_t fit = a->scratch && a->scratch_size >= shared ? (a->scratch_size - shared) / per_thread : 0;
  if ((size_t)threads > fit) threads = (int)fit;
  if (threads < 1)
    return nq_fail(err, NQ_ERR_INTERNAL, "node %d (CONV_2D): scratch of %zu bytes, %zu expected",
                   a->node_index, a->scratch_size, shared + per_thread);
  int tiles = (j.m_total + NQ_GEMM_MR - 1) / NQ_GEMM_MR;
  /* Prefer splitting pixels (each thread reads all weights once per block);
   * split channels when pixels are too few to share out evenly. */
  j.split_m = tiles >= 4 * threads || cp->w.n_panels < threads;
  int units = j.split_m ? tiles : cp->w.n_panels;
  /* Several tasks per thread, claimed dynamically: threads that start late
   * or get descheduled hold up little. Each task keeps >= ~64K MACs. */
  double macs_per_unit =
      (double)cp->w.k * (j.split_m ? (double)NQ_GEMM_MR * cp->w.n : (double)NQ_GEMM_NR * j.m_total);
  int want = threads == 1 ? 1 : 8 * threads;
  double by_size = macs_per_unit * units / 65536.0; /* double: no int overflow */
  if ((double)want > by_size) want = by_size >= 2.0 ? (int)by_size : 1;
  j.n_tasks = want < units ? want : units;
  j.n_slots = threads;
  atomic_init(&j.slots.busy, 0u);
  j.scratch = a->scratch;
  j.per_task_scratch = per_thread;
  j.shared_scratch = shared;
  size_t *tap_off = a->scratch;
  for (int ky = 0; ky < cp->kh; ky++)
    for (int kx = 0; kx < cp->kw; kx++)
      tap_off[ky * cp->kw + kx] = ((size_t)ky * j.dil_h * j.w + (size_t)kx * j.dil_w) * cp->cin;
  j.tap_off = tap_off;
  nq_packed_w run_w;
  if (cp->w.panels) {
    j.wts = &cp->w;
  } else {
    float *mem = (float *)(void *)((char *)a->scratch + conv_tap_off_bytes(a));
    nq_gemm_pack_into(a->in[1].data, a->n_in >= 3 ? a->in[2].data : NULL, cp->w.n, cp->w.k, mem, &run_w);
    j.wts = &run_w;
  }
  j.im2col = conv_uses_im2col(cp->cin, cp->kh * cp->kw);
  nq_threadpool_run(j.n_tasks > 1 ? a->pool : NULL, j.n_tasks, conv_task, &j);
  return NQ_OK;
}
