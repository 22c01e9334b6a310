/*
 * Every fast int8 kernel (nq_int8_kernels_fast) against its reference
 * (nq_int8_kernels) on randomized cases from a seeded RNG, in both rounding
 * modes, serially and on a 2-thread pool: the outputs must be identical
 * bytes. Cases cover int8 and uint8 (legacy) activations, per-tensor and
 * per-channel weights with nonzero weight zero points (uint8), odd channel
 * counts (the GEMM pads k to even and channels to 16), strides and
 * dilations 1-3, SAME/VALID, every clamp activation, batch > 1, grouped
 * convolutions (hand-off to the reference), FULLY_CONNECTED with batch 1
 * (the channel-split path), depthwise with depth multipliers 2-3, and the broadcasts of the table-driven
 * binary ops (equal shapes, scalar, inner channel vector, a general broadcast), and the table-driven unary
 * ops (HARD_SWISH, RELU family, LEAKY_RELU, ABS, LOGISTIC, TANH, ELU, GELU, EXP, LOG) with random parameters,
 * PAD/PADV2 (row copies) of int8, uint8 and int32 tensors. Registered three times: as is (auto: the VNNI GEMM
 * where the CPU has it), with --no-vnni (the int16 AVX2 GEMM tile) and with --kernels portable.
 */
#include <stdlib.h>
#include <string.h>

#include "exec/int8/int8.h"
#include "exec/int8/int8_simd.h"
#include "exec/threadpool.h"
#include "kernel_run.h"
#include "kernels_arg.h"
#include "testutil.h"

#define MAXCH 80

typedef struct qv {
  nq_tview v;
  nq_quant q;
  float s[MAXCH];
  int64_t z[MAXCH];
} qv;

static void make(qv *x, nq_rng *r, nq_dtype t, int rank, const int32_t *shape, int n_scales, float smin,
                 float smax) {
  memset(x, 0, sizeof *x);
  x->v.type = t;
  x->v.rank = rank;
  for (int i = 0; i < rank; i++) x->v.shape[i] = shape[i];
  size_t n = nq_tview_elems(&x->v), esz = t == NQ_INT32 ? 4 : 1;
  uint8_t *d = malloc((n ? n : 1) * esz);
  for (size_t i = 0; i < n * esz; i++) d[i] = (uint8_t)nq_rng_int(r, 0, 255);
  if (t == NQ_INT32) /* biases: modest, as a quantizer writes them */
    for (size_t i = 0; i < n; i++) ((int32_t *)(void *)d)[i] = nq_rng_int(r, -20000, 20000);
  x->v.data = d;
  x->q.n = n_scales;
  x->q.scale = x->s;
  x->q.zero_point = x->z;
  x->q.axis = 0;
  for (int i = 0; i < n_scales; i++) {
    x->s[i] = nq_rng_uniform(r, smin, smax);
    x->z[i] = t == NQ_UINT8 ? nq_rng_int(r, 0, 255) : t == NQ_INT8 ? nq_rng_int(r, -128, 127) : 0;
  }
  x->v.q = &x->q;
}

static void unmake(qv *x) { free(x->v.data); }

/* uint8 weights centred on 128 with no 0: |w - zp| <= 127, so the VNNI GEMM
 * (int8 weights, uint8 activations) takes them. */
static void uint8_weights_fit_int8(qv *w) {
  for (int c = 0; c < w->q.n; c++) w->z[c] = 128;
  for (size_t i = 0; i < nq_tview_elems(&w->v); i++)
    if (((uint8_t *)w->v.data)[i] == 0) ((uint8_t *)w->v.data)[i] = 1;
}

/* Prepare + run one node with kernel table `tab`; the output bytes in out. */
static nq_status run_with(const nq_kernel *tab, nq_op op, const nq_op_params *p, qv *in, int n_in, qv *out,
                          int single, nq_threadpool *pool, nq_error *err) {
  nq_tview views[4];
  for (int i = 0; i < n_in; i++) views[i] = in[i].v;
  return nq_test_run_kernel(tab, op, p, views, n_in, &out->v, single, pool, NULL, NULL, err);
}

static int cases_run = 0;

/* Reference vs fast, both modes, serial and threaded; in[] and out shape set. */
static void compare(const char *desc, nq_op op, const nq_op_params *p, qv *in, int n_in, qv *out,
                    nq_threadpool *pool) {
  const size_t n = nq_tview_elems(&out->v) * nq_dtype_size(out->v.type); /* bytes */
  uint8_t *want = malloc(n ? n : 1);
  for (int single = 0; single < 2; single++) {
    nq_error err = {0};
    memset(out->v.data, 0x5a, n);
    nq_status st = run_with(nq_int8_kernels, op, p, in, n_in, out, single, NULL, &err);
    CHECKF(st == NQ_OK, "%s: reference failed: %s", desc, err.msg);
    if (st != NQ_OK) break;
    memcpy(want, out->v.data, n);
    for (int threaded = 0; threaded < 2; threaded++) {
      memset(out->v.data, 0xa5, n);
      st = run_with(nq_int8_kernels_fast, op, p, in, n_in, out, single, threaded ? pool : NULL, &err);
      CHECKF(st == NQ_OK, "%s: fast kernel failed: %s", desc, err.msg);
      size_t bad = 0, first = 0;
      for (size_t i = 0; i < n; i++)
        if (((uint8_t *)out->v.data)[i] != want[i] && !bad++) first = i;
      CHECKF(bad == 0, "%s (%s rounding, %s): %zu of %zu bytes differ, first at %zu (%d vs %d)", desc,
             single ? "single" : "double", threaded ? "2 threads" : "serial", bad, n, first,
             (int)((int8_t *)out->v.data)[first], (int)(int8_t)want[first]);
    }
  }
  cases_run++;
  free(want);
}

