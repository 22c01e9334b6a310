/*
 * The public report API (include/npuquant.h only): nodes, nq_compare* and
 * nq_npu_*, on the bundled demo model (no ../shared needed).
 *  - nq_compare_arrays' figures equal a computation from nq_session runs of
 *    both models on the same samples (SQNR, max |err|, RMSE, top-1);
 *  - a model against itself is exact (+inf dB, error 0, full agreement);
 *  - the NPU result outlives its model and agrees with the node list;
 *  - every bad argument is an nq_status with a message, never a crash;
 *  - convert with bias correction reports its progress, layer by layer.
 */
#include <math.h>
#include <string.h>

#include "npuquant.h"
#include "testutil.h"

#define N_SAMPLES 12

static void test_nodes(const nq_model *m) {
  nq_error err;
  nq_node_info ni;
  int n = nq_model_num_nodes(m);
  CHECK(n == 8);
  CHECK(nq_model_node(m, 0, &ni, &err) == NQ_OK && strcmp(ni.op, "CONV_2D") == 0 && ni.version >= 1);
  CHECK(ni.n_inputs == 3 && ni.n_outputs == 1 && ni.inputs[0] == 0);
  CHECK(nq_model_node(m, n - 1, &ni, &err) == NQ_OK && strcmp(ni.op, "SOFTMAX") == 0 && ni.name[0] != '\0');
  CHECK(nq_model_node(m, n, &ni, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "8 nodes"));
  CHECK(nq_model_node(m, -1, &ni, &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_model_node(NULL, 0, &ni, &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_model_node(m, 0, NULL, NULL) == NQ_ERR_INVALID_ARG);
  CHECK(nq_model_num_nodes(NULL) == 0);
}

/* Round half away from zero, TFLite's QUANTIZE rule. */
static int8_t quantize(float x, float scale, int64_t zp) {
  float v = x / scale;
  double r = v < 0 ? -floor(-(double)v + 0.5) : floor((double)v + 0.5);
  r += (double)zp;
  return (int8_t)(r < -128 ? -128 : r > 127 ? 127 : r);
}

static size_t argmax(const float *v, size_t n) {
  size_t b = 0;
  for (size_t i = 1; i < n; i++)
    if (v[i] > v[b]) b = i;
  return b;
}

/* The output figures recomputed from plain session runs. */
static void expected_figures(const nq_model *fm, const nq_model *qm, const float *data, size_t per,
                             double *sqnr, double *max_abs, double *rmse, int *agree) {
  nq_error err;
  nq_session *fs = NULL, *qs = NULL;
  nq_tensor_info qi, qo;
  CHECK(nq_session_create(fm, NULL, &fs, &err) == NQ_OK);
  CHECK(nq_session_create(qm, NULL, &qs, &err) == NQ_OK);
  CHECK(nq_model_input(qm, 0, &qi, &err) == NQ_OK && qi.type == NQ_INT8 && qi.n_params == 1);
  CHECK(nq_model_output(qm, 0, &qo, &err) == NQ_OK && qo.type == NQ_INT8 && qo.n_params == 1);
  int8_t *xq = malloc(per);
  double s2 = 0, e2 = 0, mx = 0;
  size_t count = 0;
  *agree = 0;
  for (int k = 0; k < N_SAMPLES && fs && qs && xq; k++) {
    const float *x = data + (size_t)k * per;
    for (size_t i = 0; i < per; i++) xq[i] = quantize(x[i], qi.scale[0], qi.zero_point[0]);
    const void *fy, *qy;
    size_t fn, qn;
    CHECK(nq_session_set_input(fs, 0, x, per * sizeof(float), &err) == NQ_OK);
    CHECK(nq_session_set_input(qs, 0, xq, per, &err) == NQ_OK);
    CHECK(nq_session_run(fs, &err) == NQ_OK && nq_session_run(qs, &err) == NQ_OK);
    CHECK(nq_session_output(fs, 0, &fy, &fn, &err) == NQ_OK &&
          nq_session_output(qs, 0, &qy, &qn, &err) == NQ_OK);
    size_t n = fn / sizeof(float);
    float deq[64];
    CHECK(n == qn && n <= 64);
    for (size_t i = 0; i < n && i < 64; i++) {
      deq[i] = (float)(((const int8_t *)qy)[i] - qo.zero_point[0]) * qo.scale[0];
      double r = ((const float *)fy)[i], d = r - deq[i];
      s2 += r * r;
      e2 += d * d;
      if (fabs(d) > mx) mx = fabs(d);
    }
    count += n;
    *agree += argmax(fy, n) == argmax(deq, n);
  }
  free(xq);
  nq_session_free(fs);
  nq_session_free(qs);
  *sqnr = 10.0 * log10(s2 / e2);
  *max_abs = mx;
  *rmse = sqrt(e2 / (double)count);
}

static void test_compare(const nq_model *fm, const float *data, size_t per) {
  nq_error err;
  nq_model *qm = NULL;
  CHECK(nq_convert_arrays(fm, data, N_SAMPLES, NULL, &qm, &err) == NQ_OK);
  if (!qm) return;
  nq_compare_report *r = NULL;
  nq_compare_options o;
  memset(&o, 0, sizeof o);
  o.per_tensor = 1;
  CHECK(nq_compare_arrays(fm, qm, data, N_SAMPLES, &o, &r, &err) == NQ_OK);
  CHECK(nq_compare_num_outputs(r) == 1 && nq_compare_num_tensors(r) >= 8);
  nq_compare_figures f;
  CHECK(nq_compare_output(r, 0, &f, &err) == NQ_OK);
  double sqnr, mx, rmse;
  int agree;
  expected_figures(fm, qm, data, per, &sqnr, &mx, &rmse, &agree);
  CHECKF(fabs(f.sqnr_db - sqnr) < 1e-9 * fabs(sqnr), "sqnr %.12g vs %.12g", f.sqnr_db, sqnr);
  CHECKF(f.max_abs_error == mx, "max |err| %.12g vs %.12g", f.max_abs_error, mx);
  CHECKF(fabs(f.rmse - rmse) < 1e-9 * rmse, "rmse %.12g vs %.12g", f.rmse, rmse);
  CHECK(f.classifier && f.top1_agree == agree && f.samples == N_SAMPLES && f.scale > 0);
  CHECK(strcmp(f.name, "probabilities") == 0);
  CHECK(sqnr > 20 && sqnr < 80);
  nq_compare_figures t;
  CHECK(nq_compare_tensor(r, 0, &t, &err) == NQ_OK && t.samples == N_SAMPLES && isfinite(t.sqnr_db));
  CHECK(nq_compare_tensor(r, nq_compare_num_tensors(r), &t, &err) == NQ_ERR_INVALID_ARG &&
        strstr(err.msg, "tensors"));
  CHECK(nq_compare_output(r, 1, &t, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "1 outputs"));
  CHECK(nq_compare_output(r, 0, NULL, &err) == NQ_ERR_INVALID_ARG);
  nq_compare_report_free(r);

  /* Labels: accuracy counts; a label count that does not match is refused. */
  int32_t labels[N_SAMPLES];
  for (int k = 0; k < N_SAMPLES; k++) labels[k] = k % 10;
  o.per_tensor = 0;
  o.labels = labels;
  o.n_labels = N_SAMPLES;
  CHECK(nq_compare_arrays(fm, qm, data, N_SAMPLES, &o, &r, &err) == NQ_OK);
  CHECK(nq_compare_num_tensors(r) == 0 && nq_compare_output(r, 0, &f, &err) == NQ_OK);
  CHECK(f.ref_correct >= 0 && f.ref_correct <= N_SAMPLES && f.test_correct <= N_SAMPLES);
  nq_compare_report_free(r);
  o.n_labels = 3;
  r = (nq_compare_report *)&o; /* must be reset to NULL on failure */
  CHECK(nq_compare_arrays(fm, qm, data, N_SAMPLES, &o, &r, &err) == NQ_ERR_INVALID_ARG && r == NULL &&
        strstr(err.msg, "labels"));
  o.labels = NULL;
  CHECK(nq_compare_arrays(fm, qm, data, N_SAMPLES, &o, &r, &err) == NQ_ERR_INVALID_ARG &&
        strstr(err.msg, "labels"));

  /* A model against itself: exact. */
  CHECK(nq_compare_arrays(qm, qm, data, N_SAMPLES, NULL, &r, &err) == NQ_OK);
  CHECK(nq_compare_output(r, 0, &f, &err) == NQ_OK);
  CHECK(isinf(f.sqnr_db) && f.sqnr_db > 0 && f.max_abs_error == 0 && f.rmse == 0 &&
        f.top1_agree == N_SAMPLES);
  nq_compare_report_free(r);

  /* Bad arguments. */
  CHECK(nq_compare_arrays(fm, qm, data, 0, NULL, &r, &err) == NQ_ERR_INVALID_ARG &&
        strstr(err.msg, "0 samples"));
  CHECK(nq_compare_arrays(fm, qm, data, -5, NULL, &r, &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_compare_arrays(NULL, qm, data, 1, NULL, &r, &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_compare_arrays(fm, qm, NULL, 1, NULL, &r, &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_compare_arrays(fm, qm, data, 1, NULL, NULL, NULL) == NQ_ERR_INVALID_ARG);
  CHECK(nq_compare(fm, qm, 1, NULL, NULL, NULL, &r, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "fill"));
  memset(&o, 0, sizeof o);
  o.num_threads = -1;
  CHECK(nq_compare_arrays(fm, qm, data, 1, &o, &r, &err) == NQ_ERR_INVALID_ARG &&
        strstr(err.msg, "num_threads"));
  CHECK(nq_compare_num_outputs(NULL) == 0 && nq_compare_num_tensors(NULL) == 0);
  nq_compare_report_free(NULL);
  nq_model_free(qm);
  nq_model *none = NULL;
  CHECK(nq_convert_arrays(fm, data, 0, NULL, &none, &err) == NQ_ERR_INVALID_ARG && none == NULL);
}

static void test_npu(void) {
  nq_error err;
  nq_model *m = nq_test_load_demo();
  nq_npu_result *r = NULL;
  CHECK(strcmp(nq_npu_targets(), "imx8mp, ethos-u, edgetpu") == 0);
  /* A float model: every node is float compute, left to the CPU. */
  CHECK(nq_npu_check_model(m, "imx8mp", &r, &err) == NQ_OK);
  int n = nq_model_num_nodes(m);
  nq_model_free(m); /* the result must not need the model any more */
  CHECK(nq_npu_result_num_nodes(r) == n && nq_npu_result_num_fallback(r) == n);
  CHECK(strstr(nq_npu_result_target(r), "8M Plus") != NULL);
  int fallbacks = 0;
  for (int i = 0; i < nq_npu_result_num_findings(r); i++) {
    nq_npu_finding_info f;
    CHECK(nq_npu_result_finding(r, i, &f, &err) == NQ_OK);
    fallbacks += f.cpu_fallback;
    CHECK(f.reason[0] != '\0');
    if (f.node >= 0) CHECK(f.op[0] != '\0' && f.name[0] != '\0');
    if (i == 0) CHECK(f.node == 0 && strcmp(f.op, "CONV_2D") == 0 && strcmp(f.name, "conv1/relu") == 0);
  }
  CHECK(fallbacks == n);
  nq_npu_finding_info f;
  CHECK(nq_npu_result_finding(r, nq_npu_result_num_findings(r), &f, &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_npu_result_finding(r, -1, &f, &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_npu_result_finding(NULL, 0, &f, &err) == NQ_ERR_INVALID_ARG);
  nq_npu_result_free(r);

  m = nq_test_load_demo();
  r = (nq_npu_result *)m; /* must be reset to NULL on failure */
  CHECK(nq_npu_check_model(m, "tpu9000", &r, &err) == NQ_ERR_INVALID_ARG && r == NULL &&
        strstr(err.msg, "tpu9000") && strstr(err.msg, "ethos-u"));
  CHECK(nq_npu_check_model(m, NULL, &r, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "imx8mp"));
  CHECK(nq_npu_check_model(NULL, "imx8mp", &r, &err) == NQ_ERR_INVALID_ARG);
  CHECK(nq_npu_check_model(m, "imx8mp", NULL, NULL) == NQ_ERR_INVALID_ARG);
  CHECK(nq_npu_result_num_findings(NULL) == 0 && nq_npu_result_target(NULL) == NULL);
  nq_npu_result_free(NULL);
  nq_model_free(m);
}

typedef struct progress_log {
  int calls, last_done, last_total, in_order;
  char stage[64];
} progress_log;

static void on_progress(void *user, const char *stage, int done, int total) {
  progress_log *p = user;
  p->in_order &= done == p->last_done + 1 && (p->calls == 0 || total == p->last_total);
  p->calls++;
  p->last_done = done;
  p->last_total = total;
  snprintf(p->stage, sizeof p->stage, "%s", stage);
}

static void test_bias_correct_progress(const nq_model *fm, const float *data) {
  nq_convert_options o;
  nq_convert_options_init(&o);
  o.bias_correct = 1;
  progress_log log = {.in_order = 1};
  o.progress = on_progress;
  o.progress_user = &log;
  nq_error err;
  nq_model *qm = NULL;
  CHECKF(nq_convert_arrays(fm, data, N_SAMPLES, &o, &qm, &err) == NQ_OK, "%s", err.msg);
  int weighted = 0;
  for (int i = 0; qm && i < nq_model_num_nodes(qm); i++) {
    nq_node_info n;
    CHECK(nq_model_node(qm, i, &n, &err) == NQ_OK);
    weighted +=
        !strcmp(n.op, "CONV_2D") || !strcmp(n.op, "DEPTHWISE_CONV_2D") || !strcmp(n.op, "FULLY_CONNECTED");
  }
  CHECKF(weighted > 0 && log.calls == weighted && log.last_done == weighted && log.last_total == weighted &&
             log.in_order && !strcmp(log.stage, "bias correction"),
         "bias correction progress: %d calls, last %d/%d, in order %d, stage '%s'; %d weighted layers",
         log.calls, log.last_done, log.last_total, log.in_order, log.stage, weighted);
  nq_model_free(qm);
}

int main(void) {
  nq_model *m = nq_test_load_demo();
  CHECK(m != NULL);
  if (!m) return nq_test_finish("test_api_reports");
  test_nodes(m);
  nq_tensor_info in;
  nq_error err;
  CHECK(nq_model_input(m, 0, &in, &err) == NQ_OK);
  size_t per = in.nbytes / sizeof(float);
  float *data = malloc(per * N_SAMPLES * sizeof(float));
  nq_rng rng = {12345};
  for (size_t i = 0; data && i < per * N_SAMPLES; i++) data[i] = nq_rng_uniform(&rng, 0.0f, 1.0f);
  if (data) test_compare(m, data, per);
  if (data) test_bias_correct_progress(m, data);
  free(data);
  nq_model_free(m);
  test_npu();
  return nq_test_finish("test_api_reports");
}
