/*
 * Calibration spread over several workers (calib/sample_pass.h) gives the
 * serial result bit for bit: the same min/max ranges, the same histogram
 * counts (also split for layerwise), the same converted model bytes, and on
 * bad samples the same error (the lowest failing sample's), on the demo
 * model with 1 to 4 threads.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "calib/calibrate.h"
#include "calib/histogram.h"
#include "calib/range_refine.h"
#include "calib/sample_pass.h"
#include "core/status.h"
#include "testutil.h"

#define N_SAMPLES 29

/* The source's callbacks must never overlap (they are not thread-safe). */
static atomic_int inside, overlaps;
static void enter(void) {
  if (atomic_fetch_add(&inside, 1) != 0) atomic_fetch_add(&overlaps, 1);
}
static void leave(void) { atomic_fetch_sub(&inside, 1); }

typedef struct data {
  float *v;
  size_t elems;
  int nan_at[2]; /* samples whose first value is NaN (-1: none) */
  int fail_at;   /* a sample whose fill fails (-1: none) */
  int last_done; /* progress: the last count reported */
  int bad_order; /* progress counts that did not rise by one */
} data;

static nq_status fill(void *ctx, int sample, int input, float *dst, size_t n, nq_error *err) {
  data *d = ctx;
  (void)input;
  enter();
  nq_status st = NQ_OK;
  if (sample == d->fail_at)
    st = nq_fail(err, NQ_ERR_IO, "broken sample %d", sample);
  else if (n != d->elems)
    st = nq_fail(err, NQ_ERR_INTERNAL, "%zu values asked, %zu expected", n, d->elems);
  else
    memcpy(dst, d->v + (size_t)sample * n, n * sizeof *dst);
  if (st == NQ_OK && (sample == d->nan_at[0] || sample == d->nan_at[1])) dst[13] = NAN;
  leave();
  return st;
}

static const char *name(void *ctx, int sample) {
  (void)ctx;
  static char buf[16]; /* one buffer, reused: the caller copies it */
  enter();
  snprintf(buf, sizeof buf, "s%d.npy", sample);
  leave();
  return buf;
}

static void progress(void *ctx, int done, int total) {
  data *d = ctx;
  enter();
  leave();
  if (done != d->last_done + 1 || total != N_SAMPLES) d->bad_order++;
  d->last_done = done;
}

static bool same_ranges(const nq_ranges *a, const nq_ranges *b) {
  return a->n == b->n && memcmp(a->min, b->min, sizeof *a->min * (size_t)a->n) == 0 &&
         memcmp(a->max, b->max, sizeof *a->max * (size_t)a->n) == 0 &&
         memcmp(a->seen, b->seen, (size_t)a->n) == 0;
}

static bool same_hist(uint64_t *const *a, uint64_t *const *b, int n) {
  for (int t = 0; t < n; t++) {
    if (!a[t] != !b[t]) return false;
    if (a[t] && memcmp(a[t], b[t], NQ_HIST_BINS * sizeof(uint64_t)) != 0) return false;
  }
  return true;
}

static nq_session_options threads(int n) {
  nq_session_options o;
  memset(&o, 0, sizeof o);
  o.num_threads = n;
  return o;
}

/* The model bytes a conversion gives with n threads (NULL on failure). */
static unsigned char *convert_bytes(const nq_model *m, const float *v, int n_threads, int recipe_auto,
                                    int mse, size_t *size) {
  nq_convert_options o;
  nq_convert_options_init(&o);
  o.num_threads = n_threads;
  o.recipe_auto = recipe_auto;
  o.calibration = mse ? 2 : 0;
  nq_model *q = NULL;
  nq_error err = {0};
  if (nq_convert_arrays(m, v, N_SAMPLES, &o, &q, &err) != NQ_OK) {
    fprintf(stderr, "convert with %d threads: %s\n", n_threads, err.msg);
    return NULL;
  }
  char path[64];
  snprintf(path, sizeof path, "calib_parallel_%d_%d_%d.tflite", n_threads, recipe_auto, mse);
  unsigned char *b = NULL;
  if (nq_model_save_tflite(q, path, &err) == NQ_OK) b = nq_test_read_file(path, size);
  remove(path);
  nq_model_free(q);
  return b;
}

