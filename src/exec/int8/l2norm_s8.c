/*
 * Integer L2_NORMALIZATION over the last dimension
 * (reference_integer_ops::L2Normalization, int8 only; TFLite fixes the
 * output at scale 1/128, zero point 0 and ignores the fused activation).
 *
 * acc = sum (x - zp_in)^2 <= 255^2 * depth: depth < 2^15 keeps it in int32
 * (checked). 1/sqrt(acc) comes from TFLite's GetInvSqrtQuantizedMultiplierExp
 * (gemmlowp Q3 Newton-Raphson, five iterations, reverse shift -1), and each
 * output is MBQM(x - zp_in, inv_sqrt, shift + 7) clamped to [-128, 127].
 */
#include "exec/int8/int8_kernels.h"

/* gemmlowp SaturatingRoundingMultiplyByPOT<e> for e > 0. */
static int32_t sat_lshift32(int32_t x, int e) {
  const int32_t thr = (int32_t)(((int64_t)1 << (31 - e)) - 1);
  if (x > thr) return INT32_MAX;
  if (x < -thr) return INT32_MIN;
  return (int32_t)((int64_t)x * ((int64_t)1 << e));
}

/* TFLite GetInvSqrtQuantizedMultiplierExp(input, reverse_shift = -1). */
void nq_i8_inv_sqrt_multiplier(int32_t input, int32_t *mult, int *shift) {
  if (input <= 1) { /* 0 and 1 both map to the largest multiplier */
    *mult = INT32_MAX;
    *shift = 0;
    return;
  }
  int s = 11;
  while (input >= (1 << 29)) {
    input /= 4;
    s++;
  }
  int lz = 0;
  for (uint32_t u = (uint32_t)input; !(u & 0x80000000u); u <<= 1) lz++;
  const int pairs = (lz - 1) / 2 - 1;
  s -= pairs;
  input <<= 2 * pairs; /* now in [2^27, 2^29) */
  /* Q3 fixed point (3 integer bits): raw = value * 2^28. */
  const int32_t half_input = nq_rdbpot(input >> 1, 1);
  const int32_t half_three = (1 << 28) + (1 << 27); /* 1.5 */
  int32_t x = 1 << 28;                              /* 1.0 */
  for (int i = 0; i < 5; i++) {
    /* x^3 in Q9 rescaled to Q3; the products are Q6, rescaled to Q3. */
    const int32_t x3 = sat_lshift32(nq_srdhm(nq_srdhm(x, x), x), 6);
    const int32_t t = (int32_t)((uint32_t)nq_srdhm(half_three, x) - (uint32_t)nq_srdhm(half_input, x3));
    x = sat_lshift32(t, 3);
  }
  x = nq_srdhm(x, 1518500250); /* * sqrt(2)/2 in Q0 */
  if (s < 0) {
    x = (int32_t)((uint32_t)x << -s);
    s = 0;
  }
  *mult = x;
  *shift = -s; /* reverse_shift = -1 */
}

nq_status nq_i8_l2norm_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in < 1 || a->n_out < 1) return nq_i8_fail(a, err, "needs one input and one output");
  if (a->in[0].type != NQ_INT8 || a->out[0].type != NQ_INT8)
    return nq_i8_fail(a, err, "int8 input and output expected (uint8 L2 norm is not supported)");
  float s;
  int32_t zp;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", &s, &zp, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &s, &zp, err));
  if (s != 1.0f / 128.0f || zp != 0)
    return nq_i8_fail(a, err, "output scale %g zero point %d, 1/128 and 0 expected", (double)s, (int)zp);
  return NQ_OK;
}

nq_status nq_i8_l2norm_run(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  if (in->rank < 1 || nq_tview_elems(in) != nq_tview_elems(out))
    return nq_i8_fail(a, err, "input and output sizes differ");
  const size_t depth = (size_t)in->shape[in->rank - 1];
  if (depth == 0) return NQ_OK;
  if (depth >= (1u << 15)) return nq_i8_fail(a, err, "depth %zu too large", depth);
  const int32_t zp = (int32_t)in->q->zero_point[0];
  const int8_t *x = in->data;
  int8_t *y = out->data;
  const size_t rows = nq_tview_elems(in) / depth;
  for (size_t r = 0; r < rows; r++) {
    int32_t acc = 0;
    for (size_t j = 0; j < depth; j++) {
      const int32_t v = x[r * depth + j] - zp;
      acc += v * v;
    }
    int32_t m;
    int sh;
    nq_i8_inv_sqrt_multiplier(acc, &m, &sh);
    const nq_qmul q = {m, sh + 7};
    for (size_t j = 0; j < depth; j++) {
      const int32_t v = nq_mbqm(x[r * depth + j] - zp, q, a->single_rounding);
      y[r * depth + j] = (int8_t)nq_clamp_i32(v, -128, 127);
    }
  }
  return NQ_OK;
}
