/*
 * Replays the committed golden vectors (tests/golden/vectors, written
 * once by generate.py from independent runtimes) through npuquant's
 * executor: every output byte must equal the recorded one, in the rounding
 * mode the vector is recorded for. Needs no node, python or ../shared.
 *
 *   test_golden VECTORS_DIR
 *
 * MANIFEST lines are "CASE MODE SOURCE": CASE.tflite run on CASE.in<k>.npy
 * with MODE (single|double) rounding must give CASE.SOURCE.out<k>.npy.
 * Each case runs twice per mode: with the default kernels and with the
 * reference kernels only. MODE "float" marks a float model: its float32
 * outputs must be within 1e-4 of the recorded ones' largest magnitude
 * (other output types exactly equal).
 *
 * Coverage, asserted: every op with an int8 kernel (src/exec/int8's table)
 * appears in a vector of each mode, and in each mode at least one vector
 * tells the modes apart (its expected output differs from the other mode's
 * expected output for the same case), so a kernel that ignored the mode
 * could not pass both. Every op with a float kernel needs a float vector.
 * A kernel added without a vector fails here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/float/ref.h"
#include "exec/int8/int8.h"
#include "io/npy.h"
#include "ir/graph.h"
#include "npuquant.h"
#include "testutil.h"

#define MAX_LINES 1024
#define FLOAT_TOL 1e-4
enum { DOUBLE, SINGLE, FLOAT };

typedef struct vector {
  char name[96], mode[8], source[16];
  int m; /* DOUBLE, SINGLE or FLOAT */
} vector;

static int failures;

static void fail(const char *fmt, const char *a, const char *b, const char *c) {
  fprintf(stderr, "FAIL: ");
  fprintf(stderr, fmt, a, b, c);
  fputc('\n', stderr);
  failures++;
}

static int read_manifest(const char *dir, vector *v, int cap) {
  char path[1024], line[512];
  snprintf(path, sizeof path, "%.800s/MANIFEST", dir);
  FILE *f = fopen(path, "r");
  if (!f) {
    fail("cannot open %s%s%s", path, "", "");
    return 0;
  }
  int n = 0, lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    if (line[0] == '#' || line[0] == '\n') continue;
    char extra[8];
    if (n == cap || sscanf(line, "%95s %7s %15s %7s", v[n].name, v[n].mode, v[n].source, extra) != 3 ||
        (strcmp(v[n].mode, "single") != 0 && strcmp(v[n].mode, "double") != 0 &&
         strcmp(v[n].mode, "float") != 0)) {
      char at[32];
      snprintf(at, sizeof at, "%d", lineno);
      fail("%s/MANIFEST line %s: expected 'CASE single|double|float SOURCE'%s", dir, at, "");
      continue;
    }
    v[n].m = strcmp(v[n].mode, "single") == 0 ? SINGLE : strcmp(v[n].mode, "double") == 0 ? DOUBLE : FLOAT;
    n++;
  }
  fclose(f);
  return n;
}

/* Loads DIR/CASE<suffix><k>.npy into a; 0 when it does not exist or fails. */
static int load_npy(const char *dir, const char *name, const char *suffix, int k, nq_array *a) {
  char path[1024];
  nq_error err = {0};
  snprintf(path, sizeof path, "%.800s/%.96s%.31s%d.npy", dir, name, suffix, k);
  if (nq_npy_read_file(path, a, &err) != NQ_OK) {
    fail("%s: %s%s", path, err.msg, "");
    return 0;
  }
  return 1;
}

/* Runs one vector in one kernel set; compares every output byte. */
static void replay(const char *dir, const vector *v, const nq_model *m, int reference_only) {
  nq_session_options o = {
      .num_threads = 1, .reference_only = reference_only, .single_rounding = v->m == SINGLE};
  nq_session *s = NULL;
  nq_error err = {0};
  const char *kernels = reference_only ? "reference kernels" : "default kernels";
  if (nq_session_create(m, &o, &s, &err) != NQ_OK) {
    fail("%s (%s): %s", v->name, kernels, err.msg);
    return;
  }
  int ok = 1;
  for (int k = 0; ok && k < nq_model_num_inputs(m); k++) {
    nq_array a = {0};
    ok = load_npy(dir, v->name, ".in", k, &a) && nq_session_set_input(s, k, a.data, a.nbytes, &err) == NQ_OK;
    if (!ok && err.msg[0]) fail("%s input: %s%s", v->name, err.msg, "");
    free(a.data);
  }
  if (ok && nq_session_run(s, &err) != NQ_OK) {
    fail("%s (%s): %s", v->name, kernels, err.msg);
    ok = 0;
  }
  char suffix[32];
  snprintf(suffix, sizeof suffix, ".%s.out", v->source);
  for (int k = 0; ok && k < nq_model_num_outputs(m); k++) {
    nq_array want = {0};
    const void *got = NULL;
    size_t nbytes = 0;
    if (!load_npy(dir, v->name, suffix, k, &want)) break;
    if (nq_session_output(s, k, &got, &nbytes, &err) != NQ_OK || nbytes != want.nbytes) {
      fail("%s: output size differs from the %s vector (%s)", v->name, v->source, kernels);
    } else if (v->m == FLOAT && want.type == NQ_FLOAT32) {
      const float *g = got, *w = want.data;
      double worst = 0, peak = 1e-30;
      for (size_t j = 0; j < want.nelems; j++) {
        double d = fabs((double)g[j] - w[j]);
        worst = d > worst || d != d ? d : worst;
        peak = fmax(peak, fabs((double)w[j]));
      }
      if (!(worst <= FLOAT_TOL * peak)) {
        fprintf(stderr, "FAIL: %s float (%s), output %d: max |ours - %s| = %g, more than %g of max |%s| %g\n",
                v->name, kernels, k, v->source, worst, FLOAT_TOL, v->source, peak);
        failures++;
      }
    } else if (memcmp(got, want.data, nbytes) != 0) {
      size_t i = 0, diffs = 0;
      const unsigned char *g = got, *w = want.data;
      for (size_t j = 0; j < nbytes; j++) diffs += g[j] != w[j];
      while (g[i] == w[i]) i++;
      fprintf(stderr,
              "FAIL: %s %s rounding (%s), output %d: %zu of %zu bytes differ from %s; first at byte %zu: got "
              "%d, want %d\n",
              v->name, v->mode, kernels, k, diffs, nbytes, v->source, i,
              want.type == NQ_INT8 ? (int)(int8_t)g[i] : (int)g[i],
              want.type == NQ_INT8 ? (int)(int8_t)w[i] : (int)w[i]);
      failures++;
    }
    free(want.data);
  }
  nq_session_free(s);
}

