/*
 * Activation memory planning: a synthetic check that tensors alive at the
 * same time never overlap and that reuse happens, and on real models that
 * the planned arena is well below the sum of all activations while the
 * outputs are unchanged by keep_all_tensors (no reuse). Without ../shared
 * the real models are the committed float CNNs of tests/golden/frontends.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "exec/engine.h"
#include "exec/engine_plan.h"
#include "npuquant.h"
#include "testutil.h"

static void test_synthetic(void) {
  nq_rng r = {12345};
  enum { N = 200 };
  nq_plan_item it[N];
  size_t sum = 0;
  for (int i = 0; i < N; i++) {
    it[i].first = nq_rng_int(&r, 0, 150);
    it[i].last = it[i].first + nq_rng_int(&r, 0, 10);
    it[i].size = (size_t)nq_rng_int(&r, 1, 5000);
    sum += (it[i].size + 63) & ~(size_t)63;
  }
  size_t total;
  CHECK(nq_plan_arena(it, N, 64, &total));
  for (int i = 0; i < N; i++) {
    CHECK(it[i].offset % 64 == 0);
    CHECK(it[i].offset + it[i].size <= total);
    for (int j = i + 1; j < N; j++) {
      bool live = it[i].first <= it[j].last && it[j].first <= it[i].last;
      bool mem = it[i].offset < it[j].offset + it[j].size && it[j].offset < it[i].offset + it[i].size;
      CHECKF(!(live && mem), "items %d and %d overlap in time and memory", i, j);
    }
  }
  /* The peak of simultaneously live bytes is a lower bound. */
  size_t peak = 0;
  for (int t = 0; t <= 160; t++) {
    size_t live = 0;
    for (int i = 0; i < N; i++)
      if (it[i].first <= t && t <= it[i].last) live += it[i].size;
    if (live > peak) peak = live;
  }
  printf("synthetic: arena %zu, live peak %zu, sum %zu\n", total, peak, sum);
  CHECK(total >= peak);
  CHECK(total < sum / 2);
}

static void test_model(const char *dir, const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  nq_model *m = NULL;
  nq_error err;
  if (nq_model_load(path, &m, &err) != NQ_OK) {
    CHECKF(0, "%s", err.msg);
    return;
  }
  nq_session *s[2] = {NULL, NULL};
  nq_session_options o = {.num_threads = 1};
  nq_status st = nq_session_create(m, &o, &s[0], &err);
  CHECKF(st == NQ_OK, "%s", err.msg);
  if (st == NQ_OK) st = nq_session_create(m, &o, &s[1], &err);
  if (st == NQ_OK) st = nq_session_keep_all_tensors(s[1], &err);
  CHECKF(st == NQ_OK, "%s", err.msg);
  if (st == NQ_OK) {
    size_t arena = nq_session_arena_bytes(s[0]), all = nq_session_activation_bytes(s[0]);
    printf("%s: planned arena %zu bytes, sum of activations %zu bytes (%.1f%%), keep_all arena %zu\n", rel,
           arena, all, 100.0 * (double)arena / (double)all, nq_session_arena_bytes(s[1]));
    CHECK(arena < all);
    CHECK(nq_session_arena_bytes(s[1]) >= all);
    /* Same input, with and without reuse: identical outputs. */
    nq_tensor_info in;
    nq_model_input(m, 0, &in, &err);
    float *x = malloc(in.nbytes);
    nq_rng r = {7};
    for (size_t i = 0; i < in.nbytes / 4; i++) x[i] = nq_rng_uniform(&r, -1, 1);
    for (int k = 0; k < 2 && st == NQ_OK; k++) {
      st = nq_session_set_input(s[k], 0, x, in.nbytes, &err);
      if (st == NQ_OK) st = nq_session_run(s[k], &err);
    }
    CHECKF(st == NQ_OK, "%s", err.msg);
    const void *a, *b;
    size_t na, nb;
    if (st == NQ_OK && nq_session_output(s[0], 0, &a, &na, &err) == NQ_OK &&
        nq_session_output(s[1], 0, &b, &nb, &err) == NQ_OK)
      CHECK(na == nb && memcmp(a, b, na) == 0);
    /* Three worker threads (kernels size their scratch by the pool):
     * the same outputs up to float summation order. */
    nq_session *mt = NULL;
    nq_session_options o3 = {.num_threads = 3};
    if (st == NQ_OK) st = nq_session_create(m, &o3, &mt, &err);
    if (st == NQ_OK) st = nq_session_set_input(mt, 0, x, in.nbytes, &err);
    if (st == NQ_OK) st = nq_session_run(mt, &err);
    CHECKF(st == NQ_OK, "3 threads: %s", err.msg);
    const void *c;
    size_t nc;
    if (st == NQ_OK && nq_session_output(mt, 0, &c, &nc, &err) == NQ_OK &&
        nq_session_output(s[0], 0, &a, &na, &err) == NQ_OK) {
      CHECK(nc == na);
      float worst = 0.0f;
      for (size_t i = 0; nc == na && i < na / 4; i++) {
        float d = fabsf(((const float *)a)[i] - ((const float *)c)[i]);
        if (d > worst) worst = d;
      }
      CHECKF(worst <= 1e-5f, "3 threads differ by %g", worst);
    }
    nq_session_free(mt);
    /* Kernel choice: fast kernels where the table has them, none with
     * reference_only. */
    nq_session *rs = NULL;
    nq_session_options ro = {.num_threads = 1, .reference_only = 1};
    if (nq_session_create(m, &ro, &rs, &err) == NQ_OK) {
      int fast = 0, fast_ref = 0;
      for (int n = 0; n < m->graph->n_nodes; n++) {
        fast += strcmp(nq_session_kernel_source(s[0], n), "fast") == 0;
        fast_ref += strcmp(nq_session_kernel_source(rs, n), "ref") != 0;
      }
      printf("%s: %d of %d nodes on fast kernels; %d non-reference with reference_only\n", rel, fast,
             m->graph->n_nodes, fast_ref);
      CHECK(fast > 0);
      CHECK(fast_ref == 0);
      nq_session_free(rs);
    } else {
      CHECKF(0, "%s", err.msg);
    }
    /* Intermediates: refused when reused, available with keep_all. */
    int refused = 0, kept = 0;
    for (int t = 0; t < nq_model_num_tensors(m); t++) {
      const void *d;
      size_t n;
      if (nq_session_tensor(s[0], t, &d, &n, &err) != NQ_OK) refused++;
      if (nq_session_tensor(s[1], t, &d, &n, &err) == NQ_OK) kept++;
    }
    printf("%s: %d tensors refused after reuse, %d of %d available with keep_all\n", rel, refused, kept,
           nq_model_num_tensors(m));
    CHECK(refused > 0);
    free(x);
  }
  nq_session_free(s[0]);
  nq_session_free(s[1]);
  nq_model_free(m);
}

int main(void) {
  test_synthetic();
  int golden;
  const char *dir = nq_test_models_dir(&golden);
  if (golden) {
    test_model(dir, "../frontends/cnn.onnx");
    test_model(dir, "../frontends/cnn.h5");
  } else {
    test_model(dir, "mobilenet_v1_0.25_128/mobilenet_v1_0.25_128.tflite");
    test_model(dir, "mlperf-tiny-ic-resnet8/pretrainedResnet_large_float.tflite");
    test_model(dir, "tfls-deeplabv3/deeplabv3.tflite");
  }
  return nq_test_finish("test_engine_plan");
}
