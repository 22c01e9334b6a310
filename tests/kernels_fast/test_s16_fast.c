/*
 * The fast 16x8 kernels (nq_int16_kernels_fast: CONV_2D, DEPTHWISE_CONV_2D,
 * FULLY_CONNECTED) against the reference ones (nq_int8_kernels, which hand
 * int16 inputs to the *_s16.c kernels that LiteRT.js agrees with) on
 * randomized cases from a seeded RNG, in both rounding modes, serially and
 * on a 2-thread pool: the int16 outputs must be identical.
 *
 * Cases: strides 1-3, dilations 1-2, SAME/VALID, every clamp activation,
 * per-channel and per-tensor weights, int64 / int32 / no bias (the int64,
 * double and int32 requantizations of weights_s16.h; int64 biases up to
 * INT64_MIN / INT64_MAX), odd channel counts,
 * depth multipliers 2-3, batch > 1, FULLY_CONNECTED with batch 1 (the
 * channel-split path), grouped convolutions (hand-off), reductions of more
 * than 511 terms (the fast kernels sum int32 chunks of at most 510-511
 * products into int64) and the extreme values -32768 x -128, where a single
 * int32 sum of 512 products would overflow.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/int8/int8.h"
#include "exec/int8/int8_kernels.h"
#include "exec/threadpool.h"
#include "kernel_run.h"
#include "kernels_arg.h"
#include "testutil.h"

#define MAXCH 96

typedef struct qv {
  nq_tview v;
  nq_quant q;
  float s[MAXCH];
  int64_t z[MAXCH];
} qv;

/* extreme: every value at the type's minimum (int16 -32768, int8 -128). */
static void make(qv *x, nq_rng *r, nq_dtype t, int rank, const int32_t *shape, int n_scales, int axis,
                 bool extreme) {
  memset(x, 0, sizeof *x);
  x->v.type = t;
  x->v.rank = rank;
  for (int i = 0; i < rank; i++) x->v.shape[i] = shape[i];
  const size_t n = nq_tview_elems(&x->v);
  void *d = malloc((n ? n : 1) * nq_dtype_size(t));
  for (size_t i = 0; i < n; i++) {
    if (t == NQ_INT16)
      ((int16_t *)d)[i] = (int16_t)(extreme ? -32768 : nq_rng_int(r, -32768, 32767));
    else if (t == NQ_INT8)
      ((int8_t *)d)[i] = (int8_t)(extreme ? -128 : nq_rng_int(r, -128, 127));
    else if (t == NQ_INT32)
      ((int32_t *)d)[i] = nq_rng_int(r, -(1 << 29), 1 << 29);
    else if (nq_rng_int(r, 0, 15) == 0) /* hostile int64 biases: the saturating add, the 2^47 clamp */
      ((int64_t *)d)[i] = (int64_t[]){INT64_MAX, INT64_MIN, (int64_t)1 << 62, -((int64_t)1 << 50),
                                      ((int64_t)1 << 47) - 3}[nq_rng_int(r, 0, 4)];
    else /* int64 biases, beyond int32 now and then */
      ((int64_t *)d)[i] = (int64_t)nq_rng_int(r, -(1 << 29), 1 << 29) * nq_rng_int(r, 1, 128);
  }
  x->v.data = d;
  x->q.n = n_scales;
  x->q.scale = x->s;
  x->q.zero_point = x->z;
  x->q.axis = axis;
  for (int i = 0; i < n_scales; i++) x->s[i] = nq_rng_uniform(r, 0.5f, 1.5f);
  x->v.q = n_scales ? &x->q : NULL;
}

static void unmake(qv *x) { free(x->v.data); }

/* Prepare + run one node with kernel table `tab`; *fast tells whether the
 * node takes the fast 16x8 path (not a hand-off to the reference). */
static nq_status run_with(const nq_kernel *tab, nq_op op, const nq_op_params *p, qv *in, int n_in, qv *out,
                          int single, nq_threadpool *pool, bool *fast, nq_error *err) {
  nq_tview views[3];
  for (int i = 0; i < n_in; i++) views[i] = in[i].v;
  return nq_test_run_kernel(tab, op, p, views, n_in, &out->v, single, pool, nq_s16_fast_applies, fast, err);
}

