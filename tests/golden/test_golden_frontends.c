/*
 * The frontends on a clean clone: the committed small models of
 * tests/golden/frontends (ONNX, frozen GraphDef, Keras .h5; written once by
 * make_frontend_models.py with expected float outputs from onnxruntime or
 * numpy) are loaded and run by npuquant, with no node, python or ../shared.
 *
 *   test_golden_frontends FRONTENDS_DIR
 *
 * Asserted per model:
 *  - float outputs within 1e-4 of the recorded ones, relative to their
 *    largest magnitude, with the default and the reference kernels;
 *  - nq_convert_arrays (calibrated on eight shifted copies of the input)
 *    gives a model whose every node computes in int8 (no float32 tensor
 *    leaves any node), and that model's output on the input is within
 *    MIN_SQNR_DB of the float model's (nq_compare_arrays).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/npy.h"
#include "npuquant.h"
#include "testutil.h"

#define MAX_REL 1e-4
#define MIN_SQNR_DB 35.0
#define CALIB_SAMPLES 8

static int failures;

static void failf(const char *file, const char *what, const char *msg) {
  fprintf(stderr, "FAIL: %s: %s%s%s\n", file, what, msg[0] ? ": " : "", msg);
  failures++;
}

static int load(const char *dir, const char *file, const char *suffix, nq_array *a) {
  char path[1024];
  nq_error err = {0};
  snprintf(path, sizeof path, "%.800s/%.100s%.40s", dir, file, suffix);
  if (nq_npy_read_file(path, a, &err) != NQ_OK) {
    failf(path, "cannot read", err.msg);
    return 0;
  }
  return 1;
}

/* Runs m in float on x; the largest |out - want| / max |want|, or -1. */
static double float_error(const nq_model *m, const nq_array *x, const nq_array *want, int reference_only,
                          const char *file) {
  nq_session_options o = {.num_threads = 1, .reference_only = reference_only};
  nq_session *s = NULL;
  nq_error err = {0};
  const void *out = NULL;
  size_t nbytes = 0;
  double rel = -1;
  if (nq_session_create(m, &o, &s, &err) != NQ_OK ||
      nq_session_set_input(s, 0, x->data, x->nbytes, &err) != NQ_OK || nq_session_run(s, &err) != NQ_OK ||
      nq_session_output(s, 0, &out, &nbytes, &err) != NQ_OK) {
    failf(file, "float run", err.msg);
  } else if (nbytes != want->nbytes || want->type != NQ_FLOAT32) {
    failf(file, "float output size or type differs from the recorded output", "");
  } else {
    const float *a = out, *b = want->data;
    double worst = 0, peak = 1e-30;
    for (size_t i = 0; i < want->nelems; i++) {
      worst = fmax(worst, fabs((double)a[i] - b[i]));
      peak = fmax(peak, fabs((double)b[i]));
    }
    rel = worst / peak;
  }
  nq_session_free(s);
  return rel;
}

/* 1 when no node of m writes a float32 tensor. */
static int all_int8(const nq_model *m, const char *file) {
  for (int i = 0; i < nq_model_num_nodes(m); i++) {
    nq_node_info ni;
    nq_error err = {0};
    if (nq_model_node(m, i, &ni, &err) != NQ_OK) return 0;
    for (int k = 0; k < ni.n_outputs; k++) {
      nq_tensor_info ti;
      if (nq_model_tensor(m, ni.outputs[k], &ti, &err) != NQ_OK || ti.type == NQ_FLOAT32) {
        char msg[160];
        snprintf(msg, sizeof msg, "node %d (%s) writes float32 tensor %s", i, ni.op, ti.name ? ti.name : "?");
        failf(file, "converted model is not fully int8", msg);
        return 0;
      }
    }
  }
  return 1;
}

/* Converts m (calibrated on shifted copies of x) and returns the SQNR of the
 * int8 model against m on x, or -INFINITY on failure. */
