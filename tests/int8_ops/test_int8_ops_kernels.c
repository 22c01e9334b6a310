/*
 * The integer kernels of this area against the real-number definitions,
 * without any runtime oracle (test_int8_ops.py does the bit-exact LiteRT
 * comparison):
 *  - the gemmlowp fixed-point functions (fixedpoint.h) against libm's exp,
 *    1/(1+x) and log, to within a few Q-format steps;
 *  - LOG_SOFTMAX, SQUARED_DIFFERENCE, RSQRT, SQRT and LOG on random and
 *    exhaustive int8 inputs: dequantize, compute in double, quantize; the
 *    kernel must land within one output step in both rounding modes;
 *  - the error paths: wrong LOG_SOFTMAX output parameters, uint8 where
 *    TFLite has int8 only, and RSQRT/SQRT of a value below the zero point.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/int8/fixedpoint.h"
#include "exec/int8/int8.h"
#include "testutil.h"

typedef struct qp {
  nq_quant q;
  float s;
  int64_t z;
} qp;

static nq_tview mkview(nq_dtype t, int rank, const int32_t *shape, void *data, qp *q, float s, int zp) {
  nq_tview v;
  memset(&v, 0, sizeof v);
  v.type = t;
  v.rank = rank;
  memcpy(v.shape, shape, sizeof(int32_t) * (size_t)rank);
  v.data = data;
  memset(q, 0, sizeof *q);
  q->s = s;
  q->z = zp;
  q->q.n = 1;
  q->q.scale = &q->s;
  q->q.zero_point = &q->z;
  v.q = &q->q;
  return v;
}

/* Prepare + run one node; the message goes to msg (may be NULL). */
static nq_status run_node(nq_op op, int n_in, nq_tview *in, nq_tview *out, int single, char *msg) {
  nq_node node;
  memset(&node, 0, sizeof node);
  node.op = op;
  node.p = nq_op_params_default();
  nq_kernel_args a;
  memset(&a, 0, sizeof a);
  a.node = &node;
  a.p = &node.p;
  a.n_in = n_in;
  a.in = in;
  a.n_out = 1;
  a.out = out;
  a.single_rounding = single;
  const nq_kernel *k = &nq_int8_kernels[op];
  if (!k->run) return NQ_ERR_UNSUPPORTED;
  nq_error err = {0};
  void *prep = NULL;
  nq_status st = k->prepare ? k->prepare(&a, &prep, &err) : NQ_OK;
  a.prepared = prep;
  if (st == NQ_OK) st = k->run(&a, &err);
  free(prep);
  if (msg) strcpy(msg, st == NQ_OK ? "" : err.msg);
  return st;
}

static int quantize(double v, double s, int zp) {
  double q = round(v / s) + zp;
  return q < -128 ? -128 : q > 127 ? 127 : (int)q;
}

/* ---- fixed point ---- */

