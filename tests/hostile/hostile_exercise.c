/* One graph through inspect, NPU report, run, convert, compare and reload (see hostile_exercise.h). */
#include "hostile_exercise.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "calib/calibrate.h"
#include "core/checked.h"
#include "frontends/tflite/tflite_reader.h"
#include "hostile_budget.h"
#include "hostile_mutate.h"
#include "report/compare.h"
#include "report/npu.h"
#include "writers/tflite/tflite_write.h"

/* Activations (non-constant tensors) above this are not run: the mutant
 * asks for a lot of memory legitimately, and the test must stay fast. */
#define RUN_BUDGET_BYTES ((size_t)32 << 20)
#define CONVERT_BUDGET_BYTES ((size_t)4 << 20)
/* Likewise for compute (hostile_budget.h). */
#define RUN_BUDGET_MACS 30e6

/* Check one outcome; true when it is NQ_OK. */
static bool outcome(nq_status s, const nq_error *e, const char *what, const char *desc, size_t act_bytes,
                    hostile_stats *st) {
  if (s == NQ_OK) return true;
  bool clean = s > NQ_OK && s < NQ_STATUS_COUNT && s != NQ_ERR_INTERNAL && e->msg[0] != '\0';
  if (clean && s == NQ_ERR_NOMEM && act_bytes < RUN_BUDGET_BYTES) clean = false; /* absurd allocation */
  if (clean) {
    if (getenv("NQ_HOSTILE_VERBOSE")) fprintf(stderr, "  %s: %s\n", what, e->msg);
    st->by_status[s]++;
    return false;
  }
  st->bad++;
  CHECKF(clean, "%s: status %d (%s), message '%s' [mutant:%s]", what, (int)s,
         s >= 0 && s < NQ_STATUS_COUNT ? nq_status_name(s) : "?", e->msg, desc);
  return false;
}

static void fill_random(unsigned char *d, size_t nbytes, nq_dtype type, nq_rng *r) {
  if (type == NQ_FLOAT32) {
    for (size_t i = 0; i + 4 <= nbytes; i += 4) {
      float f = nq_rng_int(r, 0, 63) ? nq_rng_uniform(r, -3.0f, 3.0f) : (nq_rng_int(r, 0, 1) ? 1e30f : NAN);
      memcpy(d + i, &f, 4);
    }
  } else {
    for (size_t i = 0; i < nbytes; i++) d[i] = (unsigned char)nq_rng_next(r);
  }
}

static void inspect(const nq_model *m, const char *desc, hostile_stats *st) {
  nq_tensor_info ti;
  nq_error e = {0};
  for (int i = 0; i < nq_model_num_inputs(m); i++)
    outcome(nq_model_input(m, i, &ti, &e), &e, "input info", desc, 0, st);
  for (int i = 0; i < nq_model_num_outputs(m); i++)
    outcome(nq_model_output(m, i, &ti, &e), &e, "output info", desc, 0, st);
  for (int i = 0; i < nq_model_num_tensors(m); i++)
    outcome(nq_model_tensor(m, i, &ti, &e), &e, "tensor info", desc, 0, st);
}

static void npu_reports(const nq_graph *g, const char *desc, hostile_stats *st) {
  static const char *targets[] = {"imx8mp", "ethos-u", "edgetpu"};
  for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++) {
    nq_npu_report rep;
    nq_error e = {0};
    if (outcome(nq_npu_check(g, targets[k], &rep, &e), &e, "npu report", desc, 0, st)) {
      CHECKF(rep.n_fallback <= rep.n_nodes && rep.n_findings >= 0,
             "npu report %s: %d fallbacks of %d nodes [mutant:%s]", targets[k], rep.n_fallback, rep.n_nodes,
             desc);
      for (int i = 0; i < rep.n_findings; i++) (void)strlen(rep.findings[i].reason); /* ASan: terminated */
    }
    nq_npu_report_free(&rep);
  }
}