static double int8_sqnr(const nq_model *m, const nq_array *x, const char *file) {
  size_t n = x->nelems;
  float *data = malloc(n * CALIB_SAMPLES * sizeof *data);
  nq_model *q = NULL;
  nq_compare_report *r = NULL;
  nq_error err = {0};
  double sqnr = -INFINITY;
  if (!data) return sqnr;
  const float *v = x->data;
  for (int k = 0; k < CALIB_SAMPLES; k++)
    for (size_t i = 0; i < n; i++) data[k * n + i] = v[(i + (size_t)k * 37) % n];
  nq_convert_options co;
  nq_convert_options_init(&co);
  co.num_threads = 1;
  nq_compare_figures f;
  if (nq_convert_arrays(m, data, CALIB_SAMPLES, &co, &q, &err) != NQ_OK) {
    failf(file, "convert", err.msg);
  } else if (all_int8(q, file)) {
    nq_compare_options cmp = {.num_threads = 1};
    if (nq_compare_arrays(m, q, data, 1, &cmp, &r, &err) != NQ_OK ||
        nq_compare_output(r, 0, &f, &err) != NQ_OK)
      failf(file, "compare", err.msg);
    else
      sqnr = f.sqnr_db;
  }
  nq_compare_report_free(r);
  nq_model_free(q);
  free(data);
  return sqnr;
}

static void check(const char *dir, const char *file, const char *source, const char *inputs,
                  const char *outputs) {
  char path[1024], suffix[48];
  nq_load_options lo = {0};
  if (strcmp(inputs, "-") != 0) lo.inputs = inputs;
  if (strcmp(outputs, "-") != 0) lo.outputs = outputs;
  snprintf(path, sizeof path, "%.800s/%.100s", dir, file);
  nq_model *m = NULL;
  nq_error err = {0};
  nq_array x = {0}, want = {0};
  snprintf(suffix, sizeof suffix, ".%.16s.out0.npy", source);
  if (nq_model_load_ex(path, &lo, &m, &err) != NQ_OK) {
    failf(file, "load", err.msg);
  } else if (load(dir, file, ".in0.npy", &x) && load(dir, file, suffix, &want)) {
    double fast = float_error(m, &x, &want, 0, file), ref = float_error(m, &x, &want, 1, file);
    double sqnr = int8_sqnr(m, &x, file);
    printf("%-10s float vs %s: %.2g (default kernels), %.2g (reference); int8 SQNR %.1f dB\n", file, source,
           fast, ref, sqnr);
    char msg[96];
    snprintf(msg, sizeof msg, "%.3g and %.3g > %g", fast, ref, MAX_REL);
    if (fast < 0 || ref < 0 || fast > MAX_REL || ref > MAX_REL) failf(file, "float outputs differ", msg);
    snprintf(msg, sizeof msg, "%.2f dB < %.0f dB", sqnr, MIN_SQNR_DB);
    if (!(sqnr >= MIN_SQNR_DB)) failf(file, "int8 model too far from float", msg);
  }
  free(x.data);
  free(want.data);
  nq_model_free(m);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_golden_frontends FRONTENDS_DIR\n");
    return 2;
  }
  char path[1024], line[512];
  snprintf(path, sizeof path, "%.800s/MANIFEST", argv[1]);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "FAIL: cannot open %s\n", path);
    return 1;
  }
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    char file[101], source[17], inputs[65], outputs[65];
    if (line[0] == '#' || line[0] == '\n') continue;
    if (sscanf(line, "%100s %16s %64s %64s", file, source, inputs, outputs) != 4) {
      failf(path, "bad line (want FILE SOURCE INPUTS OUTPUTS)", line);
      continue;
    }
    check(argv[1], file, source, inputs, outputs);
    n++;
  }
  fclose(f);
  if (n < 3) failf(path, "fewer than the three frontend models (ONNX, GraphDef, Keras)", "");
  printf("frontend golden models: %d checked, %d failure(s)\n", n, failures);
  return failures ? 1 : 0;
}
