#include "calib/range_refine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib/feed.h"
#include "calib/pad_sentinel.h"
#include "core/status.h"
#include "exec/engine.h"

#define NBINS 2048

nq_status nq_calib_parse(const char *s, nq_calib_options *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  out->percentile = 99.99;
  if (strcmp(s, "minmax") == 0) return NQ_OK;
  if (strcmp(s, "mse") == 0) {
    out->method = NQ_CALIB_MSE;
    return NQ_OK;
  }
  if (strncmp(s, "percentile", 10) == 0 && (s[10] == '\0' || s[10] == ':')) {
    out->method = NQ_CALIB_PERCENTILE;
    if (s[10] == ':') {
      char *end;
      double p = strtod(s + 11, &end);
      if (end == s + 11 || *end || !(p > 50.0 && p <= 100.0))
        return nq_fail(err, NQ_ERR_INVALID_ARG, "calibration '%s': the percentile must be in (50, 100]", s);
      out->percentile = p;
    }
    return NQ_OK;
  }
  return nq_fail(err, NQ_ERR_INVALID_ARG, "calibration '%s': expected minmax, percentile[:P] or mse", s);
}

static bool observed(const nq_graph *g, const nq_ranges *r, int t) {
  return !g->tensors[t].data && g->tensors[t].type == NQ_FLOAT32 && r->seen[t] && r->max[t] > r->min[t];
}

static int bin_of(float x, float lo, float hi) {
  int b = (int)((double)(x - lo) / ((double)hi - (double)lo) * NBINS);
  return b < 0 ? 0 : (b >= NBINS ? NBINS - 1 : b);
}

/* Value at quantile q (0..1) of a histogram over [lo, hi]. */
static float quantile(const uint64_t *h, uint64_t total, double q, float lo, float hi) {
  double want = q * (double)total, acc = 0;
  for (int b = 0; b < NBINS; b++) {
    if (acc + (double)h[b] >= want) {
      double frac = h[b] ? (want - acc) / (double)h[b] : 0;
      return (float)(lo + ((double)b + frac) / NBINS * ((double)hi - (double)lo));
    }
    acc += (double)h[b];
  }
  return hi;
}

/* Expected squared error of int8 quantization over [a, b] (0 included). */
static double mse_for(const uint64_t *h, float lo, float hi, float a, float b) {
  if (a > 0) a = 0;
  if (b < 0) b = 0;
  double step = ((double)b - (double)a) / 255.0, inside = step * step / 12.0, e = 0;
  double w = ((double)hi - (double)lo) / NBINS;
  for (int k = 0; k < NBINS; k++) {
    if (!h[k]) continue;
    double c = lo + (k + 0.5) * w;
    double d = c > b ? c - b : (c < a ? a - c : 0);
    e += (double)h[k] * (d > 0 ? d * d : inside);
  }
  return e;
}

void nq_histograms_free(nq_histograms *h) {
  for (int t = 0; h->h && t < h->n; t++) free(h->h[t]);
  free(h->h);
  h->h = NULL;
  h->n = 0;
}

nq_status nq_collect_histograms(const nq_graph *g, const nq_sample_source *src,
                                const nq_session_options *opts, const nq_ranges *r, nq_histograms *out,
                                nq_error *err) {
  int n = g->n_tensors;
  out->n = n;
  uint64_t **hist = out->h = calloc((size_t)(n ? n : 1), sizeof *hist);
  if (!hist) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for calibration histograms");
  nq_status st = NQ_OK;
  for (int t = 0; t < n && st == NQ_OK; t++)
    if (observed(g, r, t) && !(hist[t] = calloc(NBINS, sizeof(uint64_t))))
      st = nq_fail(err, NQ_ERR_NOMEM, "out of memory for calibration histograms");
  nq_session *s = NULL;
  if (st == NQ_OK) st = nq_engine_create(g, opts, &s, err);
  if (st == NQ_OK) st = nq_session_keep_all_tensors(s, err);
  nq_feeder feeder = {0};
  if (st == NQ_OK) st = nq_feeder_init(&feeder, g, err);
  float *ignored = NULL;
  if (st == NQ_OK) st = nq_calib_ignored_values(g, &ignored, err);
  for (int k = 0; k < src->n_samples && st == NQ_OK; k++) {
    st = nq_feed_sample(&feeder, src, k, 1, &s, &g, err);
    if (st == NQ_OK) st = nq_session_run(s, err);
    for (int t = 0; t < n && st == NQ_OK; t++) {
      if (!hist[t]) continue;
      const void *d;
      size_t nb;
      if (nq_session_tensor(s, t, &d, &nb, err) != NQ_OK) {
        nq_error_clear(err);
        continue;
      }
      const float *v = d;
      for (size_t e = 0; e < nb / sizeof(float); e++)
        if (v[e] != ignored[t]) hist[t][bin_of(v[e], r->min[t], r->max[t])]++;
    }
  }
  free(ignored);
  nq_feeder_free(&feeder);
  nq_session_free(s);
  if (st != NQ_OK) nq_histograms_free(out);
  return st;
}

void nq_ranges_from_histograms(const nq_histograms *h, const nq_calib_options *co, nq_ranges *r) {
  if (co->method == NQ_CALIB_MINMAX) return;
  for (int t = 0; t < h->n && t < r->n; t++) {
    const uint64_t *ht = h->h[t];
    if (!ht) continue;
    float lo = r->min[t], hi = r->max[t];
    uint64_t total = 0;
    for (int b = 0; b < NBINS; b++) total += ht[b];
    if (!total) continue;
    float a = lo, b = hi;
    if (co->method == NQ_CALIB_PERCENTILE) {
      double tail = (100.0 - co->percentile) / 200.0;
      a = quantile(ht, total, tail, lo, hi);
      b = quantile(ht, total, 1.0 - tail, lo, hi);
    } else {
      double best = mse_for(ht, lo, hi, lo, hi);
      for (int f100 = 99; f100 >= 30; f100--) {
        float f = (float)f100 / 100.0f;
        double e = mse_for(ht, lo, hi, lo * f, hi * f);
        if (e < best) {
          best = e;
          a = lo * f;
          b = hi * f;
        }
      }
    }
    /* only ever shrink */
    if (a > lo && a <= hi) r->min[t] = a;
    if (b < hi && b >= lo) r->max[t] = b;
  }
}

nq_status nq_refine_ranges(const nq_graph *g, const nq_sample_source *src, const nq_session_options *opts,
                           const nq_calib_options *co, nq_ranges *r, nq_error *err) {
  if (co->method == NQ_CALIB_MINMAX) return NQ_OK;
  nq_histograms h = {0};
  NQ_TRY(nq_collect_histograms(g, src, opts, r, &h, err));
  nq_ranges_from_histograms(&h, co, r);
  nq_histograms_free(&h);
  return NQ_OK;
}