/* Create a session, run it on zeros and on random inputs, read the outputs. */
static void run_model(const nq_model *m, nq_rng *r, int single_rounding, const char *desc, size_t act,
                      hostile_stats *st) {
  /* Mostly one thread (fast); sometimes two, for the fast kernels' splits. */
  nq_session_options so = {.num_threads = nq_rng_int(r, 0, 3) ? 1 : 2,
                           .reference_only = nq_rng_int(r, 0, 1),
                           .single_rounding = single_rounding};
  nq_session *s = NULL;
  nq_error e = {0};
  if (!outcome(nq_session_create(m, &so, &s, &e), &e, "session create", desc, act, st)) {
    st->sessions_refused++;
    return;
  }
  st->sessions_ok++;
  /* `run --tensors` and per-tensor comparisons keep every tensor alive. */
  bool keep_all = nq_rng_int(r, 0, 3) == 0;
  if (keep_all) outcome(nq_session_keep_all_tensors(s, &e), &e, "keep all tensors", desc, act, st);
  for (int pass = 0; pass < 2; pass++) {
    bool ok = true;
    for (int i = 0; i < nq_model_num_inputs(m) && ok; i++) {
      nq_tensor_info ti;
      if (!outcome(nq_model_input(m, i, &ti, &e), &e, "input info", desc, act, st)) break;
      if (ti.is_constant) continue;
      unsigned char *buf = calloc(ti.nbytes ? ti.nbytes : 1, 1);
      if (!buf) break;
      if (pass) fill_random(buf, ti.nbytes, ti.type, r);
      ok = outcome(nq_session_set_input(s, i, buf, ti.nbytes, &e), &e, "set input", desc, act, st);
      free(buf);
    }
    if (!ok) continue;
    if (!outcome(nq_session_run(s, &e), &e, "run", desc, act, st)) {
      st->runs_refused++;
      continue;
    }
    st->runs_ok++;
    for (int i = 0; i < nq_model_num_outputs(m); i++) {
      const void *data;
      size_t nbytes;
      if (outcome(nq_session_output(s, i, &data, &nbytes, &e), &e, "output", desc, act, st) && nbytes)
        CHECKF(((const unsigned char *)data)[nbytes - 1] < 256, "output %d unreadable [mutant:%s]", i, desc);
    }
    for (int t = 0; keep_all && t < m->graph->n_tensors; t++) {
      const void *data;
      size_t nbytes;
      /* Tensors that no node touches have no value: a clean refusal is fine. */
      e.msg[0] = '\0';
      nq_status ts = nq_session_tensor(s, t, &data, &nbytes, &e);
      if (ts == NQ_OK && nbytes)
        CHECKF(((const unsigned char *)data)[nbytes - 1] < 256, "tensor %d unreadable [mutant:%s]", t, desc);
      else if (ts != NQ_OK)
        CHECKF(e.msg[0] != '\0', "tensor %d: refusal without a message [mutant:%s]", t, desc);
    }
  }
  nq_session_free(s);
}

typedef struct sample_ctx {
  nq_rng *r;
} sample_ctx;

static nq_status fill_sample(void *ctx, int sample, int input, float *dst, size_t n, nq_error *err) {
  sample_ctx *c = ctx;
  for (size_t i = 0; i < n; i++) dst[i] = nq_rng_uniform(c->r, -2.0f, 2.0f);
  return NQ_OK;
}

static bool is_float_model(const nq_graph *g) {
  for (int t = 0; t < g->n_tensors; t++)
    if (g->tensors[t].q.n > 0 || (!g->tensors[t].data && g->tensors[t].type != NQ_FLOAT32 &&
                                  g->tensors[t].type != NQ_INT32 && g->tensors[t].type != NQ_BOOL))
      return false;
  return true;
}

/* Convert a float model on two random samples, then compare and run the result. */
static void convert_model(const nq_model *m, nq_rng *r, const char *desc, size_t act, hostile_stats *st) {
  const nq_graph *g = m->graph;
  size_t per_sample = 0;
  for (int i = 0; i < g->n_inputs; i++) {
    const nq_tensor *x = &g->tensors[g->inputs[i]];
    size_t elems;
    if (!nq_shape_elems(x->shape, x->rank, 1u << 22, &elems) || !nq_add_size(per_sample, elems, &per_sample))
      return;
  }
  if (per_sample > (1u << 22)) return;
  float *data = malloc(sizeof(float) * 2 * (per_sample ? per_sample : 1));
  if (!data) return;
  for (size_t i = 0; i < 2 * per_sample; i++) data[i] = nq_rng_uniform(r, -2.0f, 2.0f);
  nq_convert_options co;
  nq_convert_options_init(&co);
  co.num_threads = 1;
  co.per_tensor = nq_rng_int(r, 0, 3) == 0;
  co.calibration = nq_rng_int(r, 0, 3) == 0 ? nq_rng_int(r, 1, 2) : 0;
  co.equalize = nq_rng_int(r, 0, 3) == 0;
  co.bias_correct = nq_rng_int(r, 0, 3) == 0;
  co.allow_float_fallback = nq_rng_int(r, 0, 1);
  static const nq_dtype io_types[] = {NQ_INT8, NQ_UINT8, NQ_FLOAT32};
  co.input_type = io_types[nq_rng_int(r, 0, 2)];
  co.output_type = io_types[nq_rng_int(r, 0, 2)];
  nq_model *q = NULL;
  nq_error e = {0};
  nq_status s = nq_convert_arrays(m, data, 2, &co, &q, &e);
  free(data);
  if (!outcome(s, &e, "convert", desc, act, st)) {
    st->converts_refused++;
    return;
  }
  st->converts_ok++;
  sample_ctx c = {r};
  nq_sample_source src = {.n_samples = 1, .fill = fill_sample, .ctx = &c};
  nq_session_options so = {.num_threads = 1};
  nq_compare_result cmp = {0};
  if (outcome(nq_compare_models(m->graph, q->graph, &src, true, NULL, 0, &so, &cmp, &e), &e, "compare", desc,
              act, st))
    st->compares_ok++;
  nq_compare_result_free(&cmp);
  npu_reports(q->graph, desc, st);
  run_model(q, r, nq_rng_int(r, 0, 1), desc, act, st);
  nq_model_free(q);
}