/* Marks every op of m in seen[]. */
static void mark_ops(const nq_model *m, unsigned char *seen) {
  for (int i = 0; i < nq_model_num_nodes(m); i++) {
    nq_node_info ni;
    nq_error err = {0};
    if (nq_model_node(m, i, &ni, &err) != NQ_OK) continue;
    for (int op = 0; op < NQ_OP_COUNT; op++)
      if (strcmp(nq_op_name((nq_op)op), ni.op) == 0) seen[op] = 1;
  }
}

/* 1 when the case has vectors in both modes whose expected outputs differ. */
static int tells_modes_apart(const char *dir, const vector *v, int n, int i, int n_out) {
  for (int j = 0; j < n; j++) {
    if (j == i || strcmp(v[j].name, v[i].name) != 0 || strcmp(v[j].mode, v[i].mode) == 0) continue;
    if (strcmp(v[j].source, v[i].source) == 0) return 0;
    int differ = 0;
    for (int k = 0; k < n_out; k++) {
      nq_array a = {0}, b = {0};
      char sa[32], sb[32];
      snprintf(sa, sizeof sa, ".%s.out", v[i].source);
      snprintf(sb, sizeof sb, ".%s.out", v[j].source);
      if (load_npy(dir, v[i].name, sa, k, &a) && load_npy(dir, v[j].name, sb, k, &b))
        differ |= a.nbytes != b.nbytes || memcmp(a.data, b.data, a.nbytes) != 0;
      free(a.data);
      free(b.data);
    }
    return differ;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_golden VECTORS_DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  static vector v[MAX_LINES];
  int n = read_manifest(dir, v, MAX_LINES);
  static unsigned char seen[3][NQ_OP_COUNT];
  int apart[2] = {0, 0};
  for (int i = 0; i < n; i++) {
    char path[1024];
    nq_model *m = NULL;
    nq_error err = {0};
    snprintf(path, sizeof path, "%.800s/%.96s.tflite", dir, v[i].name);
    if (nq_model_load(path, &m, &err) != NQ_OK) {
      fail("%s: %s%s", path, err.msg, "");
      continue;
    }
    int before = failures, mode = v[i].m;
    replay(dir, &v[i], m, 0);
    replay(dir, &v[i], m, 1);
    if (failures == before) {
      mark_ops(m, seen[mode]);
      if (mode != FLOAT) apart[mode] += tells_modes_apart(dir, v, n, i, nq_model_num_outputs(m));
    }
    nq_model_free(m);
  }
  int kernels = 0;
  for (int op = 0; op < NQ_OP_COUNT; op++) {
    if (!nq_int8_kernels[op].run) continue;
    kernels++;
    for (int mode = 0; mode < 2; mode++)
      if (!seen[mode][op])
        fail(
            "int8 kernel %s has no passing golden vector in %s rounding (add a case to "
            "tests/golden/generate.py)%s",
            nq_op_name((nq_op)op), mode ? "single" : "double", "");
  }
  /* Float kernels: every op with a float reference kernel needs a float vector,
   * except IR-only ops (no TFLite code: ERF, which the passes fuse into GELU)
   * that no .tflite file can hold; tests/passes checks those against numpy. */
  int float_kernels = 0, float_seen = 0;
  for (int op = 0; op < NQ_OP_COUNT; op++) {
    /* CUSTOM runs its ops by name; TFLite_Detection_PostProcess is checked against
     * LiteRT.js by tests/reader/test_detection_postprocess.py. */
    if (!nq_float_kernels_ref[op].run || nq_op_tflite_code((nq_op)op) < 0 || op == NQ_OP_CUSTOM) continue;
    float_kernels++;
    if (seen[FLOAT][op])
      float_seen++;
    else
      fail("float kernel %s has no passing golden vector (add a case to tests/float_oracle's maker)%s%s",
           nq_op_name((nq_op)op), "", "");
  }
  printf("float vectors cover %d of %d ops with a float kernel\n", float_seen, float_kernels);
  for (int mode = 0; mode < 2; mode++)
    if (apart[mode] == 0)
      fail("no vector in %s rounding tells the two modes apart%s%s", mode ? "single" : "double", "", "");
  printf(
      "golden vectors: %d replayed (default and reference kernels), coverage of %d int8 kernels "
      "in both modes checked, %d/%d vectors tell the modes apart (single/double), %d failure(s)\n",
      n, kernels, apart[1], apart[0], failures);
  return failures ? 1 : 0;
}
