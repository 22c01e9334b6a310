/*
 * Integer kernels on small cases with hand-computed outputs (the arithmetic
 * is in the comment beside each), plus random cases checked against the
 * real-number definition (dequantize, compute in double, quantize): a
 * requantizing kernel must land within one step of it in both rounding
 * modes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/int8/int8.h"
#include "testutil.h"

typedef struct tq {
  nq_quant q;
  float s[64];
  int64_t z[64];
} tq;

static nq_tview view(nq_dtype t, int rank, const int32_t *shape, void *data, tq *q, float s, int zp) {
  nq_tview v;
  memset(&v, 0, sizeof v);
  v.type = t;
  v.rank = rank;
  for (int i = 0; i < rank; i++) v.shape[i] = shape[i];
  v.data = data;
  if (q) {
    memset(q, 0, sizeof *q);
    q->q.n = 1;
    q->q.scale = q->s;
    q->q.zero_point = q->z;
    q->s[0] = s;
    q->z[0] = zp;
    v.q = &q->q;
  }
  return v;
}

/* Prepare, run and release one node through nq_int8_kernels. */
static nq_status run_op(nq_op op, const nq_op_params *p, int n_in, nq_tview *in, int n_out, nq_tview *out,
                        int single) {
  nq_node node;
  memset(&node, 0, sizeof node);
  node.op = op;
  node.p = *p;
  nq_kernel_args a;
  memset(&a, 0, sizeof a);
  a.node = &node;
  a.p = &node.p;
  a.n_in = n_in;
  a.in = in;
  a.n_out = n_out;
  a.out = out;
  a.single_rounding = single;
  const nq_kernel *k = &nq_int8_kernels[op];
  nq_error err = {0};
  CHECKF(k->run != NULL, "no int8 kernel for %s", nq_op_name(op));
  if (!k->run) return NQ_ERR_UNSUPPORTED;
  void *prep = NULL;
  nq_status st = k->prepare ? k->prepare(&a, &prep, &err) : NQ_OK;
  if (st == NQ_OK) {
    a.prepared = prep;
    size_t ss = k->scratch ? k->scratch(&a) : 0;
    void *scratch = ss ? aligned_alloc(64, (ss + 63) & ~(size_t)63) : NULL;
    a.scratch = scratch;
    a.scratch_size = ss;
    st = k->run(&a, &err);
    free(scratch);
  }
  if (st != NQ_OK) fprintf(stderr, "%s: %s\n", nq_op_name(op), err.msg);
  free(prep);
  return st;
}

static void expect_i8(const char *what, const int8_t *got, const int8_t *want, int n) {
  for (int i = 0; i < n; i++) CHECKF(got[i] == want[i], "%s[%d]: got %d, want %d", what, i, got[i], want[i]);
}

/* CONV_2D per-channel, fused RELU. Input 1x2x2x1 (0.5, zp -1):
 * q [1,3,-1,5] = real [1,2,0,3]. 2x2 VALID kernels: ch0 all 1 at scale 0.25
 * (real 0.25), ch1 [-2,0,0,0] at 0.5 (real -1). Bias ch0 4 at 0.125 =
 * real 0.5. Real out: ch0 0.25*6 + 0.5 = 2 -> 2/0.125 + 3 = 19;
 * ch1 -1 -> RELU 0 -> zp 3. Multipliers are exactly 1 and 2. */
static void test_conv_per_channel_relu(void) {
  for (int sr = 0; sr < 2; sr++) {
    int8_t x[4] = {1, 3, -1, 5}, w[8] = {1, 1, 1, 1, -2, 0, 0, 0}, y[2] = {0};
    int32_t b[2] = {4, 0};
    tq qx, qw, qb, qy;
    nq_tview in[3], out[1];
    in[0] = view(NQ_INT8, 4, (int32_t[]){1, 2, 2, 1}, x, &qx, 0.5f, -1);
    in[1] = view(NQ_INT8, 4, (int32_t[]){2, 2, 2, 1}, w, &qw, 0.25f, 0);
    qw.q.n = 2;
    qw.s[1] = 0.5f;
    qw.z[1] = 0;
    in[2] = view(NQ_INT32, 1, (int32_t[]){2}, b, &qb, 0.125f, 0);
    out[0] = view(NQ_INT8, 4, (int32_t[]){1, 1, 1, 2}, y, &qy, 0.125f, 3);
    nq_op_params p = nq_op_params_default();
    p.padding = NQ_PAD_VALID;
    p.act = NQ_ACT_RELU;
    CHECK(run_op(NQ_OP_CONV_2D, &p, 3, in, 1, out, sr) == NQ_OK);
    expect_i8("conv", y, (int8_t[]){19, 3}, 2);
  }
}

/* ADD with different scales: in1 (0.5, 0), in2 (0.25, 10), out (1.0, -5).
 * [4,-4] -> [2,-2]; [14,2] -> [1,-2]; sum [3,-4] -> [-2,-9].
 * Broadcast in2 = [14] (real 1): [3,-1] -> [-2,-6]. SUB: [1, -3] -> [-4,-8]. */
