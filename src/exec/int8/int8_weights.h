/*
 * The prepare step shared by the weighted int8 ops (CONV_2D,
 * DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV): everything TFLite's
 * Prepare computes once per node, done at session creation so that `run`
 * is pure integer arithmetic.
 *
 *  - per-output-channel multiplier (M, shift) from
 *      int8 weights, or any per-channel weights: double(s_in)*double(s_w[c])/double(s_out)
 *        (PopulateConvolutionQuantizationParams)
 *      per-tensor uint8 weights, and per-tensor FULLY_CONNECTED:
 *        double(float(s_in*s_w))/double(s_out) (GetQuantizedConvolutionMultipler)
 *  - weights re-centred as int16 (w - zp_w[c]): |w - zp_w| <= 255 for both
 *    int8 (zp 0, TFLite int8 weights are in [-127, 127]) and uint8
 *    (legacy, zp in [0, 255]) weights, so one integer loop serves both;
 *  - int32 bias (zeros when absent), the input/output zero points and the
 *    fused-activation clamp range;
 *  - for single-rounding mode, the float scale (s_in * s_w[c]) / s_out that
 *    XNNPACK (LiteRT's CPU path) requantizes with: out = lrintf(clamp(
 *    float(acc) * scale)) + zp_out, round half to even in float. It agrees
 *    with TFLite's fixed-point single rounding except on ties and where
 *    float's 24-bit mantissa rounds the product differently.
 *
 * Why the int32 accumulator cannot overflow: each term is
 * (x - zp_x) * (w - zp_w) with |x - zp_x| <= 255 (8-bit value minus an
 * in-range zero point) and |w - zp_w| <= w_maxabs (measured here), and an
 * output sums at most `k_terms` of them. Prepare refuses a node where
 * k_terms * 255 * w_maxabs >= 2^31 (never the case for real models: an
 * int8 conv would need more than 66k taps). Adding the bias is done in
 * 64 bits and saturated to int32 (TFLite wraps; it cannot happen for a
 * bias the quantizer wrote, which is bounded by AdjustWeightsForBiasScale).
 */
#ifndef NQ_EXEC_INT8_WEIGHTS_H
#define NQ_EXEC_INT8_WEIGHTS_H

#include <math.h>

#include "exec/int8/int8_common.h"

typedef struct nq_i8_wprep {
  int32_t in_zp, out_zp;
  int32_t act_lo, act_hi; /* clamp range on the output grid */
  int n_ch;               /* output channels */
  nq_qmul *qm;            /* n_ch multipliers */
  int32_t *bias;          /* n_ch */
  float *fscale;          /* n_ch: XNNPACK's float requantization scale */
  int16_t *w;             /* w - zp_w, same layout as the weight tensor */
  size_t w_elems;
  int32_t w_maxabs;
  bool bias_cannot_saturate; /* |bias| + the accumulator bound < 2^31 on every channel */
} nq_i8_wprep;

typedef struct nq_i8_wspec {
  int input;                    /* index of the activation input */
  int weights;                  /* index of the weight input */
  int bias;                     /* index of the bias input (may be absent) */
  int ch_axis;                  /* weight dimension holding the output channel */
  size_t k_terms;               /* max number of products summed into one output */
  bool legacy_per_tensor_scale; /* use the float-product rule when per-tensor */
  bool
      s16_double_requant; /* 16x8 only: requantization in double, per channel or per tensor (weights_s16.h) */
  bool s16_optimized_without_int64_bias; /* 16x8 only: int32 requantization unless the bias is int64 */
} nq_i8_wspec;

/* Build the prepared block (one allocation, freed with free()). */
nq_status nq_i8_weights_prepare(const nq_kernel_args *a, const nq_i8_wspec *spec, void **prepared,
                                nq_error *err);

/* Final step of every weighted op: acc + bias -> requantize -> + zp_out ->
 * clamp. acc is the int32 dot product. */
static inline int32_t nq_i8_wfinish(const nq_i8_wprep *p, int c, int32_t acc, int single) {
  int32_t v = nq_sat_i32((int64_t)acc + p->bias[c]);
  if (single) {
    /* XNNPACK's fp32 requantization (see the header). */
    float f = (float)v * p->fscale[c];
    const float lo = (float)(p->act_lo - p->out_zp), hi = (float)(p->act_hi - p->out_zp);
    f = f < lo ? lo : (f > hi ? hi : f);
    return (int32_t)lrintf(f) + p->out_zp;
  }
  v = nq_mbqm(v, p->qm[c], single);
  v = nq_sat_i32((int64_t)v + p->out_zp);
  return nq_clamp_i32(v, p->act_lo, p->act_hi);
}

/* nq_i8_wfinish for channels [c0, c0 + nc) of one output pixel, stored at
 * out[off .. off + nc) (an 8-bit view of type t). The same values; in
 * single-rounding mode, when the bias cannot saturate, a branch-free loop
 * the compiler vectorizes (fast kernels). */
void nq_i8_wfinish_row(const nq_i8_wprep *p, int c0, int nc, const int32_t *acc, void *out, nq_dtype t,
                       size_t off, int single);

#endif
