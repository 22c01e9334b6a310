/*
 * requant.h against hand-checked values (each derived in the comment next
 * to it from the TFLite/gemmlowp definitions) and against exact real
 * arithmetic on random inputs.
 */
#include <math.h>
#include <stdint.h>

#include "exec/requant.h"
#include "testutil.h"

static void check_qm(double m, int32_t want_m, int want_s) {
  nq_qmul q;
  CHECKF(nq_quantize_multiplier(m, &q), "m=%g rejected", m);
  CHECKF(q.mult == want_m && q.shift == want_s, "m=%.17g: got (%d, %d), want (%d, %d)", m, (int)q.mult,
         q.shift, (int)want_m, want_s);
}

static void test_quantize_multiplier(void) {
  check_qm(0.0, 0, 0);
  check_qm(0.5, 1 << 30, 0);     /* frexp(0.5) = 0.5 * 2^0 */
  check_qm(1.0, 1 << 30, 1);     /* 0.5 * 2^1 */
  check_qm(0.75, 1610612736, 0); /* 0.75 * 2^31 */
  check_qm(3.0, 1610612736, 2);  /* 0.75 * 2^2 */
  check_qm(0.1, 1717986918, -3); /* 0.8 * 2^31 = 1717986918.4 */
  /* Just below 1: q * 2^31 = 2^31 - 2^-9 rounds to 2^31, renormalized. */
  check_qm(1.0 - ldexp(1.0, -40), 1 << 30, 1);
  /* Tiny: 2^-32 = 0.5 * 2^-31 is the smallest kept; 2^-33 flushes. */
  check_qm(ldexp(1.0, -32), 1 << 30, -31);
  check_qm(ldexp(1.0, -33), 0, 0);
  check_qm(ldexp(1.0, -40), 0, 0);
  /* Round half away from zero of the mantissa: q*2^31 = 2^30 + 0.5. */
  check_qm(ldexp((double)(1 << 30) + 0.5, -31), (1 << 30) + 1, 0);
  nq_qmul q;
  CHECK(!nq_quantize_multiplier(-0.5, &q));
  CHECK(!nq_quantize_multiplier(NAN, &q));
  CHECK(!nq_quantize_multiplier(INFINITY, &q));
  CHECK(q.mult == 0 && q.shift == 0);
}

static void test_srdhm_rdbpot(void) {
  CHECK(nq_srdhm(INT32_MIN, INT32_MIN) == INT32_MAX);  /* the one overflow */
  CHECK(nq_srdhm(INT32_MIN, INT32_MAX) == -INT32_MAX); /* -(2^31-1) exactly */
  CHECK(nq_srdhm(1 << 30, 1 << 30) == 1 << 29);        /* 2^60 / 2^31 */
  CHECK(nq_srdhm(1, 1 << 30) == 1);                    /* 0.5 -> 1 */
  CHECK(nq_srdhm(-1, 1 << 30) == 0);                   /* -0.5 -> 0 (ties up) */
  CHECK(nq_srdhm(3, 1 << 30) == 2);                    /* 1.5 -> 2 */
  CHECK(nq_srdhm(-3, 1 << 30) == -1);                  /* -1.5 -> -1 */
  CHECK(nq_rdbpot(5, 1) == 3);                         /* 2.5 -> 3 (away) */
  CHECK(nq_rdbpot(-5, 1) == -3);                       /* -2.5 -> -3 (away) */
  CHECK(nq_rdbpot(-3, 1) == -2);                       /* -1.5 -> -2 */
  CHECK(nq_rdbpot(7, 2) == 2);                         /* 1.75 -> 2 */
  CHECK(nq_rdbpot(-7, 2) == -2);                       /* -1.75 -> -2 */
  CHECK(nq_rdbpot(-5, 2) == -1);                       /* -1.25 -> -1 */
  CHECK(nq_rdbpot(9, 0) == 9);
  CHECK(nq_rdbpot(INT32_MIN, 31) == -1);
  CHECK(nq_rdbpot(INT32_MAX, 31) == 1); /* 0.99999 -> 1 */
  CHECK(nq_srdhm16(INT16_MIN, INT16_MIN) == INT16_MAX);
  CHECK(nq_srdhm16(1 << 14, 1 << 14) == 1 << 13);
  CHECK(nq_sdhm16_trunc(3, 1 << 14) == 1); /* 1.5 truncated */
  CHECK(nq_sat_lshift16(20000, 1) == INT16_MAX);
  CHECK(nq_sat_lshift16(-20000, 1) == INT16_MIN);
  CHECK(nq_downscale_mult16(INT32_MAX) == INT16_MAX);
  CHECK(nq_downscale_mult16(1 << 30) == 1 << 14);
}