static void test_add_sub(void) {
  for (int sr = 0; sr < 2; sr++) {
    int8_t a[2] = {4, -4}, b[2] = {14, 2}, b1[1] = {14}, y[2];
    tq q1, q2, qy;
    nq_tview in[2], out[1];
    in[0] = view(NQ_INT8, 1, (int32_t[]){2}, a, &q1, 0.5f, 0);
    in[1] = view(NQ_INT8, 1, (int32_t[]){2}, b, &q2, 0.25f, 10);
    out[0] = view(NQ_INT8, 1, (int32_t[]){2}, y, &qy, 1.0f, -5);
    nq_op_params p = nq_op_params_default();
    CHECK(run_op(NQ_OP_ADD, &p, 2, in, 1, out, sr) == NQ_OK);
    expect_i8("add", y, (int8_t[]){-2, -9}, 2);
    CHECK(run_op(NQ_OP_SUB, &p, 2, in, 1, out, sr) == NQ_OK);
    expect_i8("sub", y, (int8_t[]){-4, -5}, 2); /* [2-1, -2+2] = [1, 0] */
    in[1] = view(NQ_INT8, 1, (int32_t[]){1}, b1, &q2, 0.25f, 10);
    CHECK(run_op(NQ_OP_ADD, &p, 2, in, 1, out, sr) == NQ_OK);
    expect_i8("add broadcast", y, (int8_t[]){-2, -6}, 2);
    p.act = NQ_ACT_RELU; /* relu floor is the zero point -5 */
    CHECK(run_op(NQ_OP_ADD, &p, 2, in, 1, out, sr) == NQ_OK);
    expect_i8("add relu", y, (int8_t[]){-2, -5}, 2);
  }
}

/* MUL: (0.5, 0) * (0.25, 2) -> (1.0, -1): 4 -> 2, 10 -> 2, 2*2 = 4 -> 3.
 * m = 0.125; 4 * 8 = 32 -> 32 * 0.125 = 4. */
static void test_mul(void) {
  int8_t a[1] = {4}, b[1] = {10}, y[1];
  tq q1, q2, qy;
  nq_tview in[2], out[1];
  in[0] = view(NQ_INT8, 1, (int32_t[]){1}, a, &q1, 0.5f, 0);
  in[1] = view(NQ_INT8, 1, (int32_t[]){1}, b, &q2, 0.25f, 2);
  out[0] = view(NQ_INT8, 1, (int32_t[]){1}, y, &qy, 1.0f, -1);
  nq_op_params p = nq_op_params_default();
  CHECK(run_op(NQ_OP_MUL, &p, 2, in, 1, out, 1) == NQ_OK);
  CHECK(y[0] == 3);
}

/* Pools on 1x2x2x2: channel 0 [1,2,3,5] -> avg 11/4 = 2.75 -> 3, max 5;
 * channel 1 [-1,-2,-3,-5] -> avg -2.75 -> -3 (half away), max -1. */
static void test_pools(void) {
  int8_t x[8] = {1, -1, 2, -2, 3, -3, 5, -5}, y[2];
  tq qx, qy;
  nq_tview in[1], out[1];
  in[0] = view(NQ_INT8, 4, (int32_t[]){1, 2, 2, 2}, x, &qx, 0.1f, 0);
  out[0] = view(NQ_INT8, 4, (int32_t[]){1, 1, 1, 2}, y, &qy, 0.1f, 0);
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_VALID;
  p.filter_h = p.filter_w = 2;
  p.stride_h = p.stride_w = 2;
  CHECK(run_op(NQ_OP_AVERAGE_POOL_2D, &p, 1, in, 1, out, 1) == NQ_OK);
  expect_i8("avgpool", y, (int8_t[]){3, -3}, 2);
  CHECK(run_op(NQ_OP_MAX_POOL_2D, &p, 1, in, 1, out, 1) == NQ_OK);
  expect_i8("maxpool", y, (int8_t[]){5, -1}, 2);
  /* SAME 3x3 window at stride 1 on a 1x1 image: only the centre counts. */
  int8_t x1[1] = {-7}, y1[1];
  in[0] = view(NQ_INT8, 4, (int32_t[]){1, 1, 1, 1}, x1, &qx, 0.1f, 0);
  out[0] = view(NQ_INT8, 4, (int32_t[]){1, 1, 1, 1}, y1, &qy, 0.1f, 0);
  p.padding = NQ_PAD_SAME;
  p.filter_h = p.filter_w = 3;
  p.stride_h = p.stride_w = 1;
  CHECK(run_op(NQ_OP_AVERAGE_POOL_2D, &p, 1, in, 1, out, 1) == NQ_OK);
  CHECK(y1[0] == -7);
}

