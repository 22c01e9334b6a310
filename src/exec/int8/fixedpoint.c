/* gemmlowp-style fixed-point functions; see fixedpoint.h for formats. */
#include "exec/int8/fixedpoint.h"

#include "exec/requant.h"

int32_t nq_fp_sat_lshift(int32_t x, int e) {
  if (e <= 0) return x;
  if (e > 31) e = 31;
  /* Values above 2^(31-e) - 1 in magnitude would overflow: saturate. */
  const int64_t thr = ((int64_t)1 << (31 - e)) - 1;
  if (x > thr) return INT32_MAX;
  if (x < -thr) return INT32_MIN;
  return (int32_t)((int64_t)x * ((int64_t)1 << e));
}

int32_t nq_fp_rescale(int32_t x, int from_bits, int to_bits) {
  const int e = from_bits - to_bits;
  if (e > 0) return nq_fp_sat_lshift(x, e);
  if (e < 0) return nq_rdbpot(x, -e);
  return x;
}

int32_t nq_fp_rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  const int64_t sign = sum >= 0 ? 1 : -1;
  return (int32_t)((sum + sign) / 2); /* C division truncates, as gemmlowp's */
}

static int32_t sat_add(int32_t a, int32_t b) { return nq_sat_i32((int64_t)a + (int64_t)b); }
static int32_t sat_sub(int32_t a, int32_t b) { return nq_sat_i32((int64_t)a - (int64_t)b); }

/* Leading zeros of a 32-bit pattern; 32 for 0 (TFLite's CountLeadingZeros). */
static int clz32(uint32_t u) {
  int n = 0;
  if (u == 0) return 32;
  while (!(u & 0x80000000u)) {
    u <<= 1;
    n++;
  }
  return n;
}

/* exp(a) for a in [-1/4, 0) in Q0: a Taylor expansion around -1/8 to the
 * fourth order (gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl). */
static int32_t exp_on_quarter_interval(int32_t a) {
  const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) in Q0 */
  const int32_t one_third = 715827883;             /* 1/3 in Q0 */
  const int32_t x = nq_fp_add(a, 1 << 28);         /* a + 1/8 */
  const int32_t x2 = nq_srdhm(x, x);
  const int32_t x3 = nq_srdhm(x2, x);
  const int32_t x4 = nq_srdhm(x2, x2);
  const int32_t x4_over_4 = nq_rdbpot(x4, 2);
  const int32_t poly = nq_rdbpot(nq_fp_add(nq_srdhm(nq_fp_add(x4_over_4, x3), one_third), x2), 1);
  return nq_fp_add(exp_minus_one_eighth, nq_srdhm(exp_minus_one_eighth, nq_fp_add(x, poly)));
}

int32_t nq_fp_exp_on_negative_values(int32_t a, int int_bits) {
  /* exp(-2^k) in Q0 for k = -2 .. 4: the barrel shifter's factors. */
  static const int32_t factors[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  const int frac_bits = 31 - int_bits;
  const int32_t one_quarter = (int32_t)1 << (frac_bits - 2);
  const int32_t mask = one_quarter - 1;
  /* a = (a mod 1/4 - 1/4) - remainder, with remainder a non-negative
   * multiple of 1/4 whose bits select the factors exp(-2^k). */
  const int32_t a_mod_quarter_minus_quarter = nq_fp_sub(a & mask, one_quarter);
  int32_t result = exp_on_quarter_interval(nq_fp_rescale(a_mod_quarter_minus_quarter, int_bits, 0));
  const int32_t remainder = nq_fp_sub(a_mod_quarter_minus_quarter, a);
  for (int k = -2; k <= 4; k++) {
    if (int_bits > k && (remainder & ((int32_t)1 << (frac_bits + k))))
      result = nq_srdhm(result, factors[k + 2]);
  }
  if (int_bits > 5) { /* below -32 the result is 0 */
    const int32_t clamp = -((int32_t)1 << (frac_bits + 5));
    if (a < clamp) result = 0;
  }
  return a == 0 ? INT32_MAX : result;
}

int32_t nq_fp_one_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = nq_fp_rounding_half_sum(a, INT32_MAX); /* (1 + a) / 2, Q0 */
  const int32_t c48_over_17 = 1515870810;                                 /* Q2 */
  const int32_t cneg32_over_17 = -1010580540;                             /* Q2 */
  const int32_t one_q2 = 1 << 29;
  int32_t x = nq_fp_add(c48_over_17, nq_srdhm(half_denominator, cneg32_over_17)); /* Q2 */
  for (int i = 0; i < 3; i++) {                                    /* Newton-Raphson division */
    const int32_t hd_x = nq_srdhm(half_denominator, x);            /* Q2 */
    const int32_t one_minus = nq_fp_sub(one_q2, hd_x);             /* Q2 */
    x = nq_fp_add(x, nq_fp_rescale(nq_srdhm(x, one_minus), 4, 2)); /* Q4 -> Q2 */
  }
  /* x approximates 2 / (1 + a) in Q2; reading it as Q1 halves it. */
  return nq_fp_rescale(x, 1, 0);
}