static const nq_activation ACTS[] = {NQ_ACT_NONE, NQ_ACT_RELU, NQ_ACT_RELU6, NQ_ACT_RELU_N1_TO_1};

/* Strides 1-3, dilations 1-2, SAME/VALID and the fused activation by case
 * number, and the output size TFLite's padding rule gives (< 1: no case). */
static nq_op_params random_window(nq_rng *r, int it, int h, int w, int kh, int kw, int *oh, int *ow) {
  nq_op_params p = nq_op_params_default();
  p.stride_h = nq_rng_int(r, 1, 3);
  p.stride_w = nq_rng_int(r, 1, 3);
  p.dilation_h = nq_rng_int(r, 1, 2);
  p.dilation_w = nq_rng_int(r, 1, 2);
  p.padding = it % 2 ? NQ_PAD_SAME : NQ_PAD_VALID;
  p.act = ACTS[it % 4];
  const int eh = (kh - 1) * p.dilation_h + 1, ew = (kw - 1) * p.dilation_w + 1;
  *oh = p.padding == NQ_PAD_SAME ? (h + p.stride_h - 1) / p.stride_h : (h - eh) / p.stride_h + 1;
  *ow = p.padding == NQ_PAD_SAME ? (w + p.stride_w - 1) / p.stride_w : (w - ew) / p.stride_w + 1;
  return p;
}

static void conv_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 60; it++) {
    const nq_dtype t = it % 5 == 4 ? NQ_UINT8 : NQ_INT8;
    const int n = nq_rng_int(r, 1, 2), h = nq_rng_int(r, 1, 13), w = nq_rng_int(r, 1, 13);
    const int groups = it % 7 == 6 ? 2 : 1;
    const int ci = nq_rng_int(r, 1, 19), cin = ci * groups, cout = groups * nq_rng_int(r, 1, 37);
    const int kh = nq_rng_int(r, 1, 3), kw = nq_rng_int(r, 1, 3);
    int oh, ow;
    nq_op_params p = random_window(r, it, h, w, kh, kw, &oh, &ow);
    if (oh < 1 || ow < 1) continue;
    qv in[3], out;
    const int per_channel = t == NQ_INT8 && it % 3 != 0;
    make(&in[0], r, t, 4, (int32_t[]){n, h, w, cin}, 1, 0.01f, 0.1f);
    make(&in[1], r, t, 4, (int32_t[]){cout, kh, kw, ci}, per_channel ? cout : 1, 0.001f, 0.02f);
    if (t == NQ_INT8) /* TFLite int8 weights: zero point 0, values in [-127, 127] */
      for (int c = 0; c < in[1].q.n; c++) in[1].z[c] = 0;
    for (size_t i = 0; t == NQ_INT8 && i < nq_tview_elems(&in[1].v); i++)
      if (((int8_t *)in[1].v.data)[i] == -128) ((int8_t *)in[1].v.data)[i] = -127;
    if (t == NQ_UINT8 && it % 10 == 9) uint8_weights_fit_int8(&in[1]);
    make(&in[2], r, NQ_INT32, 1, (int32_t[]){cout}, in[1].q.n, 1e-5f, 1e-5f);
    for (int c = 0; c < in[1].q.n; c++) in[2].s[c] = in[0].s[0] * in[1].s[c];
    make(&out, r, t, 4, (int32_t[]){n, oh, ow, cout}, 1, 0.05f, 0.5f);
    char desc[200];
    snprintf(desc, sizeof desc, "CONV_2D %s in %dx%dx%dx%d w %dx%dx%dx%d s%d,%d d%d,%d %s act %d %s",
             t == NQ_UINT8 ? "uint8" : "int8", n, h, w, cin, cout, kh, kw, ci, p.stride_h, p.stride_w,
             p.dilation_h, p.dilation_w, p.padding == NQ_PAD_SAME ? "SAME" : "VALID", (int)p.act,
             per_channel ? "per-channel" : "per-tensor");
    compare(desc, NQ_OP_CONV_2D, &p, in, it % 4 == 3 ? 2 : 3, &out, pool);
    for (int i = 0; i < 3; i++) unmake(&in[i]);
    unmake(&out);
  }
}