/* MEAN: [1,2,3,4] (same scale), mean 2.5: a tie, where the two modes part.
 * Double rounding (TFLite's kernels): the spatial path (keep_dims, axes 1,2)
 * gives MBQM(10, 1) = 10, (10 + 2) / 4 = 3; the general path (keep_dims
 * false) rounds 2.5 half away from zero, 3. Single rounding (XNNPACK's qs8
 * mean, what LiteRT runs): 10 * 0.25 rounded half to even, 2, on both.
 * Requantizing general path, out scale doubled, zp 1: mean 2.5 * 0.5 = 1.25
 * -> 1 + 1 = 2 in both modes. */
static void test_mean(void) {
  int8_t x[4] = {1, 2, 3, 4}, y[1];
  int32_t axes[2] = {1, 2};
  tq qx, qy;
  nq_tview in[2], out[1];
  in[0] = view(NQ_INT8, 4, (int32_t[]){1, 2, 2, 1}, x, &qx, 0.5f, 0);
  in[1] = view(NQ_INT32, 1, (int32_t[]){2}, axes, NULL, 0, 0);
  out[0] = view(NQ_INT8, 4, (int32_t[]){1, 1, 1, 1}, y, &qy, 0.5f, 0);
  nq_op_params p = nq_op_params_default();
  p.keep_dims = true;
  CHECK(run_op(NQ_OP_MEAN, &p, 2, in, 1, out, 0) == NQ_OK);
  CHECK(y[0] == 3);
  CHECK(run_op(NQ_OP_MEAN, &p, 2, in, 1, out, 1) == NQ_OK);
  CHECK(y[0] == 2);
  p.keep_dims = false;
  out[0] = view(NQ_INT8, 2, (int32_t[]){1, 1}, y, &qy, 0.5f, 0);
  CHECK(run_op(NQ_OP_MEAN, &p, 2, in, 1, out, 0) == NQ_OK);
  CHECK(y[0] == 3);
  CHECK(run_op(NQ_OP_MEAN, &p, 2, in, 1, out, 1) == NQ_OK);
  CHECK(y[0] == 2);
  out[0] = view(NQ_INT8, 2, (int32_t[]){1, 1}, y, &qy, 1.0f, 1);
  for (int single = 0; single <= 1; single++) {
    CHECK(run_op(NQ_OP_MEAN, &p, 2, in, 1, out, single) == NQ_OK);
    CHECK(y[0] == 2);
  }
  /* SUM of real [0.5,1,1.5,2] = 5 at scale 1, zp 1 -> 6. */
  CHECK(run_op(NQ_OP_SUM, &p, 2, in, 1, out, 1) == NQ_OK);
  CHECK(y[0] == 6);
}

/* SOFTMAX: 4 equal logits -> 1/4 -> 64 - 128 = -64; two -> 0; a row
 * with one large logit puts nearly everything there and stays monotonic. */
static void test_softmax_logistic(void) {
  int8_t x[4] = {5, 5, 5, 5}, y[4];
  tq qx, qy;
  nq_tview in[1], out[1];
  in[0] = view(NQ_INT8, 2, (int32_t[]){1, 4}, x, &qx, 0.1f, 0);
  out[0] = view(NQ_INT8, 2, (int32_t[]){1, 4}, y, &qy, 1.0f / 256, -128);
  nq_op_params p = nq_op_params_default();
  CHECK(run_op(NQ_OP_SOFTMAX, &p, 1, in, 1, out, 1) == NQ_OK);
  expect_i8("softmax", y, (int8_t[]){-64, -64, -64, -64}, 4);
  int8_t x2[4] = {-100, 0, 50, 127};
  in[0].data = x2;
  CHECK(run_op(NQ_OP_SOFTMAX, &p, 1, in, 1, out, 1) == NQ_OK);
  CHECK(y[0] <= y[1] && y[1] <= y[2] && y[2] < y[3]);
  /* exp(-7.7), exp(-12.7), exp(-22.7) relative: last ~ 0.99955 -> 127. */
  CHECK(y[3] == 127 && y[0] == -128);
  /* LOGISTIC(0) = 0.5 -> 0; TANH(0) = 0 -> 0; logistic(-12.8) -> -128. */
  int8_t xl[2] = {0, -128}, yl[2];
  in[0] = view(NQ_INT8, 1, (int32_t[]){2}, xl, &qx, 0.1f, 0);
  out[0] = view(NQ_INT8, 1, (int32_t[]){2}, yl, &qy, 1.0f / 256, -128);
  CHECK(run_op(NQ_OP_LOGISTIC, &p, 1, in, 1, out, 1) == NQ_OK);
  expect_i8("logistic", yl, (int8_t[]){0, -128}, 2);
  out[0] = view(NQ_INT8, 1, (int32_t[]){2}, yl, &qy, 1.0f / 128, 0);
  CHECK(run_op(NQ_OP_TANH, &p, 1, in, 1, out, 1) == NQ_OK);
  expect_i8("tanh", yl, (int8_t[]){0, -128}, 2);
}

/* QUANTIZE int8 -> uint8 with the same scale and zp + 128 is q + 128
 * exactly for all 256 values; int8 -> int8 halving the scale doubles. */