static void test_fixedpoint(void) {
  double worst = 0;
  for (int i = 0; i <= 4000; i++) { /* x in [-31.9, 0], Q5 */
    const double x = -31.9 * i / 4000.0;
    const int32_t raw = (int32_t)llround(x * (double)(1 << 26));
    const double got = nq_fp_exp_on_negative_values(raw, 5) / 2147483648.0;
    const double e = fabs(got - exp(raw / (double)(1 << 26)));
    if (e > worst) worst = e;
  }
  CHECKF(worst < 5e-7, "exp_on_negative_values(Q5) error %g", worst);
  CHECK(nq_fp_exp_on_negative_values(0, 5) == INT32_MAX);

  worst = 0;
  for (int i = 0; i < 1000; i++) { /* a in [0, 1), Q0 */
    const int32_t raw = (int32_t)((int64_t)i * 2147483 + 17);
    const double a = raw / 2147483648.0;
    const double e = fabs(nq_fp_one_over_one_plus_x(raw) / 2147483648.0 - 1.0 / (1.0 + a));
    if (e > worst) worst = e;
  }
  CHECKF(worst < 1e-8, "one_over_one_plus_x error %g", worst);

  worst = 0;
  for (int i = 0; i <= 3000; i++) { /* x in [1, 4000), Q12 in, Q5 out */
    const double x = 1.0 + 3999.0 * i / 3000.0 * (i % 7 + 1) / 7.0;
    const int32_t raw = (int32_t)llround(x * (double)(1 << 19));
    const double got = nq_fp_log_x_ge_1(raw, 12, 5) / (double)(1 << 26);
    const double e = fabs(got - log(raw / (double)(1 << 19)));
    if (e > worst) worst = e;
  }
  CHECKF(worst < 1e-6, "log_x_for_x_greater_than_or_equal_to_1 error %g", worst);

  CHECK(nq_fp_sat_lshift(1 << 29, 2) == INT32_MAX);
  CHECK(nq_fp_sat_lshift(-(1 << 29) - 1, 2) == INT32_MIN);
  CHECK(nq_fp_sat_lshift(-5, 3) == -40);
  CHECK(nq_fp_rescale(-6, 0, 2) == -2); /* -1.5 rounds away from zero */
  CHECK(nq_fp_rounding_half_sum(3, 4) == 4 && nq_fp_rounding_half_sum(-3, -4) == -4);
}

/* ---- LOG_SOFTMAX ---- */

static void test_log_softmax(void) {
  nq_rng rng = {11};
  const float scales[4] = {0.01f, 0.07f, 0.25f, 1.0f};
  int worst = 0;
  for (int sr = 0; sr < 2; sr++) {
    for (int si = 0; si < 4; si++) {
      enum { ROWS = 20, DEPTH = 33 };
      int8_t x[ROWS * DEPTH], y[ROWS * DEPTH];
      const int zp = nq_rng_int(&rng, -100, 100);
      for (int i = 0; i < ROWS * DEPTH; i++) x[i] = (int8_t)nq_rng_int(&rng, -128, 127);
      qp qi, qo;
      const int32_t shape[2] = {ROWS, DEPTH};
      nq_tview in = mkview(NQ_INT8, 2, shape, x, &qi, scales[si], zp);
      nq_tview out = mkview(NQ_INT8, 2, shape, y, &qo, 16.0f / 256.0f, 127);
      char msg[1024];
      CHECKF(run_node(NQ_OP_LOG_SOFTMAX, 1, &in, &out, sr, msg) == NQ_OK, "%s", msg);
      for (int r = 0; r < ROWS; r++) {
        /* The row's largest input, then its real value (the scale is
         * positive, so the same value as a max over real values) without
         * an fmax reduction over converted values, which Debian's aarch64
         * GCC 12.2 cannot vectorize at -O3 (internal compiler error). */
        int xmax = -128;
        for (int j = 0; j < DEPTH; j++) xmax = x[r * DEPTH + j] > xmax ? x[r * DEPTH + j] : xmax;
        double mx = scales[si] * (xmax - zp), sum = 0;
        for (int j = 0; j < DEPTH; j++) sum += exp(scales[si] * (x[r * DEPTH + j] - zp) - mx);
        for (int j = 0; j < DEPTH; j++) {
          const double v = scales[si] * (x[r * DEPTH + j] - zp) - mx - log(sum);
          /* TFLite's Prepare bounds the differences it scales
           * (diff_min: 31 * 2^26 / 2^left_shift input steps, at least 15.5
           * in real units); an element further below the row maximum
           * gets -128 whatever its log-softmax (bit-exact with LiteRT). */
          const double diff = scales[si] * (x[r * DEPTH + j] - zp) - mx;
          if (y[r * DEPTH + j] == -128 && diff <= -15.5) continue;
          const int d = abs(y[r * DEPTH + j] - quantize(v, 1.0 / 16, 127));
          if (d > worst) worst = d;
        }
      }
    }
  }
  CHECKF(worst <= 1, "LOG_SOFTMAX: %d steps from the real log-softmax", worst);

  /* TFLite's fixed output parameters and int8-only form are enforced. */
  int8_t x[4] = {0}, y[4];
  qp qi, qo;
  const int32_t shape[1] = {4};
  nq_tview in = mkview(NQ_INT8, 1, shape, x, &qi, 0.1f, 0);
  nq_tview out = mkview(NQ_INT8, 1, shape, y, &qo, 1.0f / 16.0f, 0);
  char msg[1024];
  CHECK(run_node(NQ_OP_LOG_SOFTMAX, 1, &in, &out, 0, msg) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(msg, "LOG_SOFTMAX") && strstr(msg, "127"), "%s", msg);
  in.type = out.type = NQ_UINT8;
  qo.z = 127;
  CHECK(run_node(NQ_OP_LOG_SOFTMAX, 1, &in, &out, 0, msg) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(msg, "uint8"), "%s", msg);

  /* A row longer than TFLite's Q12 sum can hold is refused, not wrapped. */
  enum { LONG = 5000 };
  int8_t *lx = calloc(LONG, 1), *ly = calloc(LONG, 1);
  const int32_t lshape[1] = {LONG};
  in = mkview(NQ_INT8, 1, lshape, lx, &qi, 0.1f, 0);
  out = mkview(NQ_INT8, 1, lshape, ly, &qo, 1.0f / 16.0f, 127);
  CHECK(lx && ly && run_node(NQ_OP_LOG_SOFTMAX, 1, &in, &out, 0, msg) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(msg, "5000") && strstr(msg, "4096"), "%s", msg);
  free(lx);
  free(ly);
}