static void dw_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 50; it++) {
    const nq_dtype t = it % 5 == 4 ? NQ_UINT8 : NQ_INT8;
    const int n = nq_rng_int(r, 1, 2), h = nq_rng_int(r, 1, 14), w = nq_rng_int(r, 1, 14);
    /* up to 70 channels: the AVX2 path's 32- and 8-channel blocks and its scalar tail */
    const int c = nq_rng_int(r, 1, it % 2 ? 25 : 70), m = it % 4 == 3 ? nq_rng_int(r, 2, 3) : 1;
    const int kh = nq_rng_int(r, 1, 5), kw = nq_rng_int(r, 1, 5);
    int oh, ow;
    nq_op_params p = random_window(r, it, h, w, kh, kw, &oh, &ow);
    p.depth_multiplier = m;
    if (oh < 1 || ow < 1 || c * m > MAXCH) continue;
    qv in[3], out;
    const int per_channel = t == NQ_INT8 && it % 3 != 0;
    make(&in[0], r, t, 4, (int32_t[]){n, h, w, c}, 1, 0.01f, 0.1f);
    make(&in[1], r, t, 4, (int32_t[]){1, kh, kw, c * m}, per_channel ? c * m : 1, 0.001f, 0.02f);
    in[1].q.axis = 3;
    if (t == NQ_INT8)
      for (int k = 0; k < in[1].q.n; k++) in[1].z[k] = 0;
    make(&in[2], r, NQ_INT32, 1, (int32_t[]){c * m}, 1, 1e-5f, 1e-5f);
    make(&out, r, t, 4, (int32_t[]){n, oh, ow, c * m}, 1, 0.05f, 0.5f);
    char desc[200];
    snprintf(desc, sizeof desc, "DEPTHWISE_CONV_2D %s in %dx%dx%dx%d k %dx%d m %d s%d,%d d%d,%d %s act %d",
             t == NQ_UINT8 ? "uint8" : "int8", n, h, w, c, kh, kw, m, p.stride_h, p.stride_w, p.dilation_h,
             p.dilation_w, p.padding == NQ_PAD_SAME ? "SAME" : "VALID", (int)p.act);
    compare(desc, NQ_OP_DEPTHWISE_CONV_2D, &p, in, it % 6 == 5 ? 2 : 3, &out, pool);
    for (int i = 0; i < 3; i++) unmake(&in[i]);
    unmake(&out);
  }
}

static void fc_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 60; it++) {
    const nq_dtype t = it % 4 == 3 ? NQ_UINT8 : NQ_INT8;
    /* a third at batch 1 (the one-row GEMM tile), half of those with whole 16-channel panels */
    const int b = it % 3 == 0 ? 1 : nq_rng_int(r, 1, 9), k = nq_rng_int(r, 1, 300),
              o = it % 6 == 0 ? 16 * nq_rng_int(r, 1, 4) : nq_rng_int(r, 1, 70);
    qv in[3], out;
    make(&in[0], r, t, 2, (int32_t[]){b, k}, 1, 0.01f, 0.1f);
    make(&in[1], r, t, 2, (int32_t[]){o, k}, t == NQ_INT8 && it % 2 ? o : 1, 0.001f, 0.02f);
    if (t == NQ_INT8)
      for (int c = 0; c < in[1].q.n; c++) in[1].z[c] = 0;
    if (t == NQ_INT8 && it % 5 != 2) /* TFLite's int8 weights, [-127, 127]: the VNNI GEMM takes them */
      for (size_t i = 0; i < (size_t)o * k; i++)
        if (((int8_t *)in[1].v.data)[i] == -128) ((int8_t *)in[1].v.data)[i] = -127;
    if (t == NQ_UINT8 && it % 8 == 7) uint8_weights_fit_int8(&in[1]);
    make(&in[2], r, NQ_INT32, 1, (int32_t[]){o}, 1, 1e-5f, 1e-5f);
    make(&out, r, t, 2, (int32_t[]){b, o}, 1, 0.05f, 0.5f);
    nq_op_params p = nq_op_params_default();
    p.act = ACTS[it % 4];
    char desc[160];
    snprintf(desc, sizeof desc, "FULLY_CONNECTED %s [%d,%d] x [%d,%d]", t == NQ_UINT8 ? "uint8" : "int8", b,
             k, o, k);
    compare(desc, NQ_OP_FULLY_CONNECTED, &p, in, it % 5 == 4 ? 2 : 3, &out, pool);
    for (int i = 0; i < 3; i++) unmake(&in[i]);
    unmake(&out);
  }
}

