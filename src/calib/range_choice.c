#include "calib/range_choice.h"

#include "calib/histogram.h"

/* Runs of near-duplicate samples (views of one photo, frames of a video)
 * must not straddle the split, or a range that fits its calibration
 * neighbours is judged on them: the same block rule as src/api/recipe.c. */
int nq_range_held_out(int i, int n) {
  int block = n >= 64 ? 8 : n / 8;
  if (block < 1) return 0;
  return i % (4 * block) >= 3 * block;
}

const char *nq_range_method_name(nq_range_method m) {
  switch (m) {
    case NQ_RANGE_MINMAX:
      return "minmax";
    case NQ_RANGE_PERCENTILE:
      return "percentile:99.9";
    case NQ_RANGE_MSE:
      return "mse";
    default:
      return "?";
  }
}

/* The histogram's own extent: a part of the samples rarely reaches the
 * whole calibrated [lo, hi]. */
static void occupied(const uint64_t *h, float lo, float hi, float *a, float *b) {
  int first = 0, last = NQ_HIST_BINS - 1;
  while (first < last && !h[first]) first++;
  while (last > first && !h[last]) last--;
  double w = ((double)hi - (double)lo) / NQ_HIST_BINS;
  *a = first == 0 ? lo : (float)(lo + first * w);
  *b = last == NQ_HIST_BINS - 1 ? hi : (float)(lo + (last + 1) * w);
}

void nq_range_of_method(nq_range_method m, const uint64_t *h, uint64_t total, float lo, float hi, float *a,
                        float *b) {
  switch (m) {
    case NQ_RANGE_PERCENTILE:
      *a = nq_hist_quantile(h, total, 0.05 / 100.0, lo, hi);
      *b = nq_hist_quantile(h, total, 1.0 - 0.05 / 100.0, lo, hi);
      break;
    case NQ_RANGE_MSE: {
      /* searched over the part's own extent, as mse searches a min/max */
      float from, to;
      occupied(h, lo, hi, &from, &to);
      nq_hist_least_error_range(h, lo, hi, from, to, a, b);
      break;
    }
    default:
      occupied(h, lo, hi, a, b);
      break;
  }
}

nq_range_method nq_range_choose(const uint64_t *cal, const uint64_t *val, float lo, float hi) {
  uint64_t total = 0;
  for (int k = 0; k < NQ_HIST_BINS; k++) total += cal[k];
  nq_range_method best = NQ_RANGE_MINMAX;
  double best_err = 0;
  for (int m = 0; m < NQ_RANGE_METHODS; m++) {
    float a, b;
    nq_range_of_method((nq_range_method)m, cal, total, lo, hi, &a, &b);
    double e = nq_hist_int8_error(val, lo, hi, a, b);
    /* a later (more clipping) method must win by more than 1 %: the
     * histogram's bin centres are not the values, and a near tie is no
     * reason to clip */
    if (m == 0 || e < best_err * 0.99) {
      best_err = e;
      best = (nq_range_method)m;
    }
  }
  return best;
}