static void test_quantize(void) {
  int8_t x[256];
  uint8_t y[256];
  int8_t z[256];
  for (int i = 0; i < 256; i++) x[i] = (int8_t)(i - 128);
  tq qx, qy;
  nq_tview in[1], out[1];
  nq_op_params p = nq_op_params_default();
  for (int sr = 0; sr < 2; sr++) {
    in[0] = view(NQ_INT8, 1, (int32_t[]){256}, x, &qx, 0.037f, -3);
    out[0] = view(NQ_UINT8, 1, (int32_t[]){256}, y, &qy, 0.037f, 125);
    CHECK(run_op(NQ_OP_QUANTIZE, &p, 1, in, 1, out, sr) == NQ_OK);
    for (int i = 0; i < 256; i++) CHECK(y[i] == i);
    out[0] = view(NQ_INT8, 1, (int32_t[]){256}, z, &qy, 0.0185f, 0);
    CHECK(run_op(NQ_OP_QUANTIZE, &p, 1, in, 1, out, sr) == NQ_OK);
    for (int i = 0; i < 256; i++) {
      int want = 2 * (i - 128 + 3);
      want = want < -128 ? -128 : want > 127 ? 127 : want;
      CHECKF(z[i] == want, "requant %d: %d vs %d", i, z[i], want);
    }
  }
}

/* PAD fills with the output zero point; PADV2 with its constant. */
static void test_pad(void) {
  int8_t x[2] = {1, 2}, y[5], c[1] = {9};
  int32_t pads[2] = {1, 2};
  tq qx, qy;
  nq_tview in[3], out[1];
  in[0] = view(NQ_INT8, 1, (int32_t[]){2}, x, &qx, 0.5f, -7);
  in[1] = view(NQ_INT32, 2, (int32_t[]){1, 2}, pads, NULL, 0, 0);
  in[2] = view(NQ_INT8, 0, NULL, c, &qx, 0.5f, -7);
  out[0] = view(NQ_INT8, 1, (int32_t[]){5}, y, &qy, 0.5f, -7);
  nq_op_params p = nq_op_params_default();
  CHECK(run_op(NQ_OP_PAD, &p, 2, in, 1, out, 1) == NQ_OK);
  expect_i8("pad", y, (int8_t[]){-7, 1, 2, -7, -7}, 5);
  CHECK(run_op(NQ_OP_PADV2, &p, 3, in, 1, out, 1) == NQ_OK);
  expect_i8("padv2", y, (int8_t[]){9, 1, 2, 9, 9}, 5);
}

/* CONCATENATION with rescaling (float rule of ConcatenationWithScaling):
 * in0 (0.05, 1) copied; in1 (0.02, -9) -> out (0.05, 1):
 * q = round(q1 * 0.4 + 3.6) + 1: -9 -> 0 + 1 = 1; 16 -> round(10) + 1 = 11;
 * 1 -> round(4.0) + 1 = 5; 100 -> round(43.6) + 1 = 45. */
static void test_concat_requant(void) {
  int8_t a[2] = {7, -3}, b[4] = {-9, 16, 1, 100}, y[6];
  tq qa, qb, qy;
  nq_tview in[2], out[1];
  in[0] = view(NQ_INT8, 2, (int32_t[]){2, 1}, a, &qa, 0.05f, 1);
  in[1] = view(NQ_INT8, 2, (int32_t[]){2, 2}, b, &qb, 0.02f, -9);
  out[0] = view(NQ_INT8, 2, (int32_t[]){2, 3}, y, &qy, 0.05f, 1);
  nq_op_params p = nq_op_params_default();
  p.axis = -1;
  CHECK(run_op(NQ_OP_CONCATENATION, &p, 2, in, 1, out, 1) == NQ_OK);
  expect_i8("concat", y, (int8_t[]){7, 1, 11, -3, 5, 45}, 6);
}

/* L2_NORMALIZATION of [3, 4]: [0.6, 0.8] * 128 = [76.8, 102.4] -> 77, 102
 * (within one step: 1/sqrt is a five-step Newton iteration). */
static void test_l2norm_resize(void) {
  int8_t x[2] = {3, 4}, y[2];
  tq qx, qy;
  nq_tview in[1], out[1];
  in[0] = view(NQ_INT8, 2, (int32_t[]){1, 2}, x, &qx, 0.3f, 0);
  out[0] = view(NQ_INT8, 2, (int32_t[]){1, 2}, y, &qy, 1.0f / 128, 0);
  nq_op_params p = nq_op_params_default();
  CHECK(run_op(NQ_OP_L2_NORMALIZATION, &p, 1, in, 1, out, 1) == NQ_OK);
  CHECKF(abs(y[0] - 77) <= 1 && abs(y[1] - 102) <= 1, "l2norm %d %d", y[0], y[1]);
  /* RESIZE_BILINEAR [0, 100] to width 4: scale10 = (2048 + 2) / 4 = 512;
   * x = 0, 512, 1024, 1536 -> 0, 50, 100, 100 (the last tap clamps). */
  int8_t r[2] = {0, 100}, ry[4];
  int32_t size[2] = {1, 4};
  nq_tview rin[2], rout[1];
  rin[0] = view(NQ_INT8, 4, (int32_t[]){1, 1, 2, 1}, r, &qx, 0.3f, 0);
  rin[1] = view(NQ_INT32, 1, (int32_t[]){2}, size, NULL, 0, 0);
  rout[0] = view(NQ_INT8, 4, (int32_t[]){1, 1, 4, 1}, ry, &qy, 0.3f, 0);
  CHECK(run_op(NQ_OP_RESIZE_BILINEAR, &p, 2, rin, 1, rout, 1) == NQ_OK);
  expect_i8("resize", ry, (int8_t[]){0, 50, 100, 100}, 4);
}