/* ---- SQUARED_DIFFERENCE (with broadcasting) ---- */

static void test_squared_difference(void) {
  nq_rng rng = {12};
  int worst = 0;
  for (int sr = 0; sr < 2; sr++) {
    for (int trial = 0; trial < 6; trial++) {
      int8_t a[2 * 3 * 4], b[4], y[2 * 3 * 4];
      for (int i = 0; i < 24; i++) a[i] = (int8_t)nq_rng_int(&rng, -128, 127);
      for (int i = 0; i < 4; i++) b[i] = (int8_t)nq_rng_int(&rng, -128, 127);
      const float sa = nq_rng_uniform(&rng, 0.005f, 0.05f), sb = nq_rng_uniform(&rng, 0.005f, 0.05f);
      const int za = nq_rng_int(&rng, -50, 50), zb = nq_rng_int(&rng, -50, 50);
      /* Output range covering the largest possible square. */
      const double big = pow(255.0 * fmax(sa, sb), 2);
      const float so = (float)(big / 255.0) * nq_rng_uniform(&rng, 0.3f, 1.0f);
      qp q0, q1, qo;
      nq_tview in[2];
      in[0] = mkview(NQ_INT8, 3, (const int32_t[]){2, 3, 4}, a, &q0, sa, za);
      in[1] = mkview(NQ_INT8, 1, (const int32_t[]){4}, b, &q1, sb, zb);
      nq_tview out = mkview(NQ_INT8, 3, (const int32_t[]){2, 3, 4}, y, &qo, so, -128);
      char msg[1024];
      CHECKF(run_node(NQ_OP_SQUARED_DIFFERENCE, 2, in, &out, sr, msg) == NQ_OK, "%s", msg);
      for (int i = 0; i < 24; i++) {
        const double d = sa * (a[i] - za) - sb * (b[i % 4] - zb);
        const int e = abs(y[i] - quantize(d * d, so, -128));
        if (e > worst) worst = e;
      }
    }
  }
  CHECKF(worst <= 1, "SQUARED_DIFFERENCE: %d steps from (a - b)^2", worst);

  /* An output scale so fine that the output multiplier reaches 1 is
   * outside TFLite's QuantizeMultiplierSmallerThanOneExp: refused. */
  int8_t a[1] = {0}, b[1] = {0}, y[1];
  qp q0, q1, qo;
  nq_tview in[2];
  in[0] = mkview(NQ_INT8, 1, (const int32_t[]){1}, a, &q0, 1.0f, 0);
  in[1] = mkview(NQ_INT8, 1, (const int32_t[]){1}, b, &q1, 1.0f, 0);
  nq_tview out = mkview(NQ_INT8, 1, (const int32_t[]){1}, y, &qo, 1e-5f, 0);
  char msg[1024];
  CHECK(run_node(NQ_OP_SQUARED_DIFFERENCE, 2, in, &out, 0, msg) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(msg, "SQUARED_DIFFERENCE") && strstr(msg, "below 1"), "%s", msg);
}