static void binary_cases(nq_rng *r, nq_threadpool *pool) {
  static const nq_op OPS[] = {NQ_OP_ADD, NQ_OP_SUB, NQ_OP_MUL, NQ_OP_MAXIMUM, NQ_OP_MINIMUM};
  for (int it = 0; it < 50; it++) {
    const nq_op op = OPS[it % 5];
    const nq_dtype t = it % 6 == 5 ? NQ_UINT8 : NQ_INT8;
    int32_t full[4] = {nq_rng_int(r, 1, 2), nq_rng_int(r, 1, 7), nq_rng_int(r, 1, 7), nq_rng_int(r, 1, 21)};
    if (it % 10 == 4) { /* equal shapes and channel vector, large enough to be split over the pool */
      full[1] = 64 + it;
      full[2] = 48;
      full[3] = 24;
    }
    int32_t other[4];
    int rank_other = 4;
    memcpy(other, full, sizeof other);
    const int form = (it / 5) % 4; /* equal, scalar, channel vector, general broadcast */
    if (form == 1) {
      rank_other = 1;
      other[0] = 1;
    } else if (form == 2) {
      rank_other = 1;
      other[0] = full[3];
    } else if (form == 3) {
      other[2] = 1;
    }
    qv in[2], out;
    const bool swap = it % 2;
    const bool same_q = op == NQ_OP_MAXIMUM || op == NQ_OP_MINIMUM;
    make(&in[swap ? 1 : 0], r, t, 4, full, 1, 0.01f, 0.1f);
    make(&in[swap ? 0 : 1], r, t, rank_other, other, 1, 0.01f, 0.1f);
    make(&out, r, t, 4, full, 1, 0.01f, 0.2f);
    if (same_q) { /* TFLite requires equal parameters */
      in[1].s[0] = out.s[0] = in[0].s[0];
      in[1].z[0] = out.z[0] = in[0].z[0];
    }
    nq_op_params p = nq_op_params_default();
    p.act = same_q ? NQ_ACT_NONE : ACTS[it % 4];
    char desc[160];
    snprintf(desc, sizeof desc, "%s %s form %d%s", nq_op_name(op), t == NQ_UINT8 ? "uint8" : "int8", form,
             swap ? " (broadcast first)" : "");
    compare(desc, op, &p, in, 2, &out, pool);
    unmake(&in[0]);
    unmake(&in[1]);
    unmake(&out);
  }
}

/* The vector forms of the binary ops (binary_simd.h) and the table that
 * finishes their tails: equal shapes, a scalar side and a repeating inner
 * side of 1 to 70 elements (periods shorter than a vector stay on the
 * table), odd sizes, zero points at both ends of the type, and scale
 * classes the vector form takes (ratios near 1) or leaves to the table
 * (ADD ratios >= 2^8 or < 2^-10, MUL scales >= 2^8). */
static void binary_vector_cases(nq_rng *r, nq_threadpool *pool) {
  static const nq_op OPS[] = {NQ_OP_ADD, NQ_OP_MUL, NQ_OP_SUB, NQ_OP_MAXIMUM, NQ_OP_MINIMUM};
  /* input scale range, output scale range */
  static const float SCALES[][4] = {{0.01f, 0.1f, 0.01f, 0.2f},
                                    {0.5f, 1.0f, 1e-3f, 2e-3f},
                                    {1e-4f, 2e-4f, 0.5f, 1.0f},
                                    {0.02f, 0.02f, 0.02f, 0.02f}};
  for (int it = 0; it < 80; it++) {
    const nq_op op = OPS[it % 5];
    const nq_dtype t = it % 4 == 3 ? NQ_UINT8 : NQ_INT8;
    const int inner = nq_rng_int(r, 1, 70), form = (it / 5) % 3; /* equal, scalar, inner vector */
    const int32_t full[3] = {nq_rng_int(r, 1, 3), nq_rng_int(r, 1, 40), inner};
    int32_t other[3] = {full[0], full[1], full[2]};
    int rank_other = 3;
    if (form == 1) {
      rank_other = 1;
      other[0] = 1;
    } else if (form == 2) {
      rank_other = 1;
      other[0] = inner;
    }
    const float *sc = SCALES[(it / 15) % 4];
    qv in[2], out;
    const bool swap = it % 2;
    make(&in[swap ? 1 : 0], r, t, 3, full, 1, sc[0], sc[1]);
    make(&in[swap ? 0 : 1], r, t, rank_other, other, 1, sc[0], sc[1]);
    make(&out, r, t, 3, full, 1, sc[2], sc[3]);
    const int64_t zlo = t == NQ_UINT8 ? 0 : -128, zhi = t == NQ_UINT8 ? 255 : 127;
    if (it % 3 == 1) { /* zero points at the ends of the range */
      in[0].z[0] = zlo;
      in[1].z[0] = zhi;
      out.z[0] = it % 2 ? zlo : zhi;
    }
    const bool same_q = op == NQ_OP_MAXIMUM || op == NQ_OP_MINIMUM;
    if (same_q) {
      in[1].s[0] = out.s[0] = in[0].s[0];
      in[1].z[0] = out.z[0] = in[0].z[0];
    }
    nq_op_params p = nq_op_params_default();
    p.act = same_q ? NQ_ACT_NONE : ACTS[it % 4];
    char desc[200];
    snprintf(desc, sizeof desc, "%s %s [%d,%d,%d] form %d scales %d zp %d/%d/%d%s", nq_op_name(op),
             t == NQ_UINT8 ? "uint8" : "int8", (int)full[0], (int)full[1], (int)full[2], form, (it / 15) % 4,
             (int)in[0].z[0], (int)in[1].z[0], (int)out.z[0], swap ? " (broadcast first)" : "");
    compare(desc, op, &p, in, 2, &out, pool);
    unmake(&in[0]);
    unmake(&in[1]);
    unmake(&out);
  }
}