static int8_t quantize_real(double v, float s, int zp, int lo, int hi) {
  double q = nearbyint(v / s) + zp;
  return (int8_t)(q < lo ? lo : q > hi ? hi : q);
}

/* Random CONV_2D (per-channel, SAME, stride 2, dilation 2 on H) against
 * the real-number definition. */
static void test_conv_random(void) {
  nq_rng r = {7};
  enum { N = 1, H = 9, W = 8, C = 5, O = 4, KH = 3, KW = 2 };
  const int OH = 5, OW = 4, sh = 2, sw = 2, dh = 2, dw = 1;
  int8_t x[N * H * W * C], w[O * KH * KW * C], y[N * OH * OW * O];
  int32_t b[O];
  tq qx, qw, qb, qy;
  const float sx = 0.05f, sy = 0.2f;
  const int zx = 7, zy = -3;
  for (size_t i = 0; i < sizeof x; i++) x[i] = (int8_t)nq_rng_int(&r, -128, 127);
  for (size_t i = 0; i < sizeof w; i++) w[i] = (int8_t)nq_rng_int(&r, -127, 127);
  nq_tview in[3], out[1];
  in[0] = view(NQ_INT8, 4, (int32_t[]){N, H, W, C}, x, &qx, sx, zx);
  in[1] = view(NQ_INT8, 4, (int32_t[]){O, KH, KW, C}, w, &qw, 0, 0);
  qw.q.n = O;
  for (int o = 0; o < O; o++) {
    qw.s[o] = nq_rng_uniform(&r, 0.002f, 0.02f);
    qw.z[o] = 0;
    b[o] = nq_rng_int(&r, -2000, 2000);
  }
  in[2] = view(NQ_INT32, 1, (int32_t[]){O}, b, &qb, 0, 0);
  out[0] = view(NQ_INT8, 4, (int32_t[]){N, OH, OW, O}, y, &qy, sy, zy);
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_SAME;
  p.stride_h = sh;
  p.stride_w = sw;
  p.dilation_h = dh;
  p.dilation_w = dw;
  for (int sr = 0; sr < 2; sr++) {
    CHECK(run_op(NQ_OP_CONV_2D, &p, 3, in, 1, out, sr) == NQ_OK);
    /* SAME: total pad = (OH-1)*sh + (KH-1)*dh + 1 - H = 8 + 5 - 9 = 4 -> 2. */
    const int ph = 2, pw = 0; /* W: 6 + 2 - 8 = 0 */
    int worst = 0;
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++)
        for (int o = 0; o < O; o++) {
          double acc = b[o] * (double)sx * qw.s[o];
          for (int ky = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++) {
              int iy = oy * sh - ph + ky * dh, ix = ox * sw - pw + kx * dw;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              for (int c = 0; c < C; c++)
                acc += (x[(iy * W + ix) * C + c] - zx) * (double)sx *
                       (w[((o * KH + ky) * KW + kx) * C + c] * (double)qw.s[o]);
            }
          int want = quantize_real(acc, sy, zy, -128, 127);
          int d = abs(y[(oy * OW + ox) * O + o] - want);
          if (d > worst) worst = d;
        }
    CHECKF(worst <= 1, "conv random (single=%d): worst difference %d steps", sr, worst);
  }
}