int32_t nq_fp_log_x_ge_1(int32_t x, int in_bits, int out_bits) {
  const int accum_bits = out_bits + 1; /* headroom for z_pow_2_adj * log(2) */
  const int32_t log_2 = 1488522236;
  const int32_t sqrt_sqrt_half = 1805811301;
  const int32_t sqrt_half = 1518500250;
  const int32_t one_quarter = 536870912;
  const int32_t alpha_n = 117049297;
  const int32_t alpha_d = 127690142;
  const int32_t alpha_i = 1057819769;
  const int32_t alpha_f = 638450708;
  const int32_t shifted_quarter = nq_fp_rescale(one_quarter, 0, accum_bits);

  /* The input read as Q0; the power of two is tracked separately. */
  const int32_t z_a = x;
  const int z_a_headroom_plus_1 = clz32((uint32_t)z_a);
  const int32_t r_a_tmp = nq_fp_sat_lshift(z_a, z_a_headroom_plus_1 - 1);
  const int32_t r_a_raw = nq_fp_sat_lshift(nq_srdhm(r_a_tmp, sqrt_half), 1);
  const int32_t z_a_pow_2_adj =
      sat_add(nq_fp_sat_lshift(in_bits - z_a_headroom_plus_1, 31 - accum_bits), shifted_quarter);

  const int32_t z_b = nq_srdhm(z_a, sqrt_half);
  const int z_b_headroom = clz32((uint32_t)z_b) - 1;
  const int32_t r_b_raw = nq_fp_sat_lshift(z_a, z_b_headroom);
  const int32_t z_b_pow_2_adj =
      sat_sub(nq_fp_sat_lshift(in_bits - z_b_headroom, 31 - accum_bits), shifted_quarter);

  const int32_t r = r_a_raw < r_b_raw ? r_a_raw : r_b_raw;
  const int32_t z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;

  /* log(r) for r in [sqrt(1/2)^.., ..] by a rational approximation around
   * sqrt(sqrt(1/2)). */
  const int32_t p = nq_fp_rounding_half_sum(r, sqrt_sqrt_half);
  int32_t q = nq_fp_sub(r, sqrt_sqrt_half);
  q = nq_fp_add(q, q);
  const int32_t common_sq = nq_srdhm(q, q);
  const int32_t num = nq_fp_add(nq_srdhm(q, r), nq_srdhm(nq_srdhm(q, common_sq), alpha_n));
  const int32_t denom_minus_one = nq_fp_add(
      nq_srdhm(p, nq_fp_add(nq_fp_add(alpha_i, q), nq_srdhm(alpha_d, common_sq))), nq_srdhm(alpha_f, q));
  const int32_t recip_denom = nq_fp_one_over_one_plus_x(denom_minus_one);
  const int32_t num_scaled = nq_fp_rescale(num, 0, accum_bits);
  const int32_t sum = nq_fp_add(nq_srdhm(z_pow_2_adj, log_2), nq_srdhm(num_scaled, recip_denom));
  return nq_fp_rescale(sum, accum_bits, out_bits);
}
