#include "calib/sample_pass.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calib/feed.h"
#include "core/status.h"
#include "exec/engine.h"
#include "exec/threadpool.h"

const char *nq_sample_label(const nq_sample_source *src, int k, char *buf, size_t n) {
  const char *nm = src->name ? src->name(src->ctx, k) : NULL;
  if (nm) return nm;
  snprintf(buf, n, "sample %d", k);
  return buf;
}

static int cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)(n > NQ_MAX_THREADS ? NQ_MAX_THREADS : n) : 1;
}

/* What one more worker holds: every activation at once (all tensors are
 * kept) and, at most, a prepared copy of the constants (packed weights). */
static size_t worker_bytes(const nq_graph *g) {
  size_t b = 0;
  for (int t = 0; t < g->n_tensors; t++) {
    const nq_tensor *x = &g->tensors[t];
    b += x->data ? x->nbytes : nq_tensor_elems(x) * nq_dtype_size(x->type);
  }
  return b;
}

int nq_sample_pass_workers(const nq_graph *g, const nq_session_options *opts, int n_samples) {
  int threads = opts && opts->num_threads > 0 ? opts->num_threads : cores();
  int w = threads < n_samples ? threads : n_samples;
  size_t each = worker_bytes(g);
  if (w > 1 && each > 0) {
    size_t fit = NQ_SAMPLE_PASS_EXTRA_BYTES / each + 1;
    if ((size_t)w > fit) w = (int)fit;
  }
  return w < 1 ? 1 : w;
}

/* Add "sample: " before a message that does not name the sample yet
 * (dataset errors already do; "x.npy[3]" is named by "x.npy"). */
static void name_sample(const nq_sample_source *src, int k, nq_error *err) {
  char nb[64];
  const char *sn = nq_sample_label(src, k, nb, sizeof nb);
  char base[sizeof nb + 512];
  snprintf(base, sizeof base, "%s", sn);
  char *bracket = strchr(base, '[');
  if (bracket) *bracket = '\0';
  if (!strstr(err->msg, base)) nq_prefix(err, "%s: ", sn);
}

#define NAME_BYTES 512

/* Copy sample k's label into buf (the source's name callback is not
 * thread-safe, and may return a buffer it reuses). */
static void label_into(const nq_sample_source *src, int k, char *buf) {
  char nb[64];
  snprintf(buf, NAME_BYTES, "%s", nq_sample_label(src, k, nb, sizeof nb));
}

typedef struct pass {
  const nq_graph *g;
  const nq_sample_source *src;
  bool progress;
  nq_sample_visit_fn visit;
  void *ctx;
  nq_session **s;
  nq_feeder *feed;
  char (*name)[NAME_BYTES]; /* per worker: its sample's label */
  pthread_mutex_t mu;       /* guards the fields below and every call into src */
  int next, done;
  int failed_at; /* lowest failing sample, n_samples while none failed */
  nq_error first;
} pass;

/* A worker: take the next sample, fill it (under the lock: the source's
 * callbacks are not thread-safe), run it, visit it. */
static void worker(void *ctx, int w) {
  pass *p = ctx;
  int n = p->src->n_samples;
  for (;;) {
    nq_error e;
    memset(&e, 0, sizeof e);
    pthread_mutex_lock(&p->mu);
    int k = p->next < p->failed_at ? p->next++ : n;
    nq_status st = k < n ? nq_feed_sample(&p->feed[w], p->src, k, 1, &p->s[w], &p->g, &e) : NQ_OK;
    if (k < n) label_into(p->src, k, p->name[w]);
    pthread_mutex_unlock(&p->mu);
    if (k >= n) return;
    if (st == NQ_OK) st = nq_session_run(p->s[w], &e);
    if (st == NQ_OK) st = p->visit(p->ctx, w, k, p->name[w], p->s[w], &e);
    pthread_mutex_lock(&p->mu);
    if (st != NQ_OK) {
      if (k < p->failed_at) {
        name_sample(p->src, k, &e);
        p->failed_at = k;
        p->first = e;
      }
    } else if (p->progress && p->src->progress) {
      p->src->progress(p->src->progress_ctx, ++p->done, n);
    }
    pthread_mutex_unlock(&p->mu);
  }
}

nq_status nq_sample_pass_run(const nq_graph *g, const nq_sample_source *src, const nq_session_options *opts,
                             int workers, bool progress, nq_sample_visit_fn visit, void *ctx, nq_error *err) {
  if (src->n_samples <= 0) return nq_fail(err, NQ_ERR_INVALID_ARG, "calibration needs at least one sample");
  if (workers < 1) workers = 1;
  pass p = {
      .g = g, .src = src, .progress = progress, .visit = visit, .ctx = ctx, .failed_at = src->n_samples};
  p.s = calloc((size_t)workers, sizeof *p.s);
  p.feed = calloc((size_t)workers, sizeof *p.feed);
  p.name = calloc((size_t)workers, sizeof *p.name);
  nq_status st =
      p.s && p.feed && p.name ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "out of memory for %d workers", workers);
  /* One worker keeps the caller's threads inside its layers; several split
   * them (usually one each). */
  nq_session_options wo;
  if (opts)
    wo = *opts;
  else
    memset(&wo, 0, sizeof wo); /* the defaults */
  if (workers > 1) {
    int threads = wo.num_threads > 0 ? wo.num_threads : cores();
    wo.num_threads = threads / workers > 1 ? threads / workers : 1;
  }
  for (int w = 0; w < workers && st == NQ_OK; w++) {
    st = nq_engine_create(g, &wo, &p.s[w], err);
    if (st == NQ_OK) st = nq_session_keep_all_tensors(p.s[w], err);
    if (st == NQ_OK) st = nq_feeder_init(&p.feed[w], g, err);
  }
  nq_threadpool *pool = NULL;
  if (st == NQ_OK && workers > 1 && pthread_mutex_init(&p.mu, NULL) != 0)
    st = nq_fail(err, NQ_ERR_INTERNAL, "cannot create a mutex for the calibration workers");
  if (st == NQ_OK && workers > 1) {
    /* without threads (create failed) the tasks run one after the other:
     * slower, same result */
    pool = nq_threadpool_create(workers);
    nq_threadpool_run(pool, workers, worker, &p);
    nq_threadpool_free(pool);
    pthread_mutex_destroy(&p.mu);
  } else if (st == NQ_OK) {
    /* one worker: the same loop without a lock */
    for (int k = 0; k < src->n_samples && p.failed_at == src->n_samples; k++) {
      nq_error e;
      memset(&e, 0, sizeof e);
      nq_status s1 = nq_feed_sample(&p.feed[0], src, k, 1, &p.s[0], &g, &e);
      if (s1 == NQ_OK) s1 = nq_session_run(p.s[0], &e);
      label_into(src, k, p.name[0]);
      if (s1 == NQ_OK) s1 = visit(ctx, 0, k, p.name[0], p.s[0], &e);
      if (s1 != NQ_OK) {
        name_sample(src, k, &e);
        p.failed_at = k;
        p.first = e;
      } else if (progress && src->progress) {
        src->progress(src->progress_ctx, k + 1, src->n_samples);
      }
    }
  }
  if (st == NQ_OK && p.failed_at < src->n_samples) {
    if (err) *err = p.first;
    st = p.first.code ? p.first.code : NQ_ERR_INTERNAL;
  }
  for (int w = 0; w < workers; w++) {
    if (p.feed) nq_feeder_free(&p.feed[w]);
    if (p.s) nq_session_free(p.s[w]);
  }
  free(p.feed);
  free(p.s);
  free(p.name);
  return st;
}