/* The table-driven unary ops: random per-tensor parameters, int8 and uint8
 * (LOG: int8 only, as TFLite), LEAKY_RELU alphas of both signs, GELU exact
 * and approximate; sizes from 1 to 3 x 256 elements so every byte occurs,
 * and some with 300+ rows, up to 285K elements (split over the thread pool).
 * A node the reference refuses at prepare is refused with its message. */
static void unary_cases(nq_rng *r, nq_threadpool *pool) {
  static const nq_op OPS[] = {NQ_OP_HARD_SWISH, NQ_OP_RELU, NQ_OP_RELU6,    NQ_OP_RELU_N1_TO_1,
                              NQ_OP_LEAKY_RELU, NQ_OP_ABS,  NQ_OP_LOGISTIC, NQ_OP_TANH,
                              NQ_OP_ELU,        NQ_OP_GELU, NQ_OP_EXP,      NQ_OP_LOG};
  const int n_ops = (int)(sizeof OPS / sizeof OPS[0]);
  for (int it = 0; it < 6 * n_ops; it++) {
    const nq_op op = OPS[it % n_ops];
    const nq_dtype t = (it / n_ops) % 3 == 2 && op != NQ_OP_LOG ? NQ_UINT8 : NQ_INT8;
    /* every 7th large enough to be split over the pool */
    const int32_t shape[3] = {nq_rng_int(r, 1, 3), it % 7 == 3 ? 300 + it : nq_rng_int(r, 1, 16),
                              it % 2 ? 256 : nq_rng_int(r, 1, 37)};
    qv in, out;
    make(&in, r, t, 3, shape, 1, 0.005f, 0.1f);
    make(&out, r, t, 3, shape, 1, 0.01f, 0.2f);
    nq_op_params p = nq_op_params_default();
    p.alpha = nq_rng_uniform(r, -0.5f, 0.5f);
    p.approximate = it % 2;
    char desc[160];
    snprintf(desc, sizeof desc, "%s %s [%d, %d, %d] alpha %g", nq_op_name(op),
             t == NQ_UINT8 ? "uint8" : "int8", (int)shape[0], (int)shape[1], (int)shape[2], (double)p.alpha);
    compare(desc, op, &p, &in, 1, &out, pool);
    unmake(&in);
    unmake(&out);
  }
  /* HARD_SWISH whose output multiplier is >= 1: both refuse, same words. */
  const int32_t shape[1] = {10};
  qv in, out;
  make(&in, r, NQ_INT8, 1, shape, 1, 1.0f, 1.0f);
  make(&out, r, NQ_INT8, 1, shape, 1, 1e-4f, 1e-4f);
  nq_op_params p = nq_op_params_default();
  nq_error e_ref = {0}, e_fast = {0};
  nq_status s_ref = run_with(nq_int8_kernels, NQ_OP_HARD_SWISH, &p, &in, 1, &out, 1, NULL, &e_ref);
  nq_status s_fast = run_with(nq_int8_kernels_fast, NQ_OP_HARD_SWISH, &p, &in, 1, &out, 1, NULL, &e_fast);
  CHECKF(s_ref != NQ_OK && s_fast == s_ref && strcmp(e_ref.msg, e_fast.msg) == 0,
         "HARD_SWISH refused: reference '%s', fast '%s'", e_ref.msg, e_fast.msg);
  unmake(&in);
  unmake(&out);
}

/* PAD / PADV2: ranks 1-4, paddings 0-3 per side, int8, uint8 and int32
 * elements (the shape arithmetic between quantized ops), PADV2's constant. */
static void pad_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 40; it++) {
    const nq_op op = it % 2 ? NQ_OP_PADV2 : NQ_OP_PAD;
    const nq_dtype t = it % 5 == 4 ? NQ_INT32 : it % 3 == 2 ? NQ_UINT8 : NQ_INT8;
    const int rank = 1 + it % 4;
    int32_t shape[4], oshape[4], pads[8];
    for (int d = 0; d < rank; d++) {
      shape[d] = nq_rng_int(r, it == 7 && d == 1 ? 0 : 1, 9); /* one case with no elements */
      pads[2 * d] = nq_rng_int(r, 0, 3);
      pads[2 * d + 1] = nq_rng_int(r, 0, 3);
      oshape[d] = shape[d] + pads[2 * d] + pads[2 * d + 1];
    }
    qv in[3], out;
    make(&in[0], r, t, rank, shape, 1, 0.05f, 0.05f);
    make(&out, r, t, rank, oshape, 1, 0.05f, 0.05f);
    out.z[0] = in[0].z[0];
    memset(&in[1], 0, sizeof in[1]);
    in[1].v.type = NQ_INT32;
    in[1].v.rank = 2;
    in[1].v.shape[0] = rank;
    in[1].v.shape[1] = 2;
    in[1].v.data = malloc(sizeof pads);
    memcpy(in[1].v.data, pads, sizeof pads);
    const int32_t one[1] = {1};
    make(&in[2], r, t, 1, one, 1, 0.05f, 0.05f);
    nq_op_params p = nq_op_params_default();
    char desc[160];
    snprintf(desc, sizeof desc, "%s %s rank %d", nq_op_name(op), nq_dtype_name(t), rank);
    compare(desc, op, &p, in, op == NQ_OP_PADV2 ? 3 : 2, &out, pool);
    for (int i = 0; i < 3; i++) unmake(&in[i]);
    unmake(&out);
  }
}

