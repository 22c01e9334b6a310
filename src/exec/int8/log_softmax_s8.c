/*
 * Integer LOG_SOFTMAX over the last dimension, int8 only
 * (reference_integer_ops::LogSoftmax, which TFLite's builtin kernel runs
 * for int8 in every kernel variant; XNNPACK has no log-softmax, so LiteRT
 * runs this too). uint8 LOG_SOFTMAX is a float-table path in TFLite and is
 * refused here.
 *
 * Output parameters are fixed by TFLite's Prepare: scale 16/256, zero
 * point 127, i.e. [-255/16, 0].
 *
 * Prepare (PreprocessLogSoftmaxScalingExp, beta = 1, 5 integer bits):
 *   m_in = min(s_in * 2^26, 2^31 - 1 (2^30 - 1 in single rounding))
 *   -> (mult, left_shift >= 1);
 *   reverse = 2^(31 - left_shift) / mult -> (rmult, rshift <= 0);
 *   diff_min = -floor(31 * 2^26 / 2^left_shift).
 * Per row, with d = x - max(row) in [-255, 0]:
 *   sum = sum over d >= diff_min of exp(MBQM(d, mult, left_shift) as Q5) in Q12
 *   (gemmlowp exp_on_negative_values, Rescale to Q12); depth <= 4096 keeps
 *   the Q12 sum below 2^12 (checked);
 *   L = log(sum) in Q5 (log_x_for_x_greater_than_or_equal_to_1);
 *   limit = max(diff_min - 1, MBQM(L + INT32_MIN, rmult, rshift));
 *   out = d > limit ? clamp(RDBPOT(MBQM(d, ...) - L, 22) + 127) : -128.
 * MBQM follows the session's rounding variant.
 */
#include <math.h>

#include "exec/int8/fixedpoint.h"
#include "exec/int8/int8_kernels.h"

#define LOG_SOFTMAX_MAX_DEPTH 4096 /* 2^12: the Q12 accumulator's headroom */

typedef struct log_softmax_prep {
  nq_qmul in_mult;  /* s_in * 2^26, shift = left_shift */
  nq_qmul reverse;  /* its inverse, for the lowest representable difference */
  int32_t diff_min; /* differences below this contribute exp() == 0 */
} log_softmax_prep;

nq_status nq_i8_log_softmax_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in < 1 || a->n_out < 1) return nq_i8_fail(a, err, "needs one input and one output");
  NQ_TRY(nq_i8_need_q8(a, &a->in[0], "input", err));
  NQ_TRY(nq_i8_need_q8(a, &a->out[0], "output", err));
  if (a->in[0].type != NQ_INT8 || a->out[0].type != NQ_INT8)
    return nq_i8_fail(a, err, "int8 input and output expected (uint8 LOG_SOFTMAX is not supported)");
  float s_in, s_out;
  int32_t zp_in, zp_out;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", &s_in, &zp_in, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &s_out, &zp_out, err));
  if (s_out != 16.0f / 256.0f || zp_out != 127)
    return nq_i8_fail(a, err, "output scale %g zero point %d, 16/256 and 127 expected (TFLite)",
                      (double)s_out, (int)zp_out);
  log_softmax_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  /* PreprocessSoftmaxScaling caps the multiplier at 2^31 - 1, or 2^30 - 1
   * in single-rounding builds (only input scales >= 16 reach the cap). */
  const double cap = a->single_rounding ? 1073741823.0 : 2147483647.0;
  double m = (double)s_in * (double)(1 << 26);
  if (m > cap) m = cap;
  if (!nq_quantize_multiplier(m, &p->in_mult) || p->in_mult.shift < 1 || p->in_mult.shift > 31)
    return nq_i8_fail(a, err, "input scale %g is out of the range LOG_SOFTMAX handles (>= 2^-26)",
                      (double)s_in);
  const int left_shift = p->in_mult.shift;
  const double reverse = (double)((int64_t)1 << (31 - left_shift)) / (double)p->in_mult.mult;
  if (!nq_quantize_multiplier(reverse, &p->reverse) || p->reverse.shift > 0)
    return nq_i8_fail(a, err, "input scale %g gives a reverse multiplier %g >= 1", (double)s_in, reverse);
  const double radius = 31.0 * (double)((int64_t)1 << 26) / (double)((int64_t)1 << left_shift);
  p->diff_min = -(int32_t)floor(radius);
  return NQ_OK;
}

nq_status nq_i8_log_softmax_run(const nq_kernel_args *a, nq_error *err) {
  const log_softmax_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  const size_t n = nq_tview_elems(in);
  if (in->rank < 1 || n != nq_tview_elems(out))
    return nq_i8_fail(a, err, "input has %zu elements, output %zu", n, nq_tview_elems(out));
  const size_t depth = (size_t)in->shape[in->rank - 1];
  if (depth == 0 || n == 0) return NQ_OK;
  if (depth > LOG_SOFTMAX_MAX_DEPTH)
    return nq_i8_fail(a, err, "last dimension %zu exceeds %d (TFLite's Q12 sum would overflow)", depth,
                      LOG_SOFTMAX_MAX_DEPTH);
  const int8_t *x = in->data;
  int8_t *y = out->data;
  const int sr = a->single_rounding;
  for (size_t r = 0; r < n / depth; r++) {
    const int8_t *row = x + r * depth;
    int8_t *orow = y + r * depth;
    int32_t mx = -128;
    for (size_t j = 0; j < depth; j++)
      if (row[j] > mx) mx = row[j];
    int32_t sum_q12 = 0;
    for (size_t j = 0; j < depth; j++) {
      const int32_t d = row[j] - mx;
      if (d >= p->diff_min) {
        const int32_t d_q5 = nq_mbqm(d, p->in_mult, sr);
        sum_q12 = nq_fp_add(sum_q12, nq_fp_rescale(nq_fp_exp_on_negative_values(d_q5, 5), 0, 12));
      }
    }
    const int32_t log_sum_q5 = nq_fp_log_x_ge_1(sum_q12, 12, 5);
    /* log_sum_q5 >= 0, so adding INT32_MIN cannot overflow. */
    const int32_t lowest = nq_mbqm(log_sum_q5 + INT32_MIN, p->reverse, sr);
    const int32_t limit = lowest > p->diff_min - 1 ? lowest : p->diff_min - 1;
    for (size_t j = 0; j < depth; j++) {
      const int32_t d = row[j] - mx;
      if (d > limit) {
        const int32_t d_q5 = nq_mbqm(d, p->in_mult, sr);
        const int32_t o = nq_rdbpot(nq_fp_sub(d_q5, log_sum_q5), 31 - 5 - 4) + 127;
        orow[j] = (int8_t)nq_clamp_i32(o, -128, 127);
      } else {
        orow[j] = -128;
      }
    }
  }
  return NQ_OK;
}
