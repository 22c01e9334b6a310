/* Fixed-point primitives; see requant.h for the contract of each. */
#include "exec/requant.h"

#include <math.h>

bool nq_quantize_multiplier(double m, nq_qmul *out) {
  out->mult = 0;
  out->shift = 0;
  if (!(m >= 0.0) || !isfinite(m) || m >= 2147483648.0) return false;
  if (m == 0.0) return true;
  int shift = 0;
  double q = frexp(m, &shift); /* q in [0.5, 1) */
  /* round() is ties-away-from-zero, like TfLiteRound. q * 2^31 is in
   * [2^30, 2^31), so the rounded value is in [2^30, 2^31]. */
  int64_t fixed = (int64_t)round(q * 2147483648.0);
  if (fixed == ((int64_t)1 << 31)) {
    fixed /= 2;
    shift++;
  }
  if (shift < -31) { /* every bit would be shifted out: flush to zero */
    shift = 0;
    fixed = 0;
  }
  out->mult = (int32_t)fixed;
  out->shift = shift;
  return true;
}

int32_t nq_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b; /* |ab| < 2^62: no overflow */
  int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  /* C division truncates towards zero, as gemmlowp relies on. */
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

int32_t nq_rdbpot(int32_t x, int e) {
  if (e <= 0) return x;
  int64_t mask = ((int64_t)1 << e) - 1;
  int64_t rem = (int64_t)x & mask;
  int64_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
  /* Arithmetic right shift of a negative value: implementation-defined in
   * C11, arithmetic on every compiler we target; written as a floor
   * division to stay portable. */
  int64_t fl = (int64_t)x >= 0 ? ((int64_t)x >> e) : -((-(int64_t)x + mask) >> e);
  return (int32_t)(fl + (rem > thr ? 1 : 0));
}

/* floor(v / 2^s) for int64 v, s in [0, 62], without relying on >> of
 * negative values. */
static int64_t floor_shift64(int64_t v, int s) {
  if (v >= 0) return v >> s;
  /* -v fits: |v| < 2^63 for every caller (products of int32 values plus a
   * rounding term below 2^62). */
  int64_t mask = ((int64_t)1 << s) - 1;
  return -((-v + mask) >> s);
}

int32_t nq_mbqm_double(int32_t x, nq_qmul q) {
  int left = q.shift > 0 ? q.shift : 0;
  int right = q.shift > 0 ? 0 : -q.shift;
  int32_t shifted = x;
  if (left > 0) {
    if (left > 31) left = 31;
    shifted = nq_sat_i32((int64_t)x * ((int64_t)1 << left));
  }
  return nq_rdbpot(nq_srdhm(shifted, q.mult), right);
}

int32_t nq_mbqm_single(int32_t x, nq_qmul q) {
  int32_t mult = q.mult;
  int shift = q.shift;
  if (shift > 30) { /* TFLite's single-rounding QuantizeMultiplier cap */
    shift = 30;
    mult = INT32_MAX;
  }
  if (shift < -31) return 0;
  int total = 31 - shift;                    /* [1, 62] */
  int64_t prod = (int64_t)x * (int64_t)mult; /* |prod| <= 2^62 */
  int64_t round = (int64_t)1 << (total - 1);
  return nq_sat_i32(floor_shift64(prod + round, total));
}

int32_t nq_mbqm_i64(int64_t x, nq_qmul q) {
  if (q.shift < -31 || q.mult <= 0) return 0;
  const int shift = q.shift > 7 ? 7 : q.shift;
  const int64_t lim = (int64_t)1 << 47;
  if (x < -lim) x = -lim;
  if (x > lim - 1) x = lim - 1;
  const int64_t reduced = q.mult < 0x7FFF0000 ? ((int64_t)q.mult + (1 << 15)) >> 16 : 0x7FFF;
  const int total = 15 - shift; /* [8, 46] */
  /* |x * reduced| < 2^62: no overflow. */
  return nq_sat_i32(floor_shift64(x * reduced + ((int64_t)1 << (total - 1)), total));
}

int16_t nq_srdhm16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  int32_t ab = (int32_t)a * (int32_t)b;
  int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return (int16_t)((ab + nudge) / (1 << 15));
}

int16_t nq_sdhm16_trunc(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  int32_t ab = (int32_t)a * (int32_t)b;
  return (int16_t)(ab / (1 << 15));
}

int16_t nq_rdbpot16(int16_t x, int e) {
  if (e <= 0) return x;
  if (e > 31) e = 31;
  return (int16_t)nq_rdbpot((int32_t)x, e);
}

int16_t nq_sat_lshift16(int16_t x, int amount) {
  if (amount <= 0) return x;
  if (amount > 16) amount = 16;
  int64_t r = (int64_t)x * ((int64_t)1 << amount);
  if (r > INT16_MAX) r = INT16_MAX;
  if (r < INT16_MIN) r = INT16_MIN;
  return (int16_t)r;
}

int16_t nq_downscale_mult16(int32_t m) {
  const int32_t k_round = 1 << 15;
  if (m >= INT32_MAX - k_round) return INT16_MAX;
  if (m < 0) return 0;
  return (int16_t)((m + k_round) >> 16);
}

int32_t nq_round_f32_to_i32(float x) {
  if (x != x) return 0;
  float r = roundf(x);
  if (r >= 2147483647.0f) return INT32_MAX;
  if (r <= -2147483648.0f) return INT32_MIN;
  return (int32_t)r;
}

double nq_conv_scale_double(float s_in, float s_w, float s_out) {
  return (double)s_in * (double)s_w / (double)s_out;
}

double nq_conv_scale_legacy(float s_in, float s_w, float s_out) {
  volatile float prod = s_in * s_w; /* float product, as TFLite computes it */
  return (double)prod / (double)s_out;
}

bool nq_activation_range(int act, float scale, int32_t zp, int32_t qmin, int32_t qmax, int32_t *lo,
                         int32_t *hi) {
  int32_t l = qmin, h = qmax;
  /* zp + TfLiteRound(f / scale), saturating so hostile scales stay defined. */
#define NQ_QUANTIZE_BOUND(f) nq_sat_i32((int64_t)zp + nq_round_f32_to_i32((f) / scale))
  switch (act) {
    case 0: /* NONE */
      break;
    case 1: /* RELU */
      l = NQ_QUANTIZE_BOUND(0.0f);
      break;
    case 2: /* RELU_N1_TO_1 */
      l = NQ_QUANTIZE_BOUND(-1.0f);
      h = NQ_QUANTIZE_BOUND(1.0f);
      break;
    case 3: /* RELU6 */
      l = NQ_QUANTIZE_BOUND(0.0f);
      h = NQ_QUANTIZE_BOUND(6.0f);
      break;
    default:
      return false;
  }
#undef NQ_QUANTIZE_BOUND
  *lo = l > qmin ? l : qmin;
  *hi = h < qmax ? h : qmax;
  return true;
}
