#include "calib/calibrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib/feed.h"
#include "calib/pad_sentinel.h"
#include "core/status.h"
#include "exec/engine.h"

static const char *sample_name(const nq_sample_source *src, int i, char *buf, size_t n) {
  const char *nm = src->name ? src->name(src->ctx, i) : NULL;
  if (nm) return nm;
  snprintf(buf, n, "sample %d", i);
  return buf;
}

/* Fold one tensor's values into its range; NaN/Inf is an error. Values
 * equal to `ignored` (a max pool's pad sentinel, see pad_sentinel.h) are
 * left out. */
static nq_status observe(const nq_graph *g, int t, const float *v, size_t n, float ignored, nq_ranges *r,
                         const char *sample, nq_error *err) {
  float mn = r->seen[t] ? r->min[t] : INFINITY, mx = r->seen[t] ? r->max[t] : -INFINITY;
  size_t counted = 0;
  for (size_t i = 0; i < n; i++) {
    float x = v[i];
    if (x == ignored) continue;
    counted++;
    if (!isfinite(x)) {
      char tb[96];
      return nq_fail(err, NQ_ERR_NUMERIC, "%s: tensor %s is %s at element %zu for %s",
                     g->source ? g->source : "model", nq_tensor_label(g, t, tb, sizeof tb),
                     isnan(x) ? "NaN" : "infinite", i, sample);
    }
    if (x < mn) mn = x;
    if (x > mx) mx = x;
  }
  if (counted > 0) {
    r->min[t] = mn;
    r->max[t] = mx;
    r->seen[t] = 1;
  }
  return NQ_OK;
}

nq_status nq_calibrate(const nq_graph *g, const nq_sample_source *src, const nq_session_options *opts,
                       nq_ranges *out, nq_error *err) {
  if (src->n_samples <= 0) return nq_fail(err, NQ_ERR_INVALID_ARG, "calibration needs at least one sample");
  NQ_TRY(nq_ranges_init(out, g->n_tensors, err));
  nq_session *s = NULL;
  nq_status st = nq_engine_create(g, opts, &s, err);
  if (st == NQ_OK) st = nq_session_keep_all_tensors(s, err);
  nq_feeder feeder = {0};
  if (st == NQ_OK) st = nq_feeder_init(&feeder, g, err);
  float *ignored = NULL;
  if (st == NQ_OK) st = nq_calib_ignored_values(g, &ignored, err);
  char nb[64];
  for (int k = 0; k < src->n_samples && st == NQ_OK; k++) {
    st = nq_feed_sample(&feeder, src, k, 1, &s, &g, err);
    if (st == NQ_OK) st = nq_session_run(s, err);
    if (st != NQ_OK) {
      /* Name the sample unless the message already does (dataset errors do). */
      const char *sn = sample_name(src, k, nb, sizeof nb);
      char base[sizeof nb + 512];
      snprintf(base, sizeof base, "%s", sn);
      char *bracket = strchr(base, '[');
      if (bracket) *bracket = '\0'; /* "x.npy[3]" is named by "x.npy" */
      if (!strstr(err->msg, base)) nq_prefix(err, "%s: ", sn);
      break;
    }
    for (int t = 0; t < g->n_tensors && st == NQ_OK; t++) {
      const nq_tensor *x = &g->tensors[t];
      if (x->data || x->type != NQ_FLOAT32) continue;
      const void *data;
      size_t nbytes;
      if (nq_session_tensor(s, t, &data, &nbytes, err) != NQ_OK) {
        nq_error_clear(err); /* a tensor no node computes (unused) has no value */
        continue;
      }
      st = observe(g, t, (const float *)data, nbytes / sizeof(float), ignored[t], out,
                   sample_name(src, k, nb, sizeof nb), err);
    }
    if (src->progress) src->progress(src->progress_ctx, k + 1, src->n_samples);
  }
  free(ignored);
  nq_feeder_free(&feeder);
  nq_session_free(s);
  if (st != NQ_OK) nq_ranges_free(out);
  return st;
}