/* Random DEPTHWISE (multiplier 2), FULLY_CONNECTED and MUL against reals. */
static void test_dw_fc_mul_random(void) {
  nq_rng r = {99};
  enum { H = 5, W = 5, C = 3, M = 2, K = 3 };
  int8_t x[H * W * C], w[K * K * C * M], y[H * W * C * M];
  int32_t b[C * M];
  tq qx, qw, qb, qy;
  for (size_t i = 0; i < sizeof x; i++) x[i] = (int8_t)nq_rng_int(&r, -128, 127);
  for (size_t i = 0; i < sizeof w; i++) w[i] = (int8_t)nq_rng_int(&r, -127, 127);
  nq_tview in[3], out[1];
  in[0] = view(NQ_INT8, 4, (int32_t[]){1, H, W, C}, x, &qx, 0.02f, -20);
  in[1] = view(NQ_INT8, 4, (int32_t[]){1, K, K, C * M}, w, &qw, 0, 0);
  qw.q.n = C * M;
  qw.q.axis = 3;
  for (int o = 0; o < C * M; o++) {
    qw.s[o] = nq_rng_uniform(&r, 0.001f, 0.01f);
    b[o] = nq_rng_int(&r, -500, 500);
  }
  in[2] = view(NQ_INT32, 1, (int32_t[]){C * M}, b, &qb, 0, 0);
  out[0] = view(NQ_INT8, 4, (int32_t[]){1, H, W, C * M}, y, &qy, 0.03f, 4);
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_SAME;
  p.depth_multiplier = M;
  p.act = NQ_ACT_RELU6;
  for (int sr = 0; sr < 2; sr++) {
    CHECK(run_op(NQ_OP_DEPTHWISE_CONV_2D, &p, 3, in, 1, out, sr) == NQ_OK);
    int worst = 0;
    for (int oy = 0; oy < H; oy++)
      for (int ox = 0; ox < W; ox++)
        for (int o = 0; o < C * M; o++) {
          double acc = b[o] * 0.02 * qw.s[o];
          for (int ky = 0; ky < K; ky++)
            for (int kx = 0; kx < K; kx++) {
              int iy = oy - 1 + ky, ix = ox - 1 + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              acc += (x[(iy * W + ix) * C + o / M] + 20) * (double)0.02f *
                     (w[(ky * K + kx) * C * M + o] * (double)qw.s[o]);
            }
          acc = acc < 0 ? 0 : acc > 6 ? 6 : acc;
          int d = abs(y[(oy * W + ox) * C * M + o] - quantize_real(acc, 0.03f, 4, -128, 127));
          if (d > worst) worst = d;
        }
    CHECKF(worst <= 1, "depthwise random (single=%d): worst %d", sr, worst);
  }
  /* FULLY_CONNECTED [3, 16] x [6, 16], per-tensor weights, no bias. */
  int8_t fx[48], fw[96], fy[18];
  for (int i = 0; i < 48; i++) fx[i] = (int8_t)nq_rng_int(&r, -128, 127);
  for (int i = 0; i < 96; i++) fw[i] = (int8_t)nq_rng_int(&r, -127, 127);
  nq_tview fin[2], fout[1];
  fin[0] = view(NQ_INT8, 2, (int32_t[]){3, 16}, fx, &qx, 0.04f, 11);
  fin[1] = view(NQ_INT8, 2, (int32_t[]){6, 16}, fw, &qw, 0.007f, 0);
  fout[0] = view(NQ_INT8, 2, (int32_t[]){3, 6}, fy, &qy, 0.1f, -9);
  nq_op_params pf = nq_op_params_default();
  for (int sr = 0; sr < 2; sr++) {
    CHECK(run_op(NQ_OP_FULLY_CONNECTED, &pf, 2, fin, 1, fout, sr) == NQ_OK);
    int worst = 0;
    for (int bb = 0; bb < 3; bb++)
      for (int o = 0; o < 6; o++) {
        double acc = 0;
        for (int i = 0; i < 16; i++)
          acc += (fx[bb * 16 + i] - 11) * (double)0.04f * fw[o * 16 + i] * (double)0.007f;
        int d = abs(fy[bb * 6 + o] - quantize_real(acc, 0.1f, -9, -128, 127));
        if (d > worst) worst = d;
      }
    CHECKF(worst <= 1, "fc random (single=%d): worst %d", sr, worst);
  }
  /* MUL with broadcasting [2,3] * [3]. */
  int8_t ma[6], mb[3], my[6];
  for (int i = 0; i < 6; i++) ma[i] = (int8_t)nq_rng_int(&r, -128, 127);
  for (int i = 0; i < 3; i++) mb[i] = (int8_t)nq_rng_int(&r, -128, 127);
  nq_tview min[2], mout[1];
  min[0] = view(NQ_INT8, 2, (int32_t[]){2, 3}, ma, &qx, 0.03f, 5);
  min[1] = view(NQ_INT8, 1, (int32_t[]){3}, mb, &qw, 0.02f, -6);
  mout[0] = view(NQ_INT8, 2, (int32_t[]){2, 3}, my, &qy, 0.01f, 2);
  for (int sr = 0; sr < 2; sr++) {
    CHECK(run_op(NQ_OP_MUL, &pf, 2, min, 1, mout, sr) == NQ_OK);
    for (int i = 0; i < 6; i++) {
      double v = (ma[i] - 5) * (double)0.03f * (mb[i % 3] + 6) * (double)0.02f;
      CHECKF(abs(my[i] - quantize_real(v, 0.01f, 2, -128, 127)) <= 1, "mul %d", i);
    }
  }
}

