/*
 * Weight rounding by output error (quant/weight_round.h) on single weight
 * rows, against references computed here independently:
 *
 * - the error it returns is the mean squared output error over the input
 *   patches, summed directly (and, with the int8 model's own inputs, the
 *   cross term plus the constant equal E[(s q^T p' - w^T p)^2]);
 * - on rows of 10 weights, where every up/down choice can be tried (1024),
 *   AdaRound never does worse than nearest rounding, and finds most of the
 *   gap between nearest rounding and the best rounding;
 * - on held-out patches of the same distribution, its rows' total error is
 *   below nearest rounding's (it does not just fit the calibration patches);
 * - the same row gives the same bytes twice.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/weight_round.h"
#include "testutil.h"

#define K 10
#define N_TRAIN 400
#define N_TEST 400
#define ROWS 24

/* Correlated patches (neighbouring pixels): p = a shared part plus noise,
 * half of them after a ReLU-like floor, as conv inputs are. */
static void patches(nq_rng *rng, float *x, int n) {
  for (int i = 0; i < n; i++) {
    float shared = nq_rng_uniform(rng, -1, 1);
    for (int a = 0; a < K; a++) {
      float v = 0.8f * shared + 0.5f * nq_rng_uniform(rng, -1, 1);
      x[i * K + a] = a % 2 && v < 0 ? 0 : v;
    }
  }
}

static void moments(const float *x, const float *y, int n, double *m) {
  memset(m, 0, sizeof(double) * K * K);
  for (int i = 0; i < n; i++)
    for (int a = 0; a < K; a++)
      for (int b = 0; b < K; b++) m[a * K + b] += (double)x[i * K + a] * y[i * K + b] / n;
}

/* E[(s q^T p' - w^T p)^2] over n patches, directly. */
static double direct(const float *w, const int8_t *q, float s, const float *xq, const float *x, int n) {
  double e = 0;
  for (int i = 0; i < n; i++) {
    double a = 0, b = 0;
    for (int k = 0; k < K; k++) {
      a += (double)s * q[k] * xq[i * K + k];
      b += (double)w[k] * x[i * K + k];
    }
    e += (a - b) * (a - b);
  }
  return e / n;
}