/* MEAN and SUM: ranks 1-4, random axis sets (one contiguous block: the
 * fast sums; gaps: the reference's odometer), negative axes, keep_dims on
 * and off (on with axes {1, 2} of a rank-4 int8 input: TFLite's spatial
 * mean in double rounding), int8 and uint8, zero points at the ends of the
 * range and scale ratios from 1/50 to 50. */
static void mean_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 60; it++) {
    const nq_op op = it % 5 == 4 ? NQ_OP_SUM : NQ_OP_MEAN;
    const nq_dtype t = it % 3 == 2 ? NQ_UINT8 : NQ_INT8;
    const int rank = it % 3 == 0 ? 4 : nq_rng_int(r, 1, 4);
    int32_t shape[4], oshape[4], axes[4];
    int n_ax = 0, orank = 0;
    const bool keep = it % 2 == 0;
    for (int d = 0; d < rank; d++) shape[d] = nq_rng_int(r, 1, it % 7 == 3 ? 60 : 12);
    if (it % 3 == 0) { /* global average pooling, written either way round */
      axes[n_ax++] = it % 6 ? 1 : 2;
      axes[n_ax++] = it % 6 ? 2 : 1;
    } else {
      for (int d = 0; d < rank; d++)
        if (nq_rng_int(r, 0, 1)) axes[n_ax++] = it % 4 == 1 ? d - rank : d;
      if (n_ax == 0) axes[n_ax++] = rank - 1;
    }
    for (int d = 0; d < rank; d++) {
      bool red = false;
      for (int k = 0; k < n_ax; k++) red |= axes[k] == d || axes[k] == d - rank;
      if (!red)
        oshape[orank++] = shape[d];
      else if (keep)
        oshape[orank++] = 1;
    }
    qv in[2], out;
    make(&in[0], r, t, rank, shape, 1, 0.01f, 0.5f);
    make(&out, r, t, orank, oshape, 1, it % 4 == 3 ? 0.5f : 0.01f, it % 4 == 3 ? 0.5f : 0.2f);
    if (it % 5 == 1) {
      in[0].z[0] = t == NQ_UINT8 ? 255 : -128;
      out.z[0] = t == NQ_UINT8 ? 0 : 127;
    }
    memset(&in[1], 0, sizeof in[1]);
    in[1].v.type = NQ_INT32;
    in[1].v.rank = 1;
    in[1].v.shape[0] = n_ax;
    in[1].v.data = malloc(sizeof axes);
    memcpy(in[1].v.data, axes, sizeof axes);
    nq_op_params p = nq_op_params_default();
    p.keep_dims = keep;
    char desc[200];
    snprintf(desc, sizeof desc, "%s %s rank %d [%d,%d,%d,%d] %d axes (first %d)%s", nq_op_name(op),
             t == NQ_UINT8 ? "uint8" : "int8", rank, (int)shape[0], rank > 1 ? (int)shape[1] : 0,
             rank > 2 ? (int)shape[2] : 0, rank > 3 ? (int)shape[3] : 0, n_ax, (int)axes[0],
             keep ? " keep_dims" : "");
    compare(desc, op, &p, in, 2, &out, pool);
    unmake(&in[0]);
    unmake(&in[1]);
    unmake(&out);
  }
}

/* An int32 constant input of n values. */
static void int_input(qv *x, const int32_t *v, int n) {
  memset(x, 0, sizeof *x);
  x->v.type = NQ_INT32;
  x->v.rank = 1;
  x->v.shape[0] = n;
  x->v.data = malloc(n ? (size_t)n * sizeof *v : 1);
  memcpy(x->v.data, v, (size_t)n * sizeof *v);
}

/* TRANSPOSE, SLICE, STRIDED_SLICE (the fast strided copy): ranks 1-5,
 * random permutations (the NCHW -> NHWC one on a large image included),
 * slices with random begin and size, strided slices with strides -3..3,
 * int8, uint8 and int32 elements. */