static int cases_run = 0, cases_fast = 0;

static void compare(const char *desc, nq_op op, const nq_op_params *p, qv *in, int n_in, qv *out,
                    nq_threadpool *pool) {
  const size_t n = nq_tview_elems(&out->v);
  int16_t *want = malloc((n ? n : 1) * sizeof *want), *got = out->v.data;
  bool fast = false;
  for (int single = 0; single < 2; single++) {
    nq_error err = {0};
    bool took_fast;
    memset(got, 0x5a, n * sizeof *got);
    nq_status st = run_with(nq_int8_kernels, op, p, in, n_in, out, single, NULL, &took_fast, &err);
    CHECKF(st == NQ_OK, "%s: reference failed: %s", desc, err.msg);
    if (st != NQ_OK) break;
    memcpy(want, got, n * sizeof *got);
    for (int threaded = 0; threaded < 2; threaded++) {
      memset(got, 0xa5, n * sizeof *got);
      st = run_with(nq_int16_kernels_fast, op, p, in, n_in, out, single, threaded ? pool : NULL, &took_fast,
                    &err);
      CHECKF(st == NQ_OK, "%s: fast kernel failed: %s", desc, err.msg);
      fast |= took_fast;
      size_t bad = 0, first = 0;
      for (size_t i = 0; i < n; i++)
        if (got[i] != want[i] && !bad++) first = i;
      CHECKF(bad == 0, "%s (%s rounding, %s): %zu of %zu outputs differ, first at %zu (%d vs %d)", desc,
             single ? "single" : "double", threaded ? "2 threads" : "serial", bad, n, first, (int)got[first],
             (int)want[first]);
    }
  }
  cases_run++;
  cases_fast += fast;
  free(want);
}

static const nq_activation ACTS[] = {NQ_ACT_NONE, NQ_ACT_RELU, NQ_ACT_RELU6, NQ_ACT_RELU_N1_TO_1};

static nq_op_params random_window(nq_rng *r, int it, int h, int w, int kh, int kw, int *oh, int *ow) {
  nq_op_params p = nq_op_params_default();
  p.stride_h = nq_rng_int(r, 1, 3);
  p.stride_w = nq_rng_int(r, 1, 3);
  p.dilation_h = nq_rng_int(r, 1, 2);
  p.dilation_w = nq_rng_int(r, 1, 2);
  p.padding = it % 2 ? NQ_PAD_SAME : NQ_PAD_VALID;
  p.act = ACTS[(it / 2) % 4];
  const int eh = (kh - 1) * p.dilation_h + 1, ew = (kw - 1) * p.dilation_w + 1;
  *oh = p.padding == NQ_PAD_SAME ? (h + p.stride_h - 1) / p.stride_h : (h - eh) / p.stride_h + 1;
  *ow = p.padding == NQ_PAD_SAME ? (w + p.stride_w - 1) / p.stride_w : (w - ew) / p.stride_w + 1;
  return p;
}

/* Weights (2 = none, 1 = per tensor, else per channel), bias kinds by case,
 * and an output scale that keeps a window of k terms mostly in range. */
static int bias_inputs(int it) { return it % 3 == 2 ? 2 : 3; }

static void set_scales(qv *x, qv *w, qv *b, qv *y, int k_terms, bool extreme, int n_in) {
  x->s[0] = 1.0f / 4096.0f;
  for (int c = 0; c < w->q.n; c++) w->s[c] = (0.5f + 0.01f * (float)c) / 128.0f;
  const double spread = extreme ? (double)k_terms : 0.6 * sqrt((double)k_terms);
  y->s[0] = (float)(x->s[0] * w->s[0] * 32768.0 * 128.0 * spread / 32767.0);
  if (n_in == 3)
    for (int c = 0; c < b->q.n; c++) b->s[c] = x->s[0] * w->s[w->q.n > 1 ? c : 0];
}