/* HARD_SWISH over all 256 inputs against x * relu6(x + 3) / 6. */
static void test_hardswish(void) {
  int8_t x[256], y[256];
  for (int i = 0; i < 256; i++) x[i] = (int8_t)(i - 128);
  tq qx, qy;
  nq_tview in[1], out[1];
  in[0] = view(NQ_INT8, 1, (int32_t[]){256}, x, &qx, 0.05f, -10);
  out[0] = view(NQ_INT8, 1, (int32_t[]){256}, y, &qy, 0.04f, -100);
  nq_op_params p = nq_op_params_default();
  CHECK(run_op(NQ_OP_HARD_SWISH, &p, 1, in, 1, out, 1) == NQ_OK);
  int worst = 0;
  for (int i = 0; i < 256; i++) {
    double v = (x[i] + 10) * (double)0.05f;
    double h = v * fmin(6.0, fmax(0.0, v + 3)) / 6;
    int d = abs(y[i] - quantize_real(h, 0.04f, -100, -128, 127));
    if (d > worst) worst = d;
  }
  CHECKF(worst <= 1, "hard_swish worst %d", worst);
}

/* BATCH_MATMUL [1,2,3] x [1,3,1] (zero points 1 and -1, scales 0.5, 0.25,
 * out 0.125): L - 1 = [[1,2,3],[0,-1,2]], R + 1 = [1,1,2]; sums 9 and 3;
 * m = 0.5 * 0.25 / 0.125 = 1 -> [9, 3]. ABS of (0.5, -2) -> (0.25, 0):
 * [-6, 0, 3] -> |[-4, 2, 5]| * 2 = [8, 4, 10]. REDUCE_MAX over axis 1 of
 * [[1,5],[7,-2]] -> [5, 7]; TILE [1,2] x 2 -> [1,2,1,2]; ELU(0) = 0. */
static void test_misc_ops(void) {
  int8_t l[6] = {2, 3, 4, 1, 0, 3}, r[3] = {0, 0, 1}, y[2];
  tq ql, qr, qy;
  nq_tview in[2], out[1];
  nq_op_params p = nq_op_params_default();
  in[0] = view(NQ_INT8, 3, (int32_t[]){1, 2, 3}, l, &ql, 0.5f, 1);
  in[1] = view(NQ_INT8, 3, (int32_t[]){1, 3, 1}, r, &qr, 0.25f, -1);
  out[0] = view(NQ_INT8, 3, (int32_t[]){1, 2, 1}, y, &qy, 0.125f, 0);
  for (int sr = 0; sr < 2; sr++) {
    CHECK(run_op(NQ_OP_BATCH_MATMUL, &p, 2, in, 1, out, sr) == NQ_OK);
    expect_i8("batch_matmul", y, (int8_t[]){9, 3}, 2);
  }
  int8_t ax[3] = {-6, 0, 3}, ay[3];
  in[0] = view(NQ_INT8, 1, (int32_t[]){3}, ax, &ql, 0.5f, -2);
  out[0] = view(NQ_INT8, 1, (int32_t[]){3}, ay, &qy, 0.25f, 0);
  CHECK(run_op(NQ_OP_ABS, &p, 1, in, 1, out, 1) == NQ_OK);
  expect_i8("abs", ay, (int8_t[]){8, 4, 10}, 3);
  int8_t mx[4] = {1, 5, 7, -2}, my[2];
  int32_t axis[1] = {1};
  in[0] = view(NQ_INT8, 2, (int32_t[]){2, 2}, mx, &ql, 0.5f, 0);
  in[1] = view(NQ_INT32, 1, (int32_t[]){1}, axis, NULL, 0, 0);
  out[0] = view(NQ_INT8, 1, (int32_t[]){2}, my, &qy, 0.5f, 0);
  CHECK(run_op(NQ_OP_REDUCE_MAX, &p, 2, in, 1, out, 1) == NQ_OK);
  expect_i8("reduce_max", my, (int8_t[]){5, 7}, 2);
  int8_t tx[2] = {1, 2}, ty[4];
  int32_t mult[1] = {2};
  in[0] = view(NQ_INT8, 1, (int32_t[]){2}, tx, &ql, 0.5f, 0);
  in[1] = view(NQ_INT32, 1, (int32_t[]){1}, mult, NULL, 0, 0);
  out[0] = view(NQ_INT8, 1, (int32_t[]){4}, ty, &qy, 0.5f, 0);
  CHECK(run_op(NQ_OP_TILE, &p, 2, in, 1, out, 1) == NQ_OK);
  expect_i8("tile", ty, (int8_t[]){1, 2, 1, 2}, 4);
  int8_t ex[1] = {5}, ey[1];
  in[0] = view(NQ_INT8, 1, (int32_t[]){1}, ex, &ql, 0.1f, 5);
  out[0] = view(NQ_INT8, 1, (int32_t[]){1}, ey, &qy, 0.05f, -7);
  CHECK(run_op(NQ_OP_ELU, &p, 1, in, 1, out, 1) == NQ_OK);
  CHECK(ey[0] == -7);
}