static void movement_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 90; it++) {
    const nq_op op = it % 3 == 0 ? NQ_OP_TRANSPOSE : it % 3 == 1 ? NQ_OP_SLICE : NQ_OP_STRIDED_SLICE;
    const nq_dtype t = it % 7 == 6 ? NQ_INT32 : it % 4 == 3 ? NQ_UINT8 : NQ_INT8;
    const int rank = nq_rng_int(r, 1, 5);
    int32_t shape[5] = {0}, oshape[5] = {0}, v1[5] = {0}, v2[5] = {0}, v3[5] = {0};
    for (int d = 0; d < rank; d++) shape[d] = nq_rng_int(r, 1, rank > 3 ? 7 : 40);
    if (op == NQ_OP_TRANSPOSE && it % 9 == 0 && rank == 4) { /* NCHW -> NHWC */
      shape[0] = 1;
      shape[1] = 3;
      shape[2] = 57 + it;
      shape[3] = 45;
    }
    int n_extra = 1;
    for (int d = 0; d < rank; d++) v1[d] = d;
    if (op == NQ_OP_TRANSPOSE) {
      const bool nhwc = it % 9 == 0 && rank == 4;
      for (int d = rank - 1; d > 0 && !nhwc; d--) { /* Fisher-Yates */
        const int k = nq_rng_int(r, 0, d), tmp = v1[d];
        v1[d] = v1[k];
        v1[k] = tmp;
      }
      if (nhwc) v1[1] = 2, v1[2] = 3, v1[3] = 1;
      for (int d = 0; d < rank; d++) oshape[d] = shape[v1[d]];
    } else if (op == NQ_OP_SLICE) {
      n_extra = 2;
      for (int d = 0; d < rank; d++) {
        v1[d] = nq_rng_int(r, 0, shape[d] - 1);
        v2[d] = oshape[d] = nq_rng_int(r, 1, shape[d] - v1[d]);
      }
    } else {
      n_extra = 3;
      for (int d = 0; d < rank; d++) {
        const int s = nq_rng_int(r, 1, 3), neg = shape[d] > 1 && nq_rng_int(r, 0, 2) == 0;
        if (neg) { /* begin in [1, n), end in [0, begin) */
          v1[d] = nq_rng_int(r, 1, shape[d] - 1);
          v2[d] = nq_rng_int(r, 0, v1[d] - 1);
          v3[d] = -s;
          oshape[d] = (v1[d] - v2[d] + s - 1) / s;
        } else {
          v1[d] = nq_rng_int(r, 0, shape[d] - 1);
          v2[d] = nq_rng_int(r, v1[d] + 1, shape[d]);
          v3[d] = s;
          oshape[d] = (v2[d] - v1[d] + s - 1) / s;
        }
      }
    }
    qv in[4], out;
    make(&in[0], r, t, rank, shape, 1, 0.05f, 0.05f);
    make(&out, r, t, rank, oshape, 1, 0.05f, 0.05f);
    out.z[0] = in[0].z[0];
    int_input(&in[1], v1, rank);
    int_input(&in[2], v2, rank);
    int_input(&in[3], v3, rank);
    nq_op_params p = nq_op_params_default();
    char desc[200];
    snprintf(desc, sizeof desc, "%s %s rank %d [%d,%d,%d,%d,%d]", nq_op_name(op), nq_dtype_name(t), rank,
             (int)shape[0], rank > 1 ? (int)shape[1] : 0, rank > 2 ? (int)shape[2] : 0,
             rank > 3 ? (int)shape[3] : 0, rank > 4 ? (int)shape[4] : 0);
    compare(desc, op, &p, in, 1 + n_extra, &out, pool);
    for (int i = 0; i < 4; i++) unmake(&in[i]);
    unmake(&out);
  }
}

/* CONCATENATION of 2-4 inputs along a random axis (negative too): equal
 * parameters (a copy), rescaled inputs (the byte tables), int8, uint8 and
 * int32 (always a copy). */
static void concat_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 40; it++) {
    const nq_dtype t = it % 5 == 4 ? NQ_INT32 : it % 3 == 2 ? NQ_UINT8 : NQ_INT8;
    const int rank = nq_rng_int(r, 1, 4), n_in = nq_rng_int(r, 2, 4), axis = nq_rng_int(r, 0, rank - 1);
    int32_t shape[4] = {0}, oshape[4] = {0};
    for (int d = 0; d < rank; d++) oshape[d] = nq_rng_int(r, 1, it % 6 == 1 ? 40 : 9);
    oshape[axis] = 0;
    qv in[4], out;
    for (int k = 0; k < n_in; k++) {
      memcpy(shape, oshape, sizeof shape);
      shape[axis] = nq_rng_int(r, 1, 12);
      oshape[axis] += shape[axis];
      make(&in[k], r, t, rank, shape, 1, 0.01f, 0.1f);
    }
    make(&out, r, t, rank, oshape, 1, 0.01f, 0.1f);
    for (int k = 0; k < n_in; k++)
      if (it % 4 == 0 || (it % 4 == 1 && k == 0)) { /* the same parameters: a copy */
        in[k].s[0] = out.s[0];
        in[k].z[0] = out.z[0];
      }
    nq_op_params p = nq_op_params_default();
    p.axis = it % 2 ? axis - rank : axis;
    char desc[160];
    snprintf(desc, sizeof desc, "CONCATENATION %s rank %d axis %d, %d inputs, case %d", nq_dtype_name(t),
             rank, p.axis, n_in, it % 4);
    compare(desc, NQ_OP_CONCATENATION, &p, in, n_in, &out, pool);
    for (int k = 0; k < n_in; k++) unmake(&in[k]);
    unmake(&out);
  }
}

/* MAX_POOL_2D: random windows, strides and SAME/VALID, every clamp
 * activation, int8 and uint8, and a few large enough to be split over the
 * pool. */