static void conv_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 48; it++) {
    const bool big = it % 8 == 5, extreme = it % 8 == 7;
    const int n = nq_rng_int(r, 1, 2), h = nq_rng_int(r, 1, big ? 6 : 11), w = nq_rng_int(r, 1, big ? 6 : 11);
    const int groups = it % 11 == 10 ? 2 : 1;
    const int ci = big || extreme ? nq_rng_int(r, 200, 300) : nq_rng_int(r, 1, 19);
    const int cin = ci * groups, cout = groups * nq_rng_int(r, 1, 37);
    const int kh = nq_rng_int(r, 1, 3), kw = nq_rng_int(r, 1, 3);
    int oh, ow;
    nq_op_params p = random_window(r, it, h, w, kh, kw, &oh, &ow);
    if (oh < 1 || ow < 1) continue;
    const bool per_channel = it % 4 != 0;
    const int n_in = bias_inputs(it);
    qv in[3], out;
    make(&in[0], r, NQ_INT16, 4, (int32_t[]){n, h, w, cin}, 1, 0, extreme);
    make(&in[1], r, NQ_INT8, 4, (int32_t[]){cout, kh, kw, ci}, per_channel ? cout : 1, 0, extreme);
    make(&in[2], r, it % 6 == 1 ? NQ_INT32 : NQ_INT64, 1, (int32_t[]){cout}, in[1].q.n, 0, false);
    make(&out, r, NQ_INT16, 4, (int32_t[]){n, oh, ow, cout}, 1, 0, false);
    set_scales(&in[0], &in[1], &in[2], &out, kh * kw * ci, extreme, n_in);
    char desc[220];
    snprintf(desc, sizeof desc, "16x8 CONV_2D in %dx%dx%dx%d w %dx%dx%dx%d s%d,%d d%d,%d %s act %d %s %s%s",
             n, h, w, cin, cout, kh, kw, ci, p.stride_h, p.stride_w, p.dilation_h, p.dilation_w,
             p.padding == NQ_PAD_SAME ? "SAME" : "VALID", (int)p.act,
             per_channel ? "per-channel" : "per-tensor",
             n_in == 2                  ? "no bias"
             : in[2].v.type == NQ_INT32 ? "int32 bias"
                                        : "int64 bias",
             extreme ? " extreme" : "");
    compare(desc, NQ_OP_CONV_2D, &p, in, n_in, &out, pool);
    for (int i = 0; i < 3; i++) unmake(&in[i]);
    unmake(&out);
  }
}

static void dw_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 40; it++) {
    /* big: a 23 x 23 window, 529 taps: one int32 chunk cannot hold them */
    const bool big = it % 10 == 9, extreme = it % 5 == 3 || big;
    const int n = nq_rng_int(r, 1, 2), h = big ? 24 : nq_rng_int(r, 1, 14),
              w = big ? 24 : nq_rng_int(r, 1, 14);
    const int c = nq_rng_int(r, 1, it % 2 ? 25 : 70), m = it % 4 == 3 ? nq_rng_int(r, 2, 3) : 1;
    const int kh = big ? 23 : nq_rng_int(r, 1, 5), kw = big ? 23 : nq_rng_int(r, 1, 5);
    int oh, ow;
    nq_op_params p = random_window(r, it, h, w, kh, kw, &oh, &ow);
    if (big) p.dilation_h = p.dilation_w = 1, p.padding = NQ_PAD_SAME;
    if (big) oh = (h + p.stride_h - 1) / p.stride_h, ow = (w + p.stride_w - 1) / p.stride_w;
    p.depth_multiplier = m;
    if (oh < 1 || ow < 1 || c * m > MAXCH) continue;
    const bool per_channel = it % 3 != 0;
    const int n_in = bias_inputs(it);
    qv in[3], out;
    make(&in[0], r, NQ_INT16, 4, (int32_t[]){n, h, w, c}, 1, 0, extreme);
    make(&in[1], r, NQ_INT8, 4, (int32_t[]){1, kh, kw, c * m}, per_channel ? c * m : 1, 3, extreme);
    make(&in[2], r, NQ_INT64, 1, (int32_t[]){c * m}, in[1].q.n, 0, false);
    make(&out, r, NQ_INT16, 4, (int32_t[]){n, oh, ow, c * m}, 1, 0, false);
    set_scales(&in[0], &in[1], &in[2], &out, kh * kw, extreme, n_in);
    char desc[220];
    snprintf(desc, sizeof desc, "16x8 DEPTHWISE in %dx%dx%dx%d k %dx%d m%d s%d,%d d%d,%d %s act %d %s%s", n,
             h, w, c, kh, kw, m, p.stride_h, p.stride_w, p.dilation_h, p.dilation_w,
             p.padding == NQ_PAD_SAME ? "SAME" : "VALID", (int)p.act,
             per_channel ? "per-channel" : "per-tensor", extreme ? " extreme" : "");
    compare(desc, NQ_OP_DEPTHWISE_CONV_2D, &p, in, n_in, &out, pool);
    for (int i = 0; i < 3; i++) unmake(&in[i]);
    unmake(&out);
  }
}

