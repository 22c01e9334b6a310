/*
 * All of npuquant's fixed-point arithmetic, in one place.
 *
 * These are the integer primitives TFLite's int8 kernels are built from
 * (lite/kernels/internal/quantization_util.cc and common.h), written from
 * their published formulas so that our int8 executor reproduces TFLite bit
 * for bit. Every int8 kernel requantizes through this file and nowhere else.
 *
 * A real multiplier m > 0 is represented as (M, shift) with
 *     m ~= M * 2^(shift - 31),   M in [2^30, 2^31 - 1] (or M == 0 for m == 0)
 * i.e. M is the Q0.31 mantissa of m and `shift` its binary exponent
 * (positive: left shift, negative: right shift).
 *
 * Two rounding variants exist in the TFLite family and differ only in the
 * last bit, near ties:
 *   - double rounding (TFLite's default build, gemmlowp): round the Q31
 *     high product to nearest (ties up), then divide by 2^-shift rounding
 *     to nearest (ties away from zero) - two roundings, so a value just
 *     below a tie can round up (1 * 0.25 gives 1);
 *   - single rounding (TFLITE_SINGLE_ROUNDING: TFLM, CMSIS-NN, and the
 *     closest to XNNPACK and Arm NN): one 64-bit product rounded once,
 *     ties towards +infinity.
 * Kernels take the variant at run time (nq_kernel_args.single_rounding).
 *
 * Where TFLite leaves behaviour undefined (int32 overflow of x * 2^shift
 * for shift > 0, results outside int32), these functions compute in 64 bits
 * and saturate to int32 instead, so hostile parameters cannot cause UB.
 */
#ifndef NQ_EXEC_REQUANT_H
#define NQ_EXEC_REQUANT_H

#include <stdbool.h>
#include <stdint.h>

/* A quantized real multiplier: m ~= mult * 2^(shift - 31). */
typedef struct nq_qmul {
  int32_t mult; /* [0, 2^31 - 1]; 0 encodes m == 0 (and flushed tiny m) */
  int shift;    /* [-31, 62]: frexp exponent of m (0 when mult == 0) */
} nq_qmul;

/* TFLite QuantizeMultiplier(double): q = frexp(m, &shift);
 * mult = round(q * 2^31) (ties away from zero); mult == 2^31 renormalizes to
 * 2^30 with shift + 1; shift < -31 flushes to (0, 0) because every bit would
 * be shifted out. Returns false (and (0, 0)) for a negative, NaN or infinite
 * m, or m >= 2^31 (nothing an int8 model can need); m == 0 gives (0, 0). */
bool nq_quantize_multiplier(double m, nq_qmul *out);

/* gemmlowp SaturatingRoundingDoublingHighMul: a * b / 2^31 rounded to
 * nearest; its nudge (2^30, or 1 - 2^30 for negative products) followed by
 * a truncating division sends ties towards +infinity (0.5 -> 1,
 * -0.5 -> 0). The single overflow case a == b == INT32_MIN saturates to
 * INT32_MAX. Any int32 a, b. */
int32_t nq_srdhm(int32_t a, int32_t b);

/* gemmlowp RoundingDivideByPOT: round(x / 2^e), ties away from zero.
 * x any int32, e in [0, 31]. */
int32_t nq_rdbpot(int32_t x, int e);

/* MultiplyByQuantizedMultiplier, double rounding (TFLite default):
 * rdbpot(srdhm(x * 2^max(shift,0), mult), max(-shift,0)). x any int32;
 * x * 2^shift is saturated to int32 (TFLite: undefined). */
int32_t nq_mbqm_double(int32_t x, nq_qmul q);

/* MultiplyByQuantizedMultiplier, single rounding (TFLITE_SINGLE_ROUNDING):
 * (x * mult + 2^(30 - shift)) >> (31 - shift), floor shift i.e. ties towards
 * +infinity. TFLite's single-rounding QuantizeMultiplier caps shift at 30
 * (mult = 2^31 - 1); that cap is applied here. Result saturated to int32. */
int32_t nq_mbqm_single(int32_t x, nq_qmul q);

/* The variant the session asked for. */
static inline int32_t nq_mbqm(int32_t x, nq_qmul q, int single_rounding) {
  return single_rounding ? nq_mbqm_single(x, q) : nq_mbqm_double(x, q);
}

/* TFLite's int64 MultiplyByQuantizedMultiplier, the requantizer of the
 * int16x8 kernels (conv, depthwise, fully connected, transpose conv with
 * int64 accumulators): the multiplier is first reduced to 16 bits,
 * r = mult < 0x7FFF0000 ? (mult + 2^15) >> 16 : 0x7FFF, then
 * (x * r + 2^(14 - shift)) >> (15 - shift), one rounding, ties towards
 * +infinity. The same code in TFLite's double- and single-rounding builds,
 * so both our modes use it. TFLite assumes shift in [-31, 7] and
 * |x| < 2^47; here x is saturated to that range, a shift above 7 is
 * treated as 7 (kernels refuse such a multiplier at prepare) and a shift
 * below -31 gives 0; the result saturates to int32. */
int32_t nq_mbqm_i64(int64_t x, nq_qmul q);

/* 16-bit gemmlowp primitives used by HARD_SWISH's reference kernel. */
int16_t nq_srdhm16(int16_t a, int16_t b);       /* as nq_srdhm, 16-bit */
int16_t nq_sdhm16_trunc(int16_t a, int16_t b);  /* SQDMULH: truncating */
int16_t nq_rdbpot16(int16_t x, int e);          /* e in [0, 31] */
int16_t nq_sat_lshift16(int16_t x, int amount); /* amount in [0, 15] */
/* TFLite DownScaleInt32ToInt16Multiplier: (m + 2^15) >> 16, saturating. */
int16_t nq_downscale_mult16(int32_t m);

/* TfLiteRound on float (std::round: ties away from zero), as int32 with
 * saturation (NaN gives 0). */
int32_t nq_round_f32_to_i32(float x);

/* Saturating int64 -> int32. */
static inline int32_t nq_sat_i32(int64_t v) {
  return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* Clamp to [lo, hi]. */
static inline int32_t nq_clamp_i32(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* Effective multiplier of conv-like ops as TFLite's
 * PopulateConvolutionQuantizationParams computes it for int8 (and for every
 * per-channel case): double(s_in) * double(s_w) / double(s_out). */
double nq_conv_scale_double(float s_in, float s_w, float s_out);
/* The legacy form GetQuantizedConvolutionMultipler uses for per-tensor
 * uint8 conv/depthwise and per-tensor FULLY_CONNECTED: the product
 * s_in * s_w rounded to float first, then divided in double. */
double nq_conv_scale_legacy(float s_in, float s_w, float s_out);

/* CalculateActivationRangeQuantized: the [lo, hi] a fused activation clamps
 * to on the output grid (scale, zp) of a type with range [qmin, qmax];
 * bounds are zp + round(bound / scale) (TfLiteRound on float). Returns false
 * for an activation that has no quantized range (TANH, SIGN_BIT). */
bool nq_activation_range(int act, float scale, int32_t zp, int32_t qmin, int32_t qmax, int32_t *lo,
                         int32_t *hi);

#endif