static void maxpool_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 40; it++) {
    const nq_dtype t = it % 4 == 3 ? NQ_UINT8 : NQ_INT8;
    const bool big = it % 8 == 5;
    const int n = nq_rng_int(r, 1, 2), h = big ? 60 : nq_rng_int(r, 1, 13),
              w = big ? 50 : nq_rng_int(r, 1, 13);
    const int c = big ? 40 : nq_rng_int(r, 1, 70), kh = nq_rng_int(r, 1, 4), kw = nq_rng_int(r, 1, 4);
    nq_op_params p = nq_op_params_default();
    p.filter_h = kh;
    p.filter_w = kw;
    p.stride_h = nq_rng_int(r, 1, 3);
    p.stride_w = nq_rng_int(r, 1, 3);
    p.padding = it % 2 ? NQ_PAD_SAME : NQ_PAD_VALID;
    p.act = ACTS[it % 4];
    const int oh = p.padding == NQ_PAD_SAME ? (h + p.stride_h - 1) / p.stride_h : (h - kh) / p.stride_h + 1;
    const int ow = p.padding == NQ_PAD_SAME ? (w + p.stride_w - 1) / p.stride_w : (w - kw) / p.stride_w + 1;
    if (h < kh || w < kw || oh < 1 || ow < 1) continue;
    qv in, out;
    make(&in, r, t, 4, (int32_t[]){n, h, w, c}, 1, 0.01f, 0.1f);
    make(&out, r, t, 4, (int32_t[]){n, oh, ow, c}, 1, 0.01f, 0.1f);
    out.s[0] = in.s[0]; /* TFLite: the same parameters in and out */
    out.z[0] = in.z[0];
    char desc[200];
    snprintf(desc, sizeof desc, "MAX_POOL_2D %s in %dx%dx%dx%d k %dx%d s%d,%d %s act %d",
             t == NQ_UINT8 ? "uint8" : "int8", n, h, w, c, kh, kw, p.stride_h, p.stride_w,
             p.padding == NQ_PAD_SAME ? "SAME" : "VALID", (int)p.act);
    compare(desc, NQ_OP_MAX_POOL_2D, &p, &in, 1, &out, pool);
    unmake(&in);
    unmake(&out);
  }
}

/* Every op with a fast int8 kernel has a reference and is exercised here. */
static void coverage(void) {
  static const nq_op TESTED[] = {NQ_OP_CONV_2D,
                                 NQ_OP_DEPTHWISE_CONV_2D,
                                 NQ_OP_FULLY_CONNECTED,
                                 NQ_OP_ADD,
                                 NQ_OP_SUB,
                                 NQ_OP_MUL,
                                 NQ_OP_MAXIMUM,
                                 NQ_OP_MINIMUM,
                                 NQ_OP_HARD_SWISH,
                                 NQ_OP_RELU,
                                 NQ_OP_RELU6,
                                 NQ_OP_RELU_N1_TO_1,
                                 NQ_OP_LEAKY_RELU,
                                 NQ_OP_ABS,
                                 NQ_OP_LOGISTIC,
                                 NQ_OP_TANH,
                                 NQ_OP_ELU,
                                 NQ_OP_GELU,
                                 NQ_OP_EXP,
                                 NQ_OP_LOG,
                                 NQ_OP_PAD,
                                 NQ_OP_PADV2,
                                 NQ_OP_MAX_POOL_2D,
                                 NQ_OP_MEAN,
                                 NQ_OP_SUM,
                                 NQ_OP_TRANSPOSE,
                                 NQ_OP_SLICE,
                                 NQ_OP_STRIDED_SLICE,
                                 NQ_OP_CONCATENATION};
  for (int op = 0; op < NQ_OP_COUNT; op++) {
    if (!nq_int8_kernels_fast[op].run) continue;
    CHECKF(nq_int8_kernels[op].run != NULL, "%s: fast int8 kernel without a reference",
           nq_op_name((nq_op)op));
    bool tested = false;
    for (size_t i = 0; i < sizeof TESTED / sizeof TESTED[0]; i++) tested |= (int)TESTED[i] == op;
    CHECKF(tested, "%s: fast int8 kernel not covered by test_int8_fast", nq_op_name((nq_op)op));
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--no-vnni") == 0) { /* auto kernels, but the int16 AVX2 GEMM tile */
    nq_i8_vnni_allow(false);
    printf("VNNI GEMM off\n");
    argc = 1;
  }
  nq_test_enter_kernels(argc, argv);
  nq_rng r = {20261207u};
  nq_threadpool *pool = nq_threadpool_create(2);
  coverage();
  conv_cases(&r, pool);
  dw_cases(&r, pool);
  fc_cases(&r, pool);
  binary_cases(&r, pool);
  binary_vector_cases(&r, pool);
  unary_cases(&r, pool);
  pad_cases(&r, pool);
  maxpool_cases(&r, pool);
  mean_cases(&r, pool);
  movement_cases(&r, pool);
  concat_cases(&r, pool);
  nq_threadpool_free(pool);
  printf("%d cases compared\n", cases_run);
  CHECKF(cases_run >= 100, "only %d cases ran", cases_run);
  return nq_test_finish("test_int8_fast");
}