/* The histogram pass's bin (a multiplication) is nq_hist_bin's (a
 * division) everywhere, bin edges and values outside the range included. */
static void test_fast_bin(void) {
  nq_rng rng = {9};
  long differ = 0;
  for (int k = 0; k < 200; k++) {
    float lo = nq_rng_uniform(&rng, -50, 10), hi = lo + nq_rng_uniform(&rng, 1e-4f, 100);
    if (k % 4 == 0) lo = 0; /* a ReLU's range */
    double inv = NQ_HIST_BINS / ((double)hi - (double)lo);
    for (int e = 0; e <= 4 * NQ_HIST_BINS; e++) {
      /* near every edge (both sides) and at random points, some outside */
      float edge = lo + (float)((double)(hi - lo) * (e / 2) / NQ_HIST_BINS);
      float x = e % 2 ? nextafterf(edge, e % 4 == 1 ? INFINITY : -INFINITY) : edge;
      if (e % 8 == 6) x = nq_rng_uniform(&rng, lo - 1, hi + 1);
      if (nq_hist_bin_fast(x, lo, hi, inv) != nq_hist_bin(x, lo, hi)) differ++;
    }
  }
  CHECKF(differ == 0, "%ld values land in another bin than nq_hist_bin's", differ);
}

/* Memory bounds the workers: a graph whose activations alone pass the
 * extra workers' allowance runs one worker, however many threads. Only
 * shapes are read: nothing is allocated or run. */
static void test_worker_memory(void) {
  nq_error err;
  nq_graph *g = nq_graph_new();
  int32_t big[3] = {1, 16384, 16384}; /* 1 GiB of float32 */
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 3, big, &err);
  int y = nq_graph_add_tensor(g, "y", NQ_FLOAT32, 3, big, &err);
  nq_op_params p = nq_op_params_default();
  nq_graph_add_node(g, NQ_OP_RELU, "relu", 1, &x, 1, &y, &p, &err);
  nq_session_options o = threads(4);
  CHECKF(nq_sample_pass_workers(g, &o, N_SAMPLES) == 1, "%d workers for 2 GiB of activations",
         nq_sample_pass_workers(g, &o, N_SAMPLES));
  int32_t small[3] = {1, 1024, 1024}; /* 4 MiB each: every thread gets a worker */
  nq_graph *h = nq_graph_new();
  x = nq_graph_add_tensor(h, "x", NQ_FLOAT32, 3, small, &err);
  y = nq_graph_add_tensor(h, "y", NQ_FLOAT32, 3, small, &err);
  nq_graph_add_node(h, NQ_OP_RELU, "relu", 1, &x, 1, &y, &p, &err);
  CHECK(nq_sample_pass_workers(h, &o, N_SAMPLES) == 4);
  CHECK(nq_sample_pass_workers(h, &o, 3) == 3); /* never more workers than samples */
  nq_graph_free(g);
  nq_graph_free(h);
}

