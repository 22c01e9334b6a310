/*
 * gemmlowp-style fixed-point arithmetic on raw int32 values, for the integer
 * kernels that TFLite computes with gemmlowp::FixedPoint (LOG_SOFTMAX).
 *
 * A value in "Qi" format (i integer bits) is raw * 2^(i - 31): Q0 covers
 * [-1, 1), Q5 covers [-32, 32). The functions take raw int32 values and
 * name the formats they expect; the arithmetic (rounding directions,
 * saturation points, Newton-Raphson iteration counts, polynomial constants)
 * follows gemmlowp's fixedpoint.h and TFLite's internal/common.h, because
 * bit-exactness with TFLite depends on every one of those details.
 *
 * Products of two fixed-point values are nq_srdhm (requant.h): Qa * Qb gives
 * Q(a + b). Sums wrap on overflow as gemmlowp's raw int32 adds do on every
 * target TFLite runs on; they are spelled with unsigned arithmetic here so
 * that C does not see signed overflow.
 */
#ifndef NQ_EXEC_INT8_FIXEDPOINT_H
#define NQ_EXEC_INT8_FIXEDPOINT_H

#include <stdint.h>

/* Wrapping int32 add/sub (gemmlowp raw +, -). */
static inline int32_t nq_fp_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t nq_fp_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

/* Saturating x * 2^e for e in [0, 30] (TFLite SaturatingRoundingMultiplyByPOTParam,
 * gemmlowp SaturatingRoundingMultiplyByPOT for positive exponents). */
int32_t nq_fp_sat_lshift(int32_t x, int e);

/* Change format from Q(from) to Q(to) (gemmlowp Rescale): a saturating
 * left shift when to < from, a rounding right shift (ties away from zero)
 * when to > from. */
int32_t nq_fp_rescale(int32_t x, int from_bits, int to_bits);

/* gemmlowp RoundingHalfSum: (a + b) / 2, rounded half away from zero. */
int32_t nq_fp_rounding_half_sum(int32_t a, int32_t b);

/* gemmlowp exp_on_negative_values: exp(a) in Q0 for a <= 0 in Q(int_bits),
 * int_bits in [0, 30]. exp(0) is Q0's "one", INT32_MAX. */
int32_t nq_fp_exp_on_negative_values(int32_t a, int int_bits);

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a) in Q0 for a in
 * [0, 1) in Q0 (three Newton-Raphson steps). */
int32_t nq_fp_one_over_one_plus_x(int32_t a);

/* TFLite log_x_for_x_greater_than_or_equal_to_1_impl: log(x) in
 * Q(out_bits) for x >= 1 in Q(in_bits) (in_bits, out_bits in [1, 29]). */
int32_t nq_fp_log_x_ge_1(int32_t x, int in_bits, int out_bits);

#endif