/* `compare` given a stranger's quantized model on both sides: its inputs
 * are quantized and its outputs dequantized with whatever parameters it has. */
static void compare_self(const nq_model *m, nq_rng *r, const char *desc, size_t act, hostile_stats *st) {
  sample_ctx c = {r};
  nq_sample_source src = {.n_samples = 1, .fill = fill_sample, .ctx = &c};
  nq_session_options so = {.num_threads = 1, .single_rounding = nq_rng_int(r, 0, 1)};
  nq_compare_result cmp = {0};
  nq_error e = {0};
  if (outcome(nq_compare_models(m->graph, m->graph, &src, nq_rng_int(r, 0, 1), NULL, 0, &so, &cmp, &e), &e,
              "compare", desc, act, st))
    st->compares_ok++;
  nq_compare_result_free(&cmp);
}

/* NQ_HOSTILE_DUMP=<dir>: keep the mutants that load, as seeds for the
 * fuzz harness (fuzz_tflite_run.c). */
static void dump(const uint8_t *buf, size_t size, long k) {
  const char *dir = getenv("NQ_HOSTILE_DUMP");
  if (!dir) return;
  char path[1024];
  snprintf(path, sizeof path, "%s/mutant-%ld.tflite", dir, k);
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fwrite(buf, 1, size, f);
  fclose(f);
}

/* Write g as .tflite, flip a few fields (or not), read it back, exercise it. */
static void reload(const nq_graph *g, nq_rng *r, const char *desc, hostile_stats *st) {
  uint8_t *buf = NULL;
  size_t size = 0;
  nq_error e = {0};
  if (!outcome(nq_tflite_write_memory(g, &buf, &size, &e), &e, "write", desc, 0, st)) return;
  char d2[1024];
  snprintf(d2, sizeof d2, "%s |", desc);
  if (nq_rng_int(r, 0, 1)) hostile_flip_file(buf, size, r, d2, sizeof d2);
  nq_graph *g2 = NULL;
  if (outcome(nq_tflite_read_memory(buf, size, "reload.tflite", &g2, &e), &e, "reload", d2, 0, st)) {
    st->reloads_ok++;
    dump(buf, size, st->reloads_ok);
    hostile_exercise(g2, r, false, d2, st);
  } else {
    st->reloads_refused++;
    CHECKF(g2 == NULL, "reader failed but returned a graph [mutant:%s]", d2);
  }
  nq_graph_free(g2);
  free(buf);
}

void hostile_exercise(nq_graph *g, nq_rng *r, bool do_reload, const char *desc, hostile_stats *st) {
  st->graphs++;
  nq_error e = {0};
  if (!outcome(nq_graph_verify(g, &e), &e, "verify", desc, 0, st)) {
    st->rejected_verify++;
    return;
  }
  nq_model m = {.graph = g, .path = NULL};
  inspect(&m, desc, st);
  npu_reports(g, desc, st);
  size_t act = hostile_activation_bytes(g);
  if (act > RUN_BUDGET_BYTES || hostile_work_estimate(g) > RUN_BUDGET_MACS) {
    st->too_big++;
  } else {
    run_model(&m, r, 0, desc, act, st);
    run_model(&m, r, 1, desc, act, st);
    if (act <= CONVERT_BUDGET_BYTES && is_float_model(g))
      convert_model(&m, r, desc, act, st);
    else if (act <= CONVERT_BUDGET_BYTES && nq_rng_int(r, 0, 2) == 0)
      compare_self(&m, r, desc, act, st);
  }
  if (do_reload) reload(g, r, desc, st);
}
