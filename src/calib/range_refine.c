#include "calib/range_refine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib/feed.h"
#include "calib/histogram.h"
#include "calib/pad_sentinel.h"
#include "calib/range_choice.h"
#include "calib/sample_pass.h"
#include "core/status.h"
#include "exec/engine.h"

nq_status nq_calib_parse(const char *s, nq_calib_options *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  out->percentile = 99.99;
  if (strcmp(s, "minmax") == 0) return NQ_OK;
  if (strcmp(s, "mse") == 0) {
    out->method = NQ_CALIB_MSE;
    return NQ_OK;
  }
  if (strcmp(s, "layerwise") == 0) {
    out->method = NQ_CALIB_LAYERWISE;
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
  return nq_fail(err, NQ_ERR_INVALID_ARG,
                 "calibration '%s': expected minmax, percentile[:P], mse or layerwise", s);
}

static bool observed(const nq_graph *g, const nq_ranges *r, int t) {
  return !g->tensors[t].data && g->tensors[t].type == NQ_FLOAT32 && r->seen[t] && r->max[t] > r->min[t];
}

void nq_histograms_free(nq_histograms *h) {
  for (int t = 0; t < h->n; t++) {
    if (h->h) free(h->h[t]);
    if (h->held) free(h->held[t]);
  }
  free(h->h);
  free(h->held);
  h->h = h->held = NULL;
  h->n = 0;
}

typedef struct hist_pass {
  const nq_graph *g;
  const nq_ranges *r;
  const float *ignored;
  bool split;
  int n_samples;
  nq_histograms *part; /* one per worker */
} hist_pass;

static nq_status hist_visit(void *ctx, int w, int k, const char *name, nq_session *s, nq_error *err) {
  hist_pass *p = ctx;
  (void)name;
  const nq_ranges *r = p->r;
  nq_histograms *hs = &p->part[w];
  bool held_out = p->split && nq_range_held_out(k, p->n_samples);
  for (int t = 0; t < hs->n; t++) {
    if (!hs->h[t]) continue;
    uint64_t *h = held_out ? hs->held[t] : hs->h[t];
    const void *d;
    size_t nb;
    if (nq_session_tensor(s, t, &d, &nb, err) != NQ_OK) {
      nq_error_clear(err);
      continue;
    }
    const float *v = d;
    const float ig = p->ignored[t], lo = r->min[t], hi = r->max[t];
    const double inv = NQ_HIST_BINS / ((double)hi - (double)lo);
    size_t ne = nb / sizeof(float);
    if (isnan(ig)) { /* nothing to leave out: no comparison per value */
      for (size_t e = 0; e < ne; e++) h[nq_hist_bin_fast(v[e], lo, hi, inv)]++;
    } else {
      for (size_t e = 0; e < ne; e++)
        if (v[e] != ig) h[nq_hist_bin_fast(v[e], lo, hi, inv)]++;
    }
  }
  return NQ_OK;
}

static nq_status hist_alloc(const nq_graph *g, const nq_ranges *r, bool split, nq_histograms *out,
                            nq_error *err) {
  int n = g->n_tensors;
  out->n = n;
  out->h = calloc((size_t)(n ? n : 1), sizeof *out->h);
  out->held = split ? calloc((size_t)(n ? n : 1), sizeof *out->held) : NULL;
  if (!out->h || (split && !out->held))
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for calibration histograms");
  for (int t = 0; t < n; t++)
    if (observed(g, r, t) && (!(out->h[t] = calloc(NQ_HIST_BINS, sizeof(uint64_t))) ||
                              (split && !(out->held[t] = calloc(NQ_HIST_BINS, sizeof(uint64_t))))))
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory for calibration histograms");
  return NQ_OK;
}

/* Counts add up in any order: the sum over workers is the serial result. */
static void hist_add(nq_histograms *to, const nq_histograms *from) {
  for (int t = 0; t < to->n; t++)
    for (int b = 0; to->h[t] && b < NQ_HIST_BINS; b++) {
      to->h[t][b] += from->h[t][b];
      if (to->held) to->held[t][b] += from->held[t][b];
    }
}

nq_status nq_collect_histograms(const nq_graph *g, const nq_sample_source *src,
                                const nq_session_options *opts, const nq_ranges *r, bool split,
                                nq_histograms *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  if (src->n_samples <= 0) return nq_fail(err, NQ_ERR_INVALID_ARG, "calibration needs at least one sample");
  /* layerwise: a second histogram per tensor for the held-out samples */
  split = split && src->n_samples >= NQ_RANGE_CHOICE_MIN_SAMPLES;
  int workers = nq_sample_pass_workers(g, opts, src->n_samples);
  hist_pass p = {.g = g, .r = r, .split = split, .n_samples = src->n_samples};
  p.part = calloc((size_t)workers, sizeof *p.part);
  if (!p.part) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for %d workers' histograms", workers);
  nq_status st = NQ_OK;
  for (int w = 0; w < workers && st == NQ_OK; w++) st = hist_alloc(g, r, split, &p.part[w], err);
  float *ignored = NULL;
  if (st == NQ_OK) st = nq_calib_ignored_values(g, &ignored, err);
  p.ignored = ignored;
  if (st == NQ_OK) st = nq_sample_pass_run(g, src, opts, workers, false, hist_visit, &p, err);
  for (int w = 1; w < workers && st == NQ_OK; w++) hist_add(&p.part[0], &p.part[w]);
  free(ignored);
  if (st == NQ_OK) {
    *out = p.part[0];
    memset(&p.part[0], 0, sizeof p.part[0]);
  }
  for (int w = 0; w < workers; w++) nq_histograms_free(&p.part[w]);
  free(p.part);
  return st;
}

nq_status nq_ranges_from_histograms(const nq_histograms *hs, const nq_calib_options *co, nq_ranges *r,
                                    nq_error *err) {
  if (co->method == NQ_CALIB_MINMAX) return NQ_OK;
  uint64_t *all = NULL; /* calibration + held-out counts, when split */
  if (hs->held && !(all = malloc(NQ_HIST_BINS * sizeof *all)))
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for calibration histograms");
  for (int t = 0; t < hs->n && t < r->n; t++) {
    const uint64_t *cal = hs->h[t], *held = hs->held ? hs->held[t] : NULL;
    if (!cal) continue;
    float lo = r->min[t], hi = r->max[t];
    uint64_t cal_total = 0, held_total = 0;
    for (int b = 0; b < NQ_HIST_BINS; b++) {
      cal_total += cal[b];
      held_total += held ? held[b] : 0;
    }
    nq_range_method m = co->method == NQ_CALIB_PERCENTILE ? NQ_RANGE_PERCENTILE : NQ_RANGE_MSE;
    if (co->method == NQ_CALIB_LAYERWISE && cal_total && held_total) m = nq_range_choose(cal, held, lo, hi);
    /* the chosen method's range over every sample */
    const uint64_t *h = cal;
    if (held) {
      for (int b = 0; b < NQ_HIST_BINS; b++) all[b] = cal[b] + held[b];
      h = all;
    }
    uint64_t total = cal_total + held_total;
    if (!total) continue;
    float a = lo, b = hi;
    if (co->method == NQ_CALIB_PERCENTILE) {
      double tail = (100.0 - co->percentile) / 200.0;
      a = nq_hist_quantile(h, total, tail, lo, hi);
      b = nq_hist_quantile(h, total, 1.0 - tail, lo, hi);
    } else if (m != NQ_RANGE_MINMAX) {
      /* over every sample the extent is [lo, hi] itself: mse as before */
      nq_range_of_method(m, h, total, lo, hi, &a, &b);
    }
    if (co->chosen && co->method == NQ_CALIB_LAYERWISE) co->chosen[m]++;
    /* only ever shrink */
    if (a > lo && a <= hi) r->min[t] = a;
    if (b < hi && b >= lo) r->max[t] = b;
  }
  free(all);
  return NQ_OK;
}

nq_status nq_refine_ranges(const nq_graph *g, const nq_sample_source *src, const nq_session_options *opts,
                           const nq_calib_options *co, nq_ranges *r, nq_error *err) {
  if (co->method == NQ_CALIB_MINMAX) return NQ_OK;
  nq_histograms h = {0};
  NQ_TRY(nq_collect_histograms(g, src, opts, r, co->method == NQ_CALIB_LAYERWISE, &h, err));
  nq_status st = nq_ranges_from_histograms(&h, co, r, err);
  nq_histograms_free(&h);
  return st;
}