static void test_mbqm_ties(void) {
  const nq_qmul quarter = {1 << 30, -1}; /* 0.25 */
  const nq_qmul half = {1 << 30, 0};     /* 0.5 */
  /* 1 * 0.25: single rounds once -> 0; double rounds 0.5 up to 1 in the
   * high multiply, then 1/2 -> 1 (away): the double-rounding error. */
  CHECK(nq_mbqm_single(1, quarter) == 0);
  CHECK(nq_mbqm_double(1, quarter) == 1);
  /* -2 * 0.25 = -0.5: single ties up -> 0; double: srdhm gives -1 exactly
   * (-2^31 / 2^31), then -1/2 -> -1 (away). */
  CHECK(nq_mbqm_single(-2, quarter) == 0);
  CHECK(nq_mbqm_double(-2, quarter) == -1);
  /* 6 * 0.25 = 1.5: both 2. */
  CHECK(nq_mbqm_single(6, quarter) == 2);
  CHECK(nq_mbqm_double(6, quarter) == 2);
  /* -6 * 0.25 = -1.5: single ties up -> -1; double -3/2 -> -2 (away). */
  CHECK(nq_mbqm_single(-6, quarter) == -1);
  CHECK(nq_mbqm_double(-6, quarter) == -2);
  /* 3 * 0.5 = 1.5 and -1.5 with no right shift: both variants tie up. */
  CHECK(nq_mbqm_single(3, half) == 2 && nq_mbqm_double(3, half) == 2);
  CHECK(nq_mbqm_single(-3, half) == -1 && nq_mbqm_double(-3, half) == -1);
  /* Left shifts: 100 * 0.5 * 4 = 200; saturation instead of overflow. */
  const nq_qmul two = {1 << 30, 2};
  CHECK(nq_mbqm_single(100, two) == 200 && nq_mbqm_double(100, two) == 200);
  const nq_qmul eight = {1 << 30, 4};
  CHECK(nq_mbqm_single(INT32_MAX, eight) == INT32_MAX);
  /* Double rounding shifts first; TFLite overflows there (undefined), we
   * saturate x * 2^shift, so the result is srdhm(INT32_MAX, M). */
  CHECK(nq_mbqm_double(INT32_MAX, eight) == nq_srdhm(INT32_MAX, 1 << 30));
  CHECK(nq_mbqm_double(INT32_MIN, eight) == nq_srdhm(INT32_MIN, 1 << 30));
  /* The single-rounding cap: shift 31 becomes (2^31 - 1, 30). */
  CHECK(nq_mbqm_single(1, (nq_qmul){1 << 30, 31}) == 1 << 30);
  /* Smallest multiplier 2^-32: INT32_MAX * 2^-32 = 0.49999 -> 0 once;
   * twice: srdhm gives round(2^30 - 0.5) = 2^30, then 2^30 / 2^31 -> 1. */
  CHECK(nq_mbqm_single(INT32_MAX, (nq_qmul){1 << 30, -31}) == 0);
  CHECK(nq_mbqm_double(INT32_MAX, (nq_qmul){1 << 30, -31}) == 1);
  CHECK(nq_mbqm_single(5, (nq_qmul){0, 0}) == 0 && nq_mbqm_double(5, (nq_qmul){0, 0}) == 0);
}

