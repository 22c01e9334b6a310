/*
 * Activation histograms for range refinement (calib/range_refine.c) and the
 * per-tensor range choice (calib/range_choice.c): NQ_HIST_BINS equal bins
 * over a tensor's calibrated [lo, hi], counting every value seen.
 */
#ifndef NQ_CALIB_HISTOGRAM_H
#define NQ_CALIB_HISTOGRAM_H

#include <stdint.h>

#define NQ_HIST_BINS 2048

/* The bin of x in [lo, hi] (values outside land in the end bins). */
int nq_hist_bin(float x, float lo, float hi);

/* nq_hist_bin with a multiplication in place of the division, for the
 * histogram pass's inner loop: inv = NQ_HIST_BINS / ((double)hi - (double)lo).
 * The product is within 1e-12 of the exact quotient, so only a value that
 * lands within 1e-9 of a bin edge (or at hi and beyond) takes the exact
 * rule: the bin is always nq_hist_bin's. No branch depends on the data
 * (a ReLU output is zero or not at random: a branch on it mispredicts). */
static inline int nq_hist_bin_fast(float x, float lo, float hi, double inv) {
  double p = (double)(x - lo) * inv;
  /* Both clamps almost never apply (values come from the pass that set
   * [lo, hi]), so their branches predict well; x == lo (c == 0) is bin 0
   * with no branch, and c in (-1, 0) or at either clamp is an edge. */
  double c = p < NQ_HIST_BINS ? p : NQ_HIST_BINS;
  c = c > -1.0 ? c : -1.0;
  int b = (int)c;
  double frac = c - b;
  int edge = ((frac < 1e-9) & (c != 0)) | (frac > 1 - 1e-9);
  return edge ? nq_hist_bin(x, lo, hi) : b;
}

/* Value at quantile q (0..1) of a histogram over [lo, hi]. */
float nq_hist_quantile(const uint64_t *h, uint64_t total, double q, float lo, float hi);

/* Expected squared error (summed over the counted values) of int8
 * quantization with the range [a, b] widened to include 0: (x - clip)^2
 * outside, step^2 / 12 inside; each bin counts as its centre. */
double nq_hist_int8_error(const uint64_t *h, float lo, float hi, float a, float b);

/* The clipping [f*from, f*to], f in 1.00, 0.99, ..., 0.30, of least
 * nq_hist_int8_error (`from`, `to`: the values' extent within [lo, hi]). */
void nq_hist_least_error_range(const uint64_t *h, float lo, float hi, float from, float to, float *a,
                               float *b);

#endif