int main(void) {
  nq_rng rng = {7};
  float *xtr = malloc(sizeof(float) * N_TRAIN * K), *xte = malloc(sizeof(float) * N_TEST * K);
  float *xq = malloc(sizeof(float) * N_TRAIN * K);
  float *work = malloc(sizeof(float) * NQ_WEIGHT_ROUND_WORK(K));
  double m[K * K], cross[K * K], fm[K * K], c[K];
  CHECK(xtr && xte && xq && work);
  patches(&rng, xtr, N_TRAIN);
  patches(&rng, xte, N_TEST);
  moments(xtr, xtr, N_TRAIN, m);

  double sum_near = 0, sum_ada = 0, sum_best = 0, test_near = 0, test_ada = 0;
  int found = 0;
  for (int r = 0; r < ROWS; r++) {
    float w[K];
    /* coarse scale: a few int8 steps per weight, as per-tensor weights of a small channel get */
    float s = 0.05f;
    for (int a = 0; a < K; a++) w[a] = nq_rng_uniform(&rng, -0.2f, 0.2f);
    int8_t qn[K], qa[K], qa2[K];
    double en = nq_weight_round_row(w, K, m, NULL, s, NQ_WEIGHT_ROUND_NEAREST, work, qn);
    double ea = nq_weight_round_row(w, K, m, NULL, s, NQ_WEIGHT_ROUND_ADAROUND, work, qa);
    nq_weight_round_row(w, K, m, NULL, s, NQ_WEIGHT_ROUND_ADAROUND, work, qa2);
    CHECKF(memcmp(qa, qa2, K) == 0, "row %d: AdaRound gives other bytes the second time", r);
    for (int a = 0; a < K; a++) {
      CHECKF(qn[a] == (int8_t)lroundf(w[a] / s), "row %d: nearest rounding of weight %d", r, a);
      CHECKF(qa[a] == (int8_t)floorf(w[a] / s) || qa[a] == (int8_t)ceilf(w[a] / s),
             "row %d: weight %d rounded to %d, not up or down from %g", r, a, qa[a], w[a] / s);
    }
    double dn = direct(w, qn, s, xtr, xtr, N_TRAIN), da = direct(w, qa, s, xtr, xtr, N_TRAIN);
    CHECKF(fabs(en - dn) <= 1e-6 * (dn + 1e-12) + 1e-12, "row %d: nearest error %g, summed directly %g", r,
           en, dn);
    CHECKF(fabs(ea - da) <= 1e-6 * (da + 1e-12) + 1e-12, "row %d: AdaRound error %g, summed directly %g", r,
           ea, da);
    CHECKF(ea <= en, "row %d: AdaRound %g worse than nearest %g", r, ea, en);
    /* every up/down choice */
    double best = INFINITY;
    for (int mask = 0; mask < 1 << K; mask++) {
      int8_t q[K];
      for (int a = 0; a < K; a++) q[a] = (int8_t)(floorf(w[a] / s) + ((mask >> a) & 1));
      double e = direct(w, q, s, xtr, xtr, N_TRAIN);
      if (e < best) best = e;
    }
    CHECKF(ea >= best * (1 - 1e-9), "row %d: AdaRound %g below the exhaustive best %g", r, ea, best);
    found += ea <= best * (1 + 1e-9);
    sum_near += en;
    sum_ada += ea;
    sum_best += best;
    test_near += direct(w, qn, s, xte, xte, N_TEST);
    test_ada += direct(w, qa, s, xte, xte, N_TEST);
  }
  printf(
      "rows %d: calibration error nearest %.4g, AdaRound %.4g, exhaustive best %.4g (AdaRound found it in "
      "%d); held-out nearest %.4g, AdaRound %.4g\n",
      ROWS, sum_near, sum_ada, sum_best, found, test_near, test_ada);
  CHECKF(sum_near - sum_ada >= 0.7 * (sum_near - sum_best),
         "AdaRound closes %.0f%% of nearest rounding's gap to the best, 70%% expected",
         100 * (sum_near - sum_ada) / (sum_near - sum_best));
  CHECKF(test_ada < test_near, "held out: AdaRound %g not below nearest %g", test_ada, test_near);

  /* The int8 model's own inputs p' = p + noise: c = (A - B) w and the
   * constant w^T (A - 2B + F) w make the returned error E[(s q^T p' - w^T p)^2]. */
  for (int i = 0; i < N_TRAIN * K; i++) xq[i] = xtr[i] + nq_rng_uniform(&rng, -0.05f, 0.05f);
  moments(xq, xq, N_TRAIN, m);
  moments(xq, xtr, N_TRAIN, cross);
  moments(xtr, xtr, N_TRAIN, fm);
  float w[K];
  for (int a = 0; a < K; a++) w[a] = nq_rng_uniform(&rng, -0.2f, 0.2f);
  double konst = 0;
  for (int a = 0; a < K; a++) {
    double t = 0, u = 0;
    for (int b = 0; b < K; b++) {
      t += (m[a * K + b] - cross[a * K + b]) * w[b];
      u += (m[a * K + b] - 2 * cross[a * K + b] + fm[a * K + b]) * w[b];
    }
    c[a] = t;
    konst += w[a] * u;
  }
  int8_t qn[K], qa[K];
  double en = nq_weight_round_row(w, K, m, c, 0.05f, NQ_WEIGHT_ROUND_NEAREST, work, qn) + konst;
  double ea = nq_weight_round_row(w, K, m, c, 0.05f, NQ_WEIGHT_ROUND_ADAROUND, work, qa) + konst;
  double dn = direct(w, qn, 0.05f, xq, xtr, N_TRAIN), da = direct(w, qa, 0.05f, xq, xtr, N_TRAIN);
  CHECKF(fabs(en - dn) <= 1e-6 * dn, "own inputs: nearest error %g, summed directly %g", en, dn);
  CHECKF(fabs(ea - da) <= 1e-6 * da, "own inputs: AdaRound error %g, summed directly %g", ea, da);
  CHECKF(ea <= en, "own inputs: AdaRound %g worse than nearest %g", ea, en);
  free(xtr);
  free(xte);
  free(xq);
  free(work);
  return nq_test_finish("weight_round");
}