/* ---- RSQRT, SQRT, LOG over every int8 input code ---- */

static void test_unary_math(void) {
  int8_t x[256], y[256];
  for (int i = 0; i < 256; i++) x[i] = (int8_t)(i - 128);
  const int32_t shape[1] = {256};
  const int zp_in = -128;
  char msg[1024];
  for (int sr = 0; sr < 2; sr++) {
    for (int k = 0; k < 3; k++) {
      const nq_op op = k == 0 ? NQ_OP_RSQRT : k == 1 ? NQ_OP_SQRT : NQ_OP_LOG;
      const float s_in = 4.0f / 255.0f;
      /* output ranges covering the function on (0, 4] */
      const float s_out = k == 0 ? 8.0f / 255.0f : k == 1 ? 2.0f / 255.0f : 8.0f / 255.0f;
      const int zp_out = k == 0 ? -128 : k == 1 ? -128 : 40;
      qp qi, qo;
      nq_tview in = mkview(NQ_INT8, 1, shape, x, &qi, s_in, zp_in);
      nq_tview out = mkview(NQ_INT8, 1, shape, y, &qo, s_out, zp_out);
      CHECKF(run_node(op, 1, &in, &out, sr, msg) == NQ_OK, "%s: %s", nq_op_name(op), msg);
      int worst = 0;
      for (int i = 1; i < 256; i++) { /* real input s_in * i > 0 */
        const double v = s_in * (double)(x[i] - zp_in);
        const double f = k == 0 ? 1.0 / sqrt(v) : k == 1 ? sqrt(v) : log(v);
        int want = quantize(f, s_out, zp_out);
        if (k == 1) { /* TFLite truncates SQRT's output instead of rounding */
          double t = floor(f / s_out) + zp_out;
          want = t > 127 ? 127 : (int)t;
        }
        const int d = abs(y[i] - want);
        if (d > worst) worst = d;
      }
      CHECKF(worst <= 1, "%s (%s rounding): %d steps from the real function", nq_op_name(op),
             sr ? "single" : "double", worst);
      /* Input 0: RSQRT gives 127, SQRT the zero point, LOG the lowest value. */
      CHECKF(y[0] == (k == 0 ? 127 : k == 1 ? zp_out : -128), "%s(0) = %d", nq_op_name(op), y[0]);
    }
  }
  /* A value below the input zero point is an error naming the element. */
  qp qi, qo;
  nq_tview in = mkview(NQ_INT8, 1, shape, x, &qi, 0.01f, 0);
  nq_tview out = mkview(NQ_INT8, 1, shape, y, &qo, 0.1f, -128);
  CHECK(run_node(NQ_OP_RSQRT, 1, &in, &out, 0, msg) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(msg, "RSQRT") && strstr(msg, "element 0"), "%s", msg);
  CHECK(run_node(NQ_OP_SQRT, 1, &in, &out, 0, msg) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(msg, "SQRT") && strstr(msg, "negative"), "%s", msg);
  in.type = out.type = NQ_UINT8;
  CHECK(run_node(NQ_OP_RSQRT, 1, &in, &out, 0, msg) == NQ_ERR_UNSUPPORTED);
  CHECK(run_node(NQ_OP_LOG, 1, &in, &out, 0, msg) == NQ_ERR_UNSUPPORTED);
}

