/*
 * Narrowing calibrated ranges beyond TensorFlow's plain min/max
 * (`convert --calibration percentile[:P]|mse`).
 *
 * Min/max lets one outlier activation stretch a tensor's scale and cost every
 * other value precision. After the min/max pass, a second pass over the same
 * samples builds a 2048-bin histogram of every float activation over its
 * [min, max], and each range is replaced by:
 *  - percentile P (default 99.99): the (100-P)/2 % and 100-(100-P)/2 %
 *    quantiles (the quantizer still widens the range to include 0);
 *  - mse: the clipping [f*min, f*max], f in 1.00, 0.99, ..., 0.30, that
 *    minimizes the histogram's expected squared error under int8 with that
 *    range: (x - clip)^2 outside, step^2 / 12 inside.
 * Ranges only ever shrink; tensors the quantizer fixes (softmax, logistic,
 * ...) or ties together are handled there as before.
 */
#ifndef NQ_CALIB_RANGE_REFINE_H
#define NQ_CALIB_RANGE_REFINE_H

#include <stdbool.h>
#include <stdint.h>

#include "calib/calibrate.h"

typedef enum nq_calib_method {
  NQ_CALIB_MINMAX = 0, /* TensorFlow's converter (the default) */
  NQ_CALIB_PERCENTILE = 1,
  NQ_CALIB_MSE = 2,
  NQ_CALIB_LAYERWISE = 3, /* one of the above per tensor (calib/range_choice.h) */
} nq_calib_method;

typedef struct nq_calib_options {
  nq_calib_method method;
  double percentile; /* NQ_CALIB_PERCENTILE: in (50, 100] */
  /* NQ_CALIB_LAYERWISE: counts the tensors given each nq_range_method (may be NULL) */
  int *chosen;
} nq_calib_options;

/* Parse "minmax", "percentile", "percentile:99.9", "mse" or "layerwise". */
nq_status nq_calib_parse(const char *s, nq_calib_options *out, nq_error *err);

/* The histograms of every observed float tensor over its calibrated range
 * (the second pass). Kept apart from the choice of range so the automatic
 * recipe collects them once and tries minmax, percentile and mse on them. */
typedef struct nq_histograms {
  int n;           /* tensors */
  uint64_t **h;    /* h[t]: NQ_HIST_BINS counts over [r->min[t], r->max[t]], NULL: not observed */
  uint64_t **held; /* split: the held-out samples' counts apart (layerwise), else NULL */
} nq_histograms;

/* r: the min/max ranges from nq_calibrate on the same graph and samples.
 * split: count the held-out samples (nq_range_held_out) in out->held, as
 * NQ_CALIB_LAYERWISE needs (only with enough samples to hold some out). */
nq_status nq_collect_histograms(const nq_graph *g, const nq_sample_source *src,
                                const nq_session_options *opts, const nq_ranges *r, bool split,
                                nq_histograms *out, nq_error *err);
/* Narrow r (the ranges h was collected over) by co's method. */
nq_status nq_ranges_from_histograms(const nq_histograms *h, const nq_calib_options *co, nq_ranges *r,
                                    nq_error *err);
void nq_histograms_free(nq_histograms *h);

/* Both steps at once: refine `r` (from nq_calibrate on the same graph and samples). */
nq_status nq_refine_ranges(const nq_graph *g, const nq_sample_source *src, const nq_session_options *opts,
                           const nq_calib_options *co, nq_ranges *r, nq_error *err);

#endif
