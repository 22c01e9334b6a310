#include "calib/calibrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib/pad_sentinel.h"
#include "calib/sample_pass.h"
#include "core/status.h"

/* The first NaN/Inf among v's counted values, as an error. */
static nq_status non_finite(const nq_graph *g, int t, const float *v, size_t n, float ignored,
                            const char *sample, nq_error *err) {
  for (size_t i = 0; i < n; i++) {
    float x = v[i];
    if (x == ignored || isfinite(x)) continue;
    char tb[96];
    return nq_fail(err, NQ_ERR_NUMERIC, "%s: tensor %s is %s at element %zu for %s",
                   g->source ? g->source : "model", nq_tensor_label(g, t, tb, sizeof tb),
                   isnan(x) ? "NaN" : "infinite", i, sample);
  }
  return NQ_OK;
}

/* Lanes of the min/max scan: independent chains the compiler keeps in
 * registers (one chain waits on every compare; 8 run ~4x faster). */
#define SCAN_LANES 8

/* Fold one tensor's values into its range; NaN/Inf is an error. Values
 * equal to `ignored` (a max pool's pad sentinel, see pad_sentinel.h) are
 * left out. */
static nq_status observe(const nq_graph *g, int t, const float *v, size_t n, float ignored, nq_ranges *r,
                         const char *sample, nq_error *err) {
  float mn = r->seen[t] ? r->min[t] : INFINITY, mx = r->seen[t] ? r->max[t] : -INFINITY;
  size_t counted = 0;
  if (isnan(ignored)) {
    /* Every value counts. x * 0 is NaN exactly for a NaN or an infinity,
     * so one sum per lane finds them without a branch per value. */
    float lmn[SCAN_LANES], lmx[SCAN_LANES], bad[SCAN_LANES];
    for (int l = 0; l < SCAN_LANES; l++) {
      lmn[l] = mn;
      lmx[l] = mx;
      bad[l] = 0;
    }
    size_t i = 0;
    for (; i + SCAN_LANES <= n; i += SCAN_LANES)
      for (int l = 0; l < SCAN_LANES; l++) {
        float x = v[i + (size_t)l];
        lmn[l] = x < lmn[l] ? x : lmn[l];
        lmx[l] = x > lmx[l] ? x : lmx[l];
        bad[l] += x * 0.0f;
      }
    for (; i < n; i++) {
      lmn[0] = v[i] < lmn[0] ? v[i] : lmn[0];
      lmx[0] = v[i] > lmx[0] ? v[i] : lmx[0];
      bad[0] += v[i] * 0.0f;
    }
    for (int l = 0; l < SCAN_LANES; l++) {
      if (bad[l] != 0) return non_finite(g, t, v, n, ignored, sample, err);
      if (lmn[l] < mn) mn = lmn[l];
      if (lmx[l] > mx) mx = lmx[l];
    }
    counted = n;
  } else {
    for (size_t i = 0; i < n; i++) {
      float x = v[i];
      if (x == ignored) continue;
      counted++;
      if (!isfinite(x)) return non_finite(g, t, v, n, ignored, sample, err);
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
  }
  if (counted > 0) {
    r->min[t] = mn;
    r->max[t] = mx;
    r->seen[t] = 1;
  }
  return NQ_OK;
}

typedef struct minmax_pass {
  const nq_graph *g;
  const nq_sample_source *src;
  const float *ignored;
  nq_ranges *part; /* one per worker */
} minmax_pass;

static nq_status visit(void *ctx, int w, int k, const char *name, nq_session *s, nq_error *err) {
  minmax_pass *p = ctx;
  const nq_graph *g = p->g;
  (void)k;
  for (int t = 0; t < g->n_tensors; t++) {
    const nq_tensor *x = &g->tensors[t];
    if (x->data || x->type != NQ_FLOAT32) continue;
    const void *data;
    size_t nbytes;
    if (nq_session_tensor(s, t, &data, &nbytes, err) != NQ_OK) {
      nq_error_clear(err); /* a tensor no node computes (unused) has no value */
      continue;
    }
    NQ_TRY(observe(g, t, (const float *)data, nbytes / sizeof(float), p->ignored[t], &p->part[w], name, err));
  }
  return NQ_OK;
}

/* out = the union of the workers' ranges. A zero bound is +0 whichever
 * worker (or element) saw -0 first, so the result does not depend on how
 * samples were spread. */
static void merge(const nq_ranges *part, int workers, nq_ranges *out) {
  for (int t = 0; t < out->n; t++) {
    for (int w = 0; w < workers; w++) {
      const nq_ranges *r = &part[w];
      if (!r->seen[t]) continue;
      if (!out->seen[t] || r->min[t] < out->min[t]) out->min[t] = r->min[t];
      if (!out->seen[t] || r->max[t] > out->max[t]) out->max[t] = r->max[t];
      out->seen[t] = 1;
    }
    if (out->seen[t] && out->min[t] == 0) out->min[t] = 0.0f;
    if (out->seen[t] && out->max[t] == 0) out->max[t] = 0.0f;
  }
}

nq_status nq_calibrate(const nq_graph *g, const nq_sample_source *src, const nq_session_options *opts,
                       nq_ranges *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  if (src->n_samples <= 0) return nq_fail(err, NQ_ERR_INVALID_ARG, "calibration needs at least one sample");
  int workers = nq_sample_pass_workers(g, opts, src->n_samples);
  minmax_pass p = {.g = g, .src = src};
  p.part = calloc((size_t)workers, sizeof *p.part);
  if (!p.part) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for %d workers' ranges", workers);
  nq_status st = NQ_OK;
  for (int w = 0; w < workers && st == NQ_OK; w++) st = nq_ranges_init(&p.part[w], g->n_tensors, err);
  float *ignored = NULL;
  if (st == NQ_OK) st = nq_calib_ignored_values(g, &ignored, err);
  p.ignored = ignored;
  if (st == NQ_OK) st = nq_sample_pass_run(g, src, opts, workers, true, visit, &p, err);
  if (st == NQ_OK) st = nq_ranges_init(out, g->n_tensors, err);
  if (st == NQ_OK) merge(p.part, workers, out);
  free(ignored);
  for (int w = 0; w < workers; w++)
    if (p.part[w].min) nq_ranges_free(&p.part[w]);
  free(p.part);
  return st;
}