/* ---- REDUCE_PROD over axis 1 of [rows, n] ---- */

static nq_status run_reduce(nq_tview *in, nq_tview *out, int single, char *msg) {
  nq_node node;
  memset(&node, 0, sizeof node);
  node.op = NQ_OP_REDUCE_PROD;
  node.p = nq_op_params_default();
  nq_kernel_args a;
  memset(&a, 0, sizeof a);
  a.node = &node;
  a.p = &node.p;
  a.n_in = 2;
  a.in = in;
  a.n_out = 1;
  a.out = out;
  a.single_rounding = single;
  const nq_kernel *k = &nq_int8_kernels[NQ_OP_REDUCE_PROD];
  nq_error err = {0};
  void *prep = NULL;
  nq_status st = k->prepare(&a, &prep, &err);
  a.prepared = prep;
  void *scratch = NULL;
  if (st == NQ_OK) {
    a.scratch_size = k->scratch(&a);
    scratch = aligned_alloc(64, (a.scratch_size + 63) & ~(size_t)63);
    a.scratch = scratch;
    st = k->run(&a, &err);
  }
  free(scratch);
  free(prep);
  strcpy(msg, st == NQ_OK ? "" : err.msg);
  return st;
}

static void test_reduce_prod(void) {
  nq_rng rng = {13};
  enum { ROWS = 40, N = 5 };
  int worst = 0, total = 0, count = 0;
  for (int trial = 0; trial < 4; trial++) {
    int8_t x[ROWS * N], y[ROWS];
    int32_t axis = 1;
    const float s_in = nq_rng_uniform(&rng, 0.004f, 0.012f);
    const int zp_in = nq_rng_int(&rng, -20, 20);
    for (int i = 0; i < ROWS * N; i++) x[i] = (int8_t)nq_rng_int(&rng, -128, 127);
    /* An output range of 1/20 of the largest product (the rest clamps). */
    const double big = pow(s_in * (128.0 + abs(zp_in)), N);
    const float s_out = (float)(0.05 * big / 255.0); /* typical products span many steps */
    qp qi, qa, qo;
    nq_tview in[2];
    in[0] = mkview(NQ_INT8, 2, (const int32_t[]){ROWS, N}, x, &qi, s_in, zp_in);
    in[1] = mkview(NQ_INT32, 1, (const int32_t[]){1}, &axis, &qa, 1.0f, 0);
    in[1].q = NULL;
    nq_tview out = mkview(NQ_INT8, 1, (const int32_t[]){ROWS}, y, &qo, s_out, 0);
    char msg[1024];
    CHECKF(run_reduce(in, &out, trial & 1, msg) == NQ_OK, "%s", msg);
    for (int r = 0; r < ROWS; r++) {
      double prod = 1;
      for (int j = 0; j < N; j++) prod *= s_in * (x[r * N + j] - zp_in);
      const int d = abs(y[r] - quantize(prod, s_out, 0));
      if (d > worst) worst = d;
      total += d;
      count++;
    }
  }
  /* TFLite rounds after every multiplication (16-bit multiplier), so
   * small intermediate products lose relative precision: allow 2 steps,
   * and on average well under one. */
  CHECKF(worst <= 2, "REDUCE_PROD: %d steps from the real product", worst);
  CHECKF(total < 0.5 * count, "REDUCE_PROD: mean error %g steps", (double)total / count);
}

int main(void) {
  test_reduce_prod();
  test_fixedpoint();
  test_log_softmax();
  test_squared_difference();
  test_unary_math();
  return nq_test_finish("test_int8_ops_kernels");
}
