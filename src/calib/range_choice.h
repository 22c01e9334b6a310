/*
 * The activation range method chosen per tensor (`--calibration layerwise`):
 * no one method is best for every tensor (min/max keeps a rare large value
 * that matters, mse clips a long tail that does not), so each tensor's
 * samples decide for it. The samples are split as the automatic recipe
 * splits them (the last quarter of every run of 32 held out, runs of n/2
 * below 64 samples); each candidate range (min/max, percentile 99.9, mse)
 * is taken from the calibration part's histogram and judged by the
 * expected int8 error it gives the held-out part's values. The chosen
 * method is then applied to the histogram of all samples. (Percentile
 * 99.99 was a candidate too: it won on the calibration part of many VWW
 * tensors and cost the model 0.7 dB, docs/quantization.md.)
 */
#ifndef NQ_CALIB_RANGE_CHOICE_H
#define NQ_CALIB_RANGE_CHOICE_H

#include <stdint.h>

/* Fewer samples than this are not split: the tensor gets mse's range. */
#define NQ_RANGE_CHOICE_MIN_SAMPLES 8

typedef enum nq_range_method {
  NQ_RANGE_MINMAX = 0,
  NQ_RANGE_PERCENTILE = 1, /* 99.9 */
  NQ_RANGE_MSE = 2,
  NQ_RANGE_METHODS = 3
} nq_range_method;

/* Printable name of a method ("minmax", "percentile:99.9", "mse"). */
const char *nq_range_method_name(nq_range_method m);

/* 1 when sample `i` of `n` is held out for judging (n >= NQ_RANGE_CHOICE_MIN_SAMPLES). */
int nq_range_held_out(int i, int n);

/* The range method `m` gives a histogram over [lo, hi] with `total` counts. */
void nq_range_of_method(nq_range_method m, const uint64_t *h, uint64_t total, float lo, float hi, float *a,
                        float *b);

/* Choose a tensor's method: candidates from `cal`, judged on `val` (both
 * histograms over [lo, hi], both non-empty; ties: the earlier method). */
nq_range_method nq_range_choose(const uint64_t *cal, const uint64_t *val, float lo, float hi);

#endif