/* Random x and m: single rounding is exact round-half-up of x * M * 2^(s-31)
 * (checked in long double, exact for these magnitudes). Double rounding is
 * within one step, and equal to it unless the value lies within
 * 2^-(right+1) of a tie (the first rounding moves it by at most half a
 * unit of the pre-shift value, i.e. 2^-(right+1) final units). */
static void test_mbqm_random(void) {
  nq_rng r = {12345};
  int diff = 0;
  for (int i = 0; i < 200000; i++) {
    int32_t x = (int32_t)(nq_rng_next(&r) >> 40) - (1 << 23); /* |x| < 2^23 */
    double m = ldexp(0.5 + 0.5 * nq_rng_uniform(&r, 0.0f, 0.999f), nq_rng_int(&r, -30, 4));
    nq_qmul q;
    CHECK(nq_quantize_multiplier(m, &q));
    CHECK(q.mult >= (1 << 30));
    long double exact = (long double)x * q.mult * ldexpl(1.0L, q.shift - 31);
    long double fl = floorl(exact + 0.5L);
    if (fabsl(exact) > 2e9L) continue;
    int32_t s = nq_mbqm_single(x, q), d = nq_mbqm_double(x, q);
    CHECKF(s == (int32_t)fl, "single x=%d M=%d s=%d: %d vs %Lf", (int)x, (int)q.mult, q.shift, (int)s, exact);
    CHECKF(d - s <= 1 && s - d <= 1, "double x=%d: %d vs single %d", (int)x, (int)d, (int)s);
    long double frac = exact - floorl(exact);
    const int right = q.shift < 0 ? -q.shift : 0;
    if (fabsl(frac - 0.5L) > ldexpl(1.0L, -(right + 1)) + 1e-12L)
      CHECKF(d == s, "x=%d M=%d s=%d: double %d single %d", (int)x, (int)q.mult, q.shift, (int)d, (int)s);
    else
      diff += d != s;
  }
  CHECKF(diff > 0, "no double/single difference seen near ties");
}

static void test_activation_range(void) {
  int32_t lo, hi;
  /* RELU6 on (6/255, -128): 6 / (6/255) = 255 -> [-128, 127]. */
  CHECK(nq_activation_range(3, 6.0f / 255.0f, -128, -128, 127, &lo, &hi) && lo == -128 && hi == 127);
  /* RELU on (0.1, -10): [-10, 127]. */
  CHECK(nq_activation_range(1, 0.1f, -10, -128, 127, &lo, &hi) && lo == -10 && hi == 127);
  /* RELU6 on (0.1, 0): 6/0.1 = 60 -> [0, 60]. */
  CHECK(nq_activation_range(3, 0.1f, 0, -128, 127, &lo, &hi) && lo == 0 && hi == 60);
  /* RELU_N1_TO_1 on (0.25, 5): [1, 9]. */
  CHECK(nq_activation_range(2, 0.25f, 5, -128, 127, &lo, &hi) && lo == 1 && hi == 9);
  CHECK(nq_activation_range(0, 0.25f, 5, 0, 255, &lo, &hi) && lo == 0 && hi == 255);
  CHECK(!nq_activation_range(4, 0.25f, 5, 0, 255, &lo, &hi)); /* TANH */
  /* The legacy rule rounds the product to float first. */
  const float a = 0.1f, b = 0.3f, c = 0.7f;
  volatile float p = a * b;
  CHECK(nq_conv_scale_legacy(a, b, c) == (double)p / (double)c);
  CHECK(nq_conv_scale_double(a, b, c) == (double)a * (double)b / (double)c);
}

int main(void) {
  test_quantize_multiplier();
  test_srdhm_rdbpot();
  test_mbqm_ties();
  test_mbqm_random();
  test_activation_range();
  return nq_test_finish("test_requant");
}
