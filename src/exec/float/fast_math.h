/*
 * exp and the logistic function for float32 without a library call, so the
 * loops that use them vectorize (8 lanes with AVX2, 4 with SSE2/NEON) where
 * a call to expf would run one element at a time.
 *
 * exp(x) = 2^n * e^r with n = round(x / ln 2) and |r| <= ln(2)/2: r is
 * computed in two steps (ln 2 split in a short high part, exact when
 * multiplied by n, and a low part), e^r by a degree-7 polynomial (Cephes'
 * expf coefficients, a minimax fit on that interval), and 2^n by building
 * the float's exponent bits. Error bounds (checked by tests/kernels_fast/
 * test_fast_math on a dense sweep and random values, through both the AVX2
 * and the portable build; measured worst: 1.39 and 2.47 ulp): exp's
 * relative error is at most 2 ulp (2^-23) wherever exp(x) is a normal float
 * (x in [-87.33, 88.72]); results below FLT_MIN are off by less than
 * FLT_MIN absolutely (x < -88.3 gives 0); x > 88.7228 gives +inf and NaN
 * gives NaN, as expf does. The logistic 1 / (1 + exp(-x)) is within 3 ulp
 * relative (the sum 1 + e only shrinks e's relative error; the division
 * adds half an ulp).
 *
 * Everything is plain float and int32 arithmetic on one value with
 * selects instead of branches; -std=c11 keeps a*b+c unfused, so the AVX2
 * and the portable builds give identical results.
 */
#ifndef NQ_EXEC_FLOAT_FAST_MATH_H
#define NQ_EXEC_FLOAT_FAST_MATH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline float nq_fast_bits_to_float(int32_t b) {
  float f;
  memcpy(&f, &b, sizeof f);
  return f;
}

static inline float nq_fast_expf(float x) {
  /* n = round(x * log2(e)) by the 1.5 * 2^23 trick: the add pushes the
   * fraction out of the mantissa, so n's integer sits in t's low bits. No
   * clamp on x and no float-to-int conversion (either stops GCC from
   * vectorizing): outside [lo, hi] the values below are garbage that the
   * selects at the end replace. */
  const float shifter = 12582912.0f;
  float t = x * 1.44269504088896341f + shifter;
  float n = t - shifter;
  int32_t tb;
  memcpy(&tb, &t, sizeof tb);
  int32_t ni = tb - 0x4B400000; /* the bits of 12582912.0f */
  ni = ni > 128 ? 128 : ni;
  ni = ni < -127 ? -127 : ni;
  float r = x - n * 0.693359375f; /* ln 2's high part: n * it is exact */
  r = r - n * -2.12194440e-4f;    /* and its low part */
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  /* 2^n split in 2^m * 2^(n-m) with m = n -+ 1, so both n = 128 (x near
   * the top) and n = -127 (results that are not normal floats) have an
   * exponent field inside [1, 254]. Integer arithmetic, not a branch or a
   * float select, so that GCC's if-conversion leaves the loop vectorizable. */
  int32_t up = ni > 0;
  int32_t m = ni - 2 * up + 1;
  float scale = nq_fast_bits_to_float((m + 127) * (1 << 23));
  float half_or_two = nq_fast_bits_to_float((126 + 2 * up) * (1 << 23));
  float result = p * scale * half_or_two;
  /* The special cases as bit masks on the integer bits (float compares or
   * ?: here stop GCC's if-conversion): as signed ints, positive floats order
   * like their values; as unsigned, negative ones order by magnitude. */
  int32_t xb, rb;
  memcpy(&xb, &x, sizeof xb);
  memcpy(&rb, &result, sizeof rb);
  int32_t big = -(int32_t)(xb > 0x42B17217); /* x > 88.72283: +inf */
  rb = (rb & ~big) | (0x7F800000 & big);
  rb &= ~-(int32_t)((uint32_t)xb > 0xC2B0999AU);            /* x < -88.3: 0 */
  int32_t nan = -(int32_t)((xb & 0x7FFFFFFF) > 0x7F800000); /* NaN stays NaN */
  rb = (rb & ~nan) | (xb & nan);
  return nq_fast_bits_to_float(rb);
}

/* 1 / (1 + e^-x): 0 for x below about -88.7 (e^-x is +inf), as the
 * reference's formula gives. */
static inline float nq_fast_logistic(float x) { return 1.0f / (1.0f + nq_fast_expf(-x)); }

/* out[i] = logistic(in[i]) over a range: the same inline code compiled
 * for the baseline ISA (activation_fast.c) and with AVX2 (*_avx2.c, called
 * after the run-time CPU check nq_fast_use_avx2). */
void nq_logistic_range_portable(const float *in, float *out, size_t n);
#if defined(__x86_64__) && defined(__GNUC__)
#define NQ_FAST_MATH_HAVE_AVX2 1
void nq_logistic_range_avx2(const float *in, float *out, size_t n);
#endif

#endif