static void fc_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 36; it++) {
    const bool extreme = it % 6 == 5;
    const int batch = it % 3 == 0 ? 1 : nq_rng_int(r, 2, 9);
    const int k = it % 4 == 1 || extreme ? nq_rng_int(r, 500, 1400) : nq_rng_int(r, 1, 90);
    const int o = nq_rng_int(r, 1, 70);
    const bool per_channel = it % 2 == 1;
    const int n_in = bias_inputs(it);
    nq_op_params p = nq_op_params_default();
    p.act = ACTS[it % 4];
    qv in[3], out;
    make(&in[0], r, NQ_INT16, 2, (int32_t[]){batch, k}, 1, 0, extreme);
    make(&in[1], r, NQ_INT8, 2, (int32_t[]){o, k}, per_channel ? o : 1, 0, extreme);
    make(&in[2], r, it % 6 == 4 ? NQ_INT32 : NQ_INT64, 1, (int32_t[]){o}, in[1].q.n, 0, false);
    make(&out, r, NQ_INT16, 2, (int32_t[]){batch, o}, 1, 0, false);
    set_scales(&in[0], &in[1], &in[2], &out, k, extreme, n_in);
    char desc[200];
    snprintf(desc, sizeof desc, "16x8 FULLY_CONNECTED %dx%d -> %d act %d %s %s%s", batch, k, o, (int)p.act,
             per_channel ? "per-channel" : "per-tensor",
             n_in == 2                  ? "no bias"
             : in[2].v.type == NQ_INT32 ? "int32 bias"
                                        : "int64 bias",
             extreme ? " extreme" : "");
    compare(desc, NQ_OP_FULLY_CONNECTED, &p, in, n_in, &out, pool);
    for (int i = 0; i < 3; i++) unmake(&in[i]);
    unmake(&out);
  }
}

/* PAD / PADV2 of int16 tensors (the row copies of movement_s8.c, which
 * take any element size), rank 1-4, zero and nonzero constants. */
static void pad_cases(nq_rng *r, nq_threadpool *pool) {
  for (int it = 0; it < 16; it++) {
    const int rank = 1 + it % 4;
    int32_t shape[4], oshape[4], pads[8];
    for (int d = 0; d < rank; d++) {
      shape[d] = nq_rng_int(r, 1, 7);
      pads[2 * d] = nq_rng_int(r, 0, 2);
      pads[2 * d + 1] = nq_rng_int(r, 0, 2);
      oshape[d] = shape[d] + pads[2 * d] + pads[2 * d + 1];
    }
    const bool v2 = it % 3 == 2;
    nq_op_params p = nq_op_params_default();
    qv in[3], out;
    make(&in[0], r, NQ_INT16, rank, shape, 1, 0, false);
    make(&in[1], r, NQ_INT32, 2, (int32_t[]){rank, 2}, 0, 0, false);
    memcpy(in[1].v.data, pads, sizeof(int32_t) * 2 * (size_t)rank);
    make(&in[2], r, NQ_INT16, 1, (int32_t[]){1}, 1, 0, false); /* PADV2's constant */
    make(&out, r, NQ_INT16, rank, oshape, 1, 0, false);
    in[2].s[0] = out.s[0] = in[0].s[0];
    char desc[120];
    snprintf(desc, sizeof desc, "16x8 %s rank %d constant %d", v2 ? "PADV2" : "PAD", rank,
             v2 ? (int)((int16_t *)in[2].v.data)[0] : 0);
    compare(desc, v2 ? NQ_OP_PADV2 : NQ_OP_PAD, &p, in, v2 ? 3 : 2, &out, pool);
    for (int i = 0; i < 3; i++) unmake(&in[i]);
    unmake(&out);
  }
}

