/*
 * The per-tensor range choice (`--calibration layerwise`, calib/range_choice.h):
 * the range a method takes from the calibration part is judged on the
 * held-out part, and the choice must be the one whose int8 rounding of the
 * held-out values really errs least. The reference error is computed here
 * value by value (quantize, round, clamp, dequantize), not from the
 * histogram the chooser uses.
 */
#include <math.h>
#include <stdlib.h>

#include "calib/histogram.h"
#include "calib/range_choice.h"
#include "testutil.h"

#define N_CAL 20000
#define N_VAL 8000

/* Squared error of int8 (asymmetric, the range widened to include 0) over xs. */
static double int8_error(const float *xs, int n, float a, float b) {
  if (a > 0) a = 0;
  if (b < 0) b = 0;
  double scale = ((double)b - a) / 255.0, e = 0;
  double zp = -128.0 - round(a / scale);
  for (int i = 0; i < n; i++) {
    double q = round(xs[i] / scale) + zp;
    q = q < -128 ? -128 : (q > 127 ? 127 : q);
    double d = (q - zp) * scale - xs[i];
    e += d * d;
  }
  return e;
}

static float gauss(nq_rng *r) {
  float u1 = nq_rng_uniform(r, 1e-7f, 1.0f), u2 = nq_rng_uniform(r, 0.0f, 1.0f);
  return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}

/* Build both histograms over the joint [lo, hi] and check the choice. */
static nq_range_method check_choice(const char *what, const float *cal, const float *val) {
  float lo = INFINITY, hi = -INFINITY;
  for (int i = 0; i < N_CAL; i++) lo = fminf(lo, cal[i]), hi = fmaxf(hi, cal[i]);
  for (int i = 0; i < N_VAL; i++) lo = fminf(lo, val[i]), hi = fmaxf(hi, val[i]);
  uint64_t *hc = calloc(NQ_HIST_BINS, sizeof *hc), *hv = calloc(NQ_HIST_BINS, sizeof *hv);
  CHECK(hc && hv);
  if (!hc || !hv) exit(1);
  for (int i = 0; i < N_CAL; i++) hc[nq_hist_bin(cal[i], lo, hi)]++;
  for (int i = 0; i < N_VAL; i++) hv[nq_hist_bin(val[i], lo, hi)]++;
  nq_range_method m = nq_range_choose(hc, hv, lo, hi);
  double err[NQ_RANGE_METHODS], best = INFINITY;
  for (int k = 0; k < NQ_RANGE_METHODS; k++) {
    float a, b;
    nq_range_of_method((nq_range_method)k, hc, N_CAL, lo, hi, &a, &b);
    CHECKF(a < b && a >= lo && b <= hi, "%s: %s range [%g, %g] outside [%g, %g]", what,
           nq_range_method_name((nq_range_method)k), (double)a, (double)b, (double)lo, (double)hi);
    err[k] = int8_error(val, N_VAL, a, b);
    best = fmin(best, err[k]);
    printf("  %s: %-16s held-out squared error %.4g\n", what, nq_range_method_name((nq_range_method)k),
           err[k]);
  }
  /* the histogram's bin centres may rank two near-equal methods either way */
  CHECKF(err[m] <= best * 1.05, "%s: chose %s (error %.4g), the least is %.4g", what, nq_range_method_name(m),
         err[m], best);
  free(hc);
  free(hv);
  return m;
}

int main(void) {
  static float cal[N_CAL], val[N_VAL];
  nq_rng rng = {11};
  /* A Gaussian with one wild value in the calibration part only: min/max
   * spends its steps on it, a clipping method does not. */
  for (int i = 0; i < N_CAL; i++) cal[i] = gauss(&rng);
  for (int i = 0; i < N_VAL; i++) val[i] = gauss(&rng);
  cal[77] = 60.0f;
  nq_range_method m = check_choice("outlier", cal, val);
  CHECKF(m != NQ_RANGE_MINMAX, "outlier: kept min/max's range");

  /* Uniform values with 3 % of them at +-20 in both parts (a real, rare
   * mode): clipping it costs more than coarse steps, min/max wins. */
  for (int i = 0; i < N_CAL; i++)
    cal[i] = i % 33 == 0 ? (i % 2 ? 20.0f : -20.0f) : nq_rng_uniform(&rng, -1, 1);
  for (int i = 0; i < N_VAL; i++)
    val[i] = i % 33 == 0 ? (i % 2 ? 20.0f : -20.0f) : nq_rng_uniform(&rng, -1, 1);
  m = check_choice("rare mode", cal, val);
  CHECKF(m == NQ_RANGE_MINMAX, "rare mode: chose %s", nq_range_method_name(m));

  /* ReLU6-like values piled at both ends: nothing to clip, min/max (the
   * first, simplest method) stays on a tie. */
  for (int i = 0; i < N_CAL; i++) cal[i] = fminf(6.0f, fmaxf(0.0f, 3.0f + 4.0f * gauss(&rng)));
  for (int i = 0; i < N_VAL; i++) val[i] = fminf(6.0f, fmaxf(0.0f, 3.0f + 4.0f * gauss(&rng)));
  m = check_choice("saturated", cal, val);
  CHECKF(m == NQ_RANGE_MINMAX, "saturated: chose %s", nq_range_method_name(m));

  /* The split: the last quarter of every run of 32 (n >= 64), of n/2 below;
   * an incomplete last run holds nothing out. */
  int held = 0;
  for (int i = 0; i < 245; i++) {
    held += nq_range_held_out(i, 245);
    CHECKF(nq_range_held_out(i, 245) == (i % 32 >= 24), "sample %d of 245", i);
  }
  CHECKF(held == 56, "%d of 245 held out, 56 expected", held);
  held = 0;
  for (int i = 0; i < 16; i++) held += nq_range_held_out(i, 16);
  CHECKF(held == 4, "%d of 16 held out, 4 expected", held);
  for (int i = 0; i < 7; i++) CHECKF(!nq_range_held_out(i, 7), "sample %d of 7 held out", i);
  return nq_test_finish("test_range_choice");
}