int main(void) {
  test_fast_bin();
  test_worker_memory();
  nq_model *m = nq_test_load_demo();
  CHECK(m != NULL);
  if (!m) return nq_test_finish("test_calib_parallel");
  const nq_graph *g = m->graph;
  data d = {.elems = nq_tensor_elems(&g->tensors[g->inputs[0]]), .nan_at = {-1, -1}, .fail_at = -1};
  d.v = malloc(d.elems * N_SAMPLES * sizeof *d.v);
  CHECK(d.v != NULL);
  if (!d.v) return nq_test_finish("test_calib_parallel");
  nq_rng rng = {5};
  for (size_t i = 0; i < d.elems * N_SAMPLES; i++) d.v[i] = nq_rng_uniform(&rng, 0, 1);
  nq_sample_source src = {.n_samples = N_SAMPLES, .fill = fill, .name = name, .ctx = &d};
  src.progress = progress;
  src.progress_ctx = &d;
  nq_error err = {0};

  nq_session_options one = threads(1);
  CHECK(nq_sample_pass_workers(g, &one, N_SAMPLES) == 1);
  nq_ranges serial;
  CHECKF(nq_calibrate(g, &src, &one, &serial, &err) == NQ_OK, "%s", err.msg);
  CHECKF(d.last_done == N_SAMPLES && d.bad_order == 0, "serial progress: last %d, %d out of order",
         d.last_done, d.bad_order);
  nq_histograms hs[2];
  CHECKF(nq_collect_histograms(g, &src, &one, &serial, false, &hs[0], &err) == NQ_OK, "%s", err.msg);
  CHECKF(nq_collect_histograms(g, &src, &one, &serial, true, &hs[1], &err) == NQ_OK, "%s", err.msg);
  CHECK(hs[1].held != NULL);
  for (int n = 2; n <= 4; n++) {
    nq_session_options o = threads(n);
    /* the demo model is small: one worker per thread */
    CHECKF(nq_sample_pass_workers(g, &o, N_SAMPLES) == n, "%d workers for %d threads",
           nq_sample_pass_workers(g, &o, N_SAMPLES), n);
    nq_ranges r;
    d.last_done = d.bad_order = 0;
    CHECKF(nq_calibrate(g, &src, &o, &r, &err) == NQ_OK, "%s", err.msg);
    CHECKF(same_ranges(&r, &serial), "%d threads: ranges differ from the serial pass", n);
    CHECKF(d.last_done == N_SAMPLES && d.bad_order == 0, "%d threads: progress last %d, %d out of order", n,
           d.last_done, d.bad_order);
    nq_ranges_free(&r);
    for (int split = 0; split < 2; split++) {
      nq_histograms h;
      CHECKF(nq_collect_histograms(g, &src, &o, &serial, split, &h, &err) == NQ_OK, "%s", err.msg);
      CHECKF(h.n == hs[split].n && same_hist(h.h, hs[split].h, h.n), "%d threads: histograms differ", n);
      CHECKF(!split || same_hist(h.held, hs[split].held, h.n), "%d threads: held-out histograms differ", n);
      nq_histograms_free(&h);
    }
  }
  nq_histograms_free(&hs[0]);
  nq_histograms_free(&hs[1]);
  nq_ranges_free(&serial);

  /* Bad samples: every thread count stops at the lowest failing one. */
  const struct {
    int nan0, nan1, fail;
    const char *want;
  } bad[] = {
      {7, 19, -1, "element 13 for s7.npy"},
      {19, -1, 11, "broken sample 11"},
      {7, -1, 11, "for s7.npy"},
      {28, -1, -1, "for s28.npy"},
  };
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
    d.nan_at[0] = bad[b].nan0;
    d.nan_at[1] = bad[b].nan1;
    d.fail_at = bad[b].fail;
    char first[sizeof err.msg] = "";
    for (int n = 1; n <= 4; n++) {
      nq_session_options o = threads(n);
      nq_ranges r;
      nq_status st = nq_calibrate(g, &src, &o, &r, &err);
      CHECKF(st != NQ_OK && strstr(err.msg, bad[b].want), "case %zu, %d threads: %s", b, n, err.msg);
      if (n == 1) snprintf(first, sizeof first, "%s", err.msg);
      CHECKF(strcmp(first, err.msg) == 0, "case %zu: %d threads say '%s', one thread '%s'", b, n, err.msg,
             first);
    }
  }
  d.nan_at[0] = d.nan_at[1] = d.fail_at = -1;

  /* Whole conversions: min/max, mse and the automatic recipe. */
  for (int c = 0; c < 3; c++) {
    size_t s1 = 0, s2 = 0;
    unsigned char *b1 = convert_bytes(m, d.v, 1, c == 2, c == 1, &s1);
    unsigned char *b2 = convert_bytes(m, d.v, 2, c == 2, c == 1, &s2);
    CHECK(b1 && b2);
    CHECKF(b1 && b2 && s1 == s2 && memcmp(b1, b2, s1) == 0, "conversion %d: 1 and 2 threads give other bytes",
           c);
    free(b1);
    free(b2);
  }
  CHECKF(atomic_load(&overlaps) == 0, "the source's callbacks overlapped %d times", atomic_load(&overlaps));
  free(d.v);
  nq_model_free(m);
  return nq_test_finish("test_calib_parallel");
}
