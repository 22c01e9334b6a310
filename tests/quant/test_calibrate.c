/*
 * Calibration on a tiny graph: the recorded ranges are the global min/max
 * of each activation over all samples, and a NaN/Inf produced inside the
 * model is an error naming the tensor and the sample.
 */
#include <math.h>
#include <string.h>

#include "api/model_internal.h"
#include "calib/calibrate.h"
#include "calib/range_refine.h"
#include "core/status.h"
#include "testutil.h"

typedef struct samples {
  const float *v;
  int n;
} samples;

static nq_status fill(void *ctx, int sample, int input, float *dst, size_t n, nq_error *err) {
  const samples *s = ctx;
  (void)input;
  (void)err;
  for (size_t i = 0; i < n; i++) dst[i] = s->v[sample * 2 + (int)i];
  return NQ_OK;
}

static const char *name(void *ctx, int sample) {
  (void)ctx;
  static const char *names[] = {"first.npy", "second.npy", "third.npy"};
  return names[sample];
}

/* x [1,2] -> MUL by c -> y -> DIV by d -> z */
static nq_model *build(float c, float d) {
  nq_error err;
  nq_graph *g = nq_graph_new();
  int32_t s2[2] = {1, 2};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 2, s2, &err);
  int cc = nq_graph_add_tensor(g, "c", NQ_FLOAT32, 2, s2, &err);
  int y = nq_graph_add_tensor(g, "y", NQ_FLOAT32, 2, s2, &err);
  int dd = nq_graph_add_tensor(g, "d", NQ_FLOAT32, 2, s2, &err);
  int z = nq_graph_add_tensor(g, "z", NQ_FLOAT32, 2, s2, &err);
  float cv[2] = {c, c}, dv[2] = {d, d};
  nq_tensor_copy_data(g, cc, cv, sizeof cv, &err);
  nq_tensor_copy_data(g, dd, dv, sizeof dv, &err);
  int in1[2] = {x, cc}, in2[2] = {y, dd};
  nq_op_params p = nq_op_params_default();
  nq_graph_add_node(g, NQ_OP_MUL, "mul", 2, in1, 1, &y, &p, &err);
  nq_graph_add_node(g, NQ_OP_DIV, "div", 2, in2, 1, &z, &p, &err);
  nq_graph_set_io(g, 1, &x, 1, &z, &err);
  nq_model *m = NULL;
  nq_model_wrap(g, NULL, &m, &err);
  return m;
}

/* 1001 samples of two values in [0, 1) and one outlier at 100: percentile
 * clips the outlier; min/max and mse (whose error would be dominated by the
 * clipped outlier) keep it. */
static float outlier_data[2002];
static nq_status fill_outlier(void *ctx, int sample, int input, float *dst, size_t n, nq_error *err) {
  (void)ctx;
  (void)input;
  (void)err;
  for (size_t i = 0; i < n; i++) dst[i] = outlier_data[sample * 2 + (int)i];
  return NQ_OK;
}

static void test_refine(void) {
  nq_rng rng = {11};
  for (int i = 0; i < 2002; i++) outlier_data[i] = nq_rng_uniform(&rng, 0, 1);
  outlier_data[777] = 100.0f;
  nq_sample_source src = {.n_samples = 1001, .fill = fill_outlier};
  nq_error err = {0};
  nq_model *m = build(1.0f, 1.0f); /* y = z = x */
  nq_calib_options co;
  const char *methods[3] = {"minmax", "percentile:99.9", "mse"};
  float maxes[3] = {0, 0, 0};
  for (int k = 0; k < 3; k++) {
    nq_ranges r;
    CHECK(nq_calib_parse(methods[k], &co, &err) == NQ_OK);
    CHECKF(nq_calibrate(m->graph, &src, NULL, &r, &err) == NQ_OK, "%s", err.msg);
    CHECKF(nq_refine_ranges(m->graph, &src, NULL, &co, &r, &err) == NQ_OK, "%s", err.msg);
    maxes[k] = r.max[4];
    CHECK(r.min[4] >= 0.0f && r.max[4] <= 100.0f);
    nq_ranges_free(&r);
  }
  CHECKF(maxes[0] == 100.0f, "minmax keeps the outlier: %g", maxes[0]);
  CHECKF(maxes[1] > 0.95f && maxes[1] < 1.1f, "percentile 99.9 clips it: %g", maxes[1]);
  /* One value at 100 costs (100 - clip)^2 if clipped, more than the coarser
   * step costs 2000 values in [0, 1): the mse choice keeps it. */
  CHECKF(maxes[2] == 100.0f, "mse keeps a single far outlier: %g", maxes[2]);
  CHECK(nq_calib_parse("percentile:42", &co, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "(50, 100]"));
  CHECK(nq_calib_parse("kl", &co, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "mse"));
  nq_model_free(m);
}

int main(void) {
  test_refine();
  const float v[6] = {1, -2, 3, 0.5f, -4, 2};
  samples s = {v, 3};
  nq_sample_source src = {.n_samples = 3, .fill = fill, .name = name, .ctx = &s};
  nq_error err = {0};
  nq_ranges r;
  nq_model *m = build(2.0f, 4.0f);
  CHECKF(nq_calibrate(m->graph, &src, NULL, &r, &err) == NQ_OK, "%s", err.msg);
  if (r.n) {
    /* x over all samples: min -4, max 3; y = 2x: [-8, 6]; z = y / 4: [-2, 1.5] */
    CHECK(r.seen[0] && r.min[0] == -4 && r.max[0] == 3);
    CHECK(r.seen[2] && r.min[2] == -8 && r.max[2] == 6);
    CHECK(r.seen[4] && r.min[4] == -2 && r.max[4] == 1.5f);
    CHECK(!r.seen[1]); /* constants are not observed */
    nq_ranges_free(&r);
  }
  nq_model_free(m);

  m = build(2.0f, 0.0f); /* z = y / 0: infinite (and NaN for 0 / 0) */
  CHECK(nq_calibrate(m->graph, &src, NULL, &r, &err) == NQ_ERR_NUMERIC);
  CHECKF(strstr(err.msg, "'z'") && strstr(err.msg, "first.npy"), "message: %s", err.msg);
  nq_model_free(m);
  return nq_test_finish("test_calibrate");
}