/* LOGISTIC / TANH / EXP and ADD / SUB / MUL / MAXIMUM / MINIMUM on int16:
 * the reference's loops over slices of the pool (sizes from 1 to 90000
 * elements, so both serial and split runs), general and power-of-two
 * scales for ADD/SUB, fused activations, and a broadcast (hand-off). */
static void elementwise_cases(nq_rng *r, nq_threadpool *pool) {
  static const nq_op UN[] = {NQ_OP_LOGISTIC, NQ_OP_TANH, NQ_OP_EXP};
  static const nq_op BIN[] = {NQ_OP_ADD, NQ_OP_SUB, NQ_OP_MUL, NQ_OP_MAXIMUM, NQ_OP_MINIMUM};
  for (int it = 0; it < 30; it++) {
    const int rows = it % 3 == 0 ? nq_rng_int(r, 100, 900) : nq_rng_int(r, 1, 9),
              cols = nq_rng_int(r, 1, 100);
    nq_op_params p = nq_op_params_default();
    qv in[3], out;
    char desc[160];
    if (it % 2 == 0) {
      const nq_op op = UN[(it / 2) % 3];
      make(&in[0], r, NQ_INT16, 2, (int32_t[]){rows, cols}, 1, 0, false);
      make(&out, r, NQ_INT16, 2, (int32_t[]){rows, cols}, 1, 0, false);
      in[0].s[0] = nq_rng_uniform(r, 1.0f / 8192.0f, 1.0f / 1024.0f);
      out.s[0] = op == NQ_OP_EXP ? in[0].s[0] * 2.0f : 1.0f / 32768.0f;
      snprintf(desc, sizeof desc, "16x8 %s %dx%d in scale %g", nq_op_name(op), rows, cols,
               (double)in[0].s[0]);
      compare(desc, op, &p, in, 1, &out, pool);
      unmake(&in[0]);
    } else {
      const nq_op op = BIN[(it / 2) % 5];
      const bool pot = it % 4 == 1 && (op == NQ_OP_ADD || op == NQ_OP_SUB), bcast = it % 7 == 5;
      p.act = op == NQ_OP_MAXIMUM || op == NQ_OP_MINIMUM ? NQ_ACT_NONE : ACTS[(it / 2) % 4];
      make(&in[0], r, NQ_INT16, 2, (int32_t[]){rows, cols}, 1, 0, false);
      make(&in[1], r, NQ_INT16, 2, (int32_t[]){bcast ? 1 : rows, cols}, 1, 0, false);
      make(&out, r, NQ_INT16, 2, (int32_t[]){rows, cols}, 1, 0, false);
      if (pot)
        in[0].s[0] = out.s[0] = 1.0f / 1024.0f, in[1].s[0] = 1.0f / 4096.0f;
      else if (op == NQ_OP_MAXIMUM || op == NQ_OP_MINIMUM)
        in[1].s[0] = out.s[0] = in[0].s[0];
      else
        out.s[0] = in[0].s[0] * (op == NQ_OP_MUL ? in[1].s[0] * 20000.0f : 2.0f);
      snprintf(desc, sizeof desc, "16x8 %s %dx%d%s%s act %d", nq_op_name(op), rows, cols, pot ? " pot" : "",
               bcast ? " broadcast" : "", (int)p.act);
      compare(desc, op, &p, in, 2, &out, pool);
      unmake(&in[0]);
      unmake(&in[1]);
    }
    unmake(&out);
  }
}

int main(int argc, char **argv) {
  nq_test_enter_kernels(argc, argv);
  nq_rng r = {20261208u};
  nq_threadpool *pool = nq_threadpool_create(2);
  conv_cases(&r, pool);
  dw_cases(&r, pool);
  fc_cases(&r, pool);
  pad_cases(&r, pool);
  elementwise_cases(&r, pool);
  nq_threadpool_free(pool);
  printf("%d cases compared, %d through the fast path\n", cases_run, cases_fast);
  CHECKF(cases_run >= 100, "only %d cases ran", cases_run);
  CHECKF(cases_fast >= cases_run * 3 / 4, "only %d of %d cases took the fast path", cases_fast, cases_run);
  return nq_test_finish("test_s16_fast");
}
