/*
 * The prepare step shared by the weighted int16x8 ops (TFLite's "16x8"
 * quantization: int16 activations, int8 weights): CONV_2D,
 * DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV with an int16 input.
 *
 * TFLite's facts (conv.cc, depthwise_conv.cc, fully_connected.cc,
 * transpose_conv.cc and reference_integer_ops/ *.h):
 *  - input and output int16 with zero point 0 (symmetric), weights int8
 *    with zero point 0, per tensor or per output channel;
 *  - bias int64 (the converter's choice) or int32, scale s_in * s_w[c];
 *  - products summed in int64, bias added, then the int64
 *    MultiplyByQuantizedMultiplier (nq_mbqm_i64: the multiplier reduced to
 *    16 bits) and the fused-activation clamp on the int16 grid;
 *  - multipliers as for int8: double(s_in) * double(s_w[c]) / double(s_out),
 *    or the float-product rule of GetQuantizedConvolutionMultipler for a
 *    per-tensor FULLY_CONNECTED;
 *  - except FULLY_CONNECTED with an int64 bias, per channel and per tensor,
 *    which LiteRT requantizes in double: round(double(acc) * that same
 *    double scale), ties away from zero (tests/int8 int16_ops_oracle: the
 *    fixed-point form differs by 1 step on ties; per tensor it was 1 step
 *    off on 3 of 8 inputs of quant_int16's net and on hand_landmark's
 *    16x8 FCs, where its reduced 16-bit multiplier rounds otherwise);
 *  - CONV_2D and FULLY_CONNECTED without an int64 bias (none, or int32)
 *    and with zero points 0 take TFLite's optimized kernels instead: int32
 *    accumulator (saturated here, wrapped there) and the int32
 *    MultiplyByQuantizedMultiplier, in the session's rounding (the two
 *    agree with LiteRT.js on FULLY_CONNECTED; LiteRT.js refuses a 16x8
 *    CONV_2D without bias and its optimized one with an int32 bias returns
 *    values that do not depend on the input, so those have no oracle). DEPTHWISE_CONV_2D and TRANSPOSE_CONV
 * always take the reference kernels. LiteRT runs these ops with TFLite's builtin kernels (XNNPACK takes no
 * int16 conv), and with an int64 bias the builtin kernel always takes the reference path; the int64
 * requantizer is the same code in TFLite's double- and single-rounding builds, so both of our modes compute
 * the same values. (With an int32 bias and every zero point 0 TFLite's optimized kernel may round
 * differently: see docs/quantization.md, "int16x8".)
 *
 * The int64 accumulator cannot overflow: each product is below 2^15 * 2^7
 * and a tensor has fewer than 2^31 elements. The bias is added with
 * saturation (a hostile int64 bias cannot cause undefined behaviour).
 */
#ifndef NQ_EXEC_INT8_WEIGHTS_S16_H
#define NQ_EXEC_INT8_WEIGHTS_S16_H

#include <math.h>

#include "exec/int8/int8_common.h"
#include "exec/int8/int8_weights.h"

typedef struct nq_s16_wprep {
  int32_t act_lo, act_hi; /* clamp range on the int16 output grid */
  int n_ch;               /* output channels */
  nq_qmul *qm;            /* n_ch multipliers */
  int64_t *bias;          /* n_ch (zeros when absent) */
  double *dscale;         /* n_ch double scales, or NULL: fixed-point requantization */
  bool int32_requant;     /* TFLite's optimized path: int32 accumulator and multiplier */
} nq_s16_wprep;

/* Build the prepared block (one allocation, freed with free()). The spec is
 * the int8 one; legacy_per_tensor_scale selects the float-product rule. */
nq_status nq_s16_weights_prepare(const nq_kernel_args *a, const nq_i8_wspec *spec, void **prepared,
                                 nq_error *err);

/* acc + bias -> int64 requantize -> clamp (output zero point 0). */
static inline int16_t nq_s16_wfinish(const nq_s16_wprep *p, int c, int64_t acc, int single) {
  const int64_t b = p->bias[c];
  int64_t v;
  if (b > 0 && acc > INT64_MAX - b)
    v = INT64_MAX;
  else if (b < 0 && acc < INT64_MIN - b)
    v = INT64_MIN;
  else
    v = acc + b;
  int32_t r;
  if (p->int32_requant) {
    r = nq_mbqm(nq_sat_i32(v), p->qm[c], single);
  } else if (p->dscale) {
    const double f = round((double)v * p->dscale[c]);
    r = f >= 2147483647.0 ? INT32_MAX : f <= -2147483648.0 ? INT32_MIN : (int32_t)f;
  } else {
    r = nq_mbqm_i64(v, p->qm[c]);
  }
  return (int16_t)nq_clamp_i32(r, p->act_lo, p->act_hi);
}

/* nq_s16_wfinish's int64 path (no double scale, no int32 requantization:
 * CONV_2D and DEPTHWISE_CONV_2D with an int64 bias) with nq_mbqm_i64's
 * per-channel constants worked out once, for the fast kernels' rows. The
 * bias is pre-clamped to +-2^62, which changes no result: |acc| < 2^53 (fewer
 * than 2^31 products below 2^22, see above), so
 * the sum is beyond +-2^47 (where nq_mbqm_i64 clamps it) exactly when the
 * saturating sum is. */
typedef struct nq_s16_fixed {
  int64_t bias;    /* clamped to +-2^62 */
  int64_t reduced; /* the 16-bit multiplier, 0 where nq_mbqm_i64 gives 0 */
  int64_t round;   /* 2^(total - 1), 0 with reduced 0 */
  int total;       /* the right shift, 15 - shift */
} nq_s16_fixed;

/* Fill f[0 .. p->n_ch); false when p takes another path (keep
 * nq_s16_wfinish). */
static inline bool nq_s16_fixed_prepare(const nq_s16_wprep *p, nq_s16_fixed *f) {
  if (p->dscale || p->int32_requant) return false;
  const int64_t lim = (int64_t)1 << 62;
  for (int c = 0; c < p->n_ch; c++) {
    const nq_qmul q = p->qm[c];
    const int64_t b = p->bias[c];
    f[c].bias = b > lim ? lim : b < -lim ? -lim : b;
    if (q.shift < -31 || q.mult <= 0) {
      f[c].reduced = f[c].round = 0;
      f[c].total = 1;
      continue;
    }
    const int shift = q.shift > 7 ? 7 : q.shift;
    f[c].reduced = q.mult < 0x7FFF0000 ? ((int64_t)q.mult + (1 << 15)) >> 16 : 0x7FFF;
    f[c].total = 15 - shift;
    f[c].round = (int64_t)1 << (f[c].total - 1);
  }
  return true;
}

/* The same value as nq_s16_wfinish for such a block. */
static inline int16_t nq_s16_fixed_finish(const nq_s16_fixed *f, int64_t acc, int32_t lo, int32_t hi) {
  const int64_t lim = (int64_t)1 << 47;
  int64_t v = acc + f->bias;
  v = v < -lim ? -lim : v > lim - 1 ? lim - 1 : v;
  const int64_t t = v * f->reduced + f->round; /* |t| < 2^62 */
  const int64_t r = t >= 0 ? t >> f->total : -((-t + (((int64_t)1 << f->total) - 1)) >> f->total);
  return (int16_t)(r < lo ? lo : r > hi ? hi : r);
}

/* True when the node is a 16x8 one: its activation input `idx` is int16. */
static inline bool nq_s16_is_16x8(const nq_kernel_args *a, int idx) {
  return idx < a->n_in && a->in[idx].type == NQ_INT16;
}

#endif