/* Negative tests: kernels refuse what they cannot compute. */
static void test_rejects(void) {
  int8_t x[4] = {0}, y[4];
  tq qx, qy;
  nq_tview in[2], out[1];
  nq_op_params p = nq_op_params_default();
  in[0] = view(NQ_INT8, 1, (int32_t[]){4}, x, &qx, 0.0f, 0); /* scale 0 */
  in[1] = view(NQ_INT8, 1, (int32_t[]){4}, x, &qx, 0.0f, 0);
  out[0] = view(NQ_INT8, 1, (int32_t[]){4}, y, &qy, 0.1f, 0);
  CHECK(run_op(NQ_OP_ADD, &p, 2, in, 1, out, 1) != NQ_OK);
  in[0] = view(NQ_INT8, 1, (int32_t[]){4}, x, NULL, 0, 0); /* not quantized */
  CHECK(run_op(NQ_OP_LOGISTIC, &p, 1, in, 1, out, 1) != NQ_OK);
  int32_t idx[1] = {4};
  in[0] = view(NQ_INT8, 1, (int32_t[]){4}, x, &qx, 0.1f, 0);
  in[1] = view(NQ_INT32, 1, (int32_t[]){1}, idx, NULL, 0, 0);
  out[0] = view(NQ_INT8, 1, (int32_t[]){1}, y, &qy, 0.1f, 0);
  CHECK(run_op(NQ_OP_GATHER, &p, 2, in, 1, out, 1) != NQ_OK); /* index out of range */

  /* CONV_2D: 3 per-channel scales for 2 output channels. */
  static int8_t cx[70000], cw[140000], cy[2];
  tq qw;
  nq_tview cin[3], cout[1];
  cin[0] = view(NQ_INT8, 4, (int32_t[]){1, 1, 1, 4}, cx, &qx, 0.1f, 0);
  cin[1] = view(NQ_INT8, 4, (int32_t[]){2, 1, 1, 4}, cw, &qw, 0.01f, 0);
  qw.q.n = 3;
  cin[2] = view(NQ_INT32, 1, (int32_t[]){2}, NULL, NULL, 0, 0);
  cout[0] = view(NQ_INT8, 4, (int32_t[]){1, 1, 1, 2}, cy, &qy, 0.1f, 0);
  CHECK(run_op(NQ_OP_CONV_2D, &p, 3, cin, 1, cout, 1) != NQ_OK);
  /* FULLY_CONNECTED with 70000 inputs of weight 127: 70000 * 255 * 127
   * exceeds 2^31, the int32 accumulator bound; prepare refuses. With
   * weights of 1 it fits (70000 * 255 < 2^31) and runs. */
  memset(cw, 127, sizeof cw);
  cin[0] = view(NQ_INT8, 2, (int32_t[]){1, 70000}, cx, &qx, 0.1f, 0);
  cin[1] = view(NQ_INT8, 2, (int32_t[]){2, 70000}, cw, &qw, 0.01f, 0);
  cout[0] = view(NQ_INT8, 2, (int32_t[]){1, 2}, cy, &qy, 0.1f, 0);
  CHECK(run_op(NQ_OP_FULLY_CONNECTED, &p, 2, cin, 1, cout, 1) != NQ_OK);
  memset(cw, 1, sizeof cw);
  CHECK(run_op(NQ_OP_FULLY_CONNECTED, &p, 2, cin, 1, cout, 1) == NQ_OK);
  /* L2_NORMALIZATION insists on the (1/128, 0) output TFLite fixes. */
  in[0] = view(NQ_INT8, 1, (int32_t[]){4}, x, &qx, 0.1f, 0);
  out[0] = view(NQ_INT8, 1, (int32_t[]){4}, y, &qy, 0.1f, 0);
  CHECK(run_op(NQ_OP_L2_NORMALIZATION, &p, 1, in, 1, out, 1) != NQ_OK);
  /* HARD_SWISH needs s_in / 128 / s_out < 1. */
  in[0] = view(NQ_INT8, 1, (int32_t[]){4}, x, &qx, 100.0f, 0);
  out[0] = view(NQ_INT8, 1, (int32_t[]){4}, y, &qy, 0.01f, 0);
  CHECK(run_op(NQ_OP_HARD_SWISH, &p, 1, in, 1, out, 1) != NQ_OK);
  /* Zero point outside the type. */
  in[0] = view(NQ_INT8, 1, (int32_t[]){4}, x, &qx, 0.1f, 200);
  out[0] = view(NQ_INT8, 1, (int32_t[]){4}, y, &qy, 0.1f, 0);
  CHECK(run_op(NQ_OP_RELU, &p, 1, in, 1, out, 1) != NQ_OK);
}

int main(void) {
  test_conv_per_channel_relu();
  test_add_sub();
  test_mul();
  test_pools();
  test_mean();
  test_softmax_logistic();
  test_quantize();
  test_pad();
  test_l2norm_resize();
  test_concat_requant();
  test_conv_random();
  test_dw_fc_mul_random();
  test_hardswish();
  test_misc_ops();
  test_rejects();
  return nq_test_finish("test_int8_kernels");
}
