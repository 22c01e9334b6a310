#include "api/recipe_score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "core/status.h"
#include "report/compare.h"

/* The units judged: each output, or each of its parts where it has parts
 * (a split output's, or the reference's column parts). */
static bool has_parts(const nq_compare_result *r, int output) {
  for (int p = 0; p < r->n_parts; p++)
    if (r->part_output[p] == output) return true;
  return false;
}

static void judge_unit(nq_recipe_score *out, const nq_metrics *m, int unit) {
  double s = nq_metrics_sqnr_db(m);
  if (s < out->sqnr_db || unit == 0) {
    out->sqnr_db = s;
    out->worst = unit;
    snprintf(out->worst_name, sizeof out->worst_name, "%s", m->name);
  }
}

nq_status nq_recipe_score_measure(const nq_model *fm, const nq_ref_outputs *ref, const nq_model *qm,
                                  const nq_sample_source *val, const int32_t *labels, int threads,
                                  const nq_output_map *columns, nq_recipe_score *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  out->sqnr_db = NAN;
  out->top1_agree = out->correct = -1;
  nq_session_options so;
  memset(&so, 0, sizeof so);
  so.num_threads = threads;
  so.single_rounding = NQ_DEFAULT_SINGLE_ROUNDING; /* judge as the target runs it */
  nq_compare_result r;
  NQ_TRY(nq_compare_with_ref(fm->graph, ref, qm->graph, val, labels, labels ? (size_t)val->n_samples : 0, &so,
                             columns, &r, err));
  size_t ns = (size_t)r.n_samples;
  out->err2 = malloc(sizeof(double) * ((size_t)(r.n_outputs + r.n_parts) * ns + 1));
  if (!out->err2) {
    nq_compare_result_free(&r);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the recipe's scores");
  }
  out->sqnr_db = INFINITY;
  int units = 0;
  for (int i = 0; i < r.n_outputs; i++) {
    if (!has_parts(&r, i)) {
      judge_unit(out, &r.outputs[i], units);
      memcpy(out->err2 + (size_t)units++ * ns, r.sample_err2 + (size_t)i * ns, sizeof(double) * ns);
    }
    for (int p = 0; p < r.n_parts; p++)
      if (r.part_output[p] == i) {
        judge_unit(out, &r.parts[p], units);
        memcpy(out->err2 + (size_t)units++ * ns, r.part_sample_err2 + (size_t)p * ns, sizeof(double) * ns);
      }
    if (r.outputs[i].classifier && out->top1_agree < 0) {
      out->top1_agree = r.outputs[i].top1_agree;
      if (labels) {
        out->correct = r.outputs[i].test_correct;
        out->ok = malloc(ns + 1);
        if (!out->ok) {
          nq_compare_result_free(&r);
          nq_recipe_score_free(out);
          return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the recipe's scores");
        }
        memcpy(out->ok, r.sample_correct + (size_t)i * ns, ns);
      }
    }
  }
  /* labels given but no output is class scores: nothing to count, SQNR decides */
  out->n_samples = r.n_samples;
  out->n_outputs = units;
  nq_compare_result_free(&r);
  return NQ_OK;
}

int nq_recipe_significantly_lower(const double *a, const double *b, int n) {
  if (n < 2) return 0;
  /* a floor far below int8's resolution keeps exact samples finite */
  double floor = 0;
  for (int i = 0; i < n; i++) floor += a[i] + b[i];
  floor = floor / (2.0 * n) * 1e-9 + 1e-300;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; i++) {
    double d = log((a[i] + floor) / (b[i] + floor));
    sum += d;
    sum2 += d * d;
  }
  double mean = sum / n, var = (sum2 - n * mean * mean) / (n - 1);
  if (var < 0) var = 0;
  return mean > NQ_RECIPE_SIGNIFICANCE * sqrt(var / n);
}

int nq_recipe_score_better(const nq_recipe_score *cand, const nq_recipe_score *best) {
  if (isnan(cand->sqnr_db)) return 0;
  if (isnan(best->sqnr_db)) return 1;
  if (cand->ok && best->ok && cand->n_samples == best->n_samples) {
    int d = nq_recipe_accuracy_differs(best->ok, cand->ok, best->n_samples);
    if (d) return d > 0;
  }
  if (!(cand->sqnr_db > best->sqnr_db)) return 0;
  if (!cand->err2 || !best->err2 || cand->n_samples != best->n_samples || cand->n_outputs != best->n_outputs)
    return 1;
  size_t o = (size_t)best->worst * (size_t)best->n_samples;
  return nq_recipe_significantly_lower(best->err2 + o, cand->err2 + o, best->n_samples);
}

int nq_recipe_accuracy_differs(const unsigned char *a, const unsigned char *b, int n) {
  int only_b = 0, only_a = 0;
  for (int i = 0; i < n; i++) {
    only_b += b[i] && !a[i];
    only_a += a[i] && !b[i];
  }
  int d = only_b - only_a;
  if (d == 0 || (double)d * d <= NQ_RECIPE_SIGNIFICANCE * NQ_RECIPE_SIGNIFICANCE * (only_b + only_a))
    return 0;
  return d > 0 ? 1 : -1;
}

void nq_recipe_score_free(nq_recipe_score *s) {
  free(s->err2);
  free(s->ok);
  s->err2 = NULL;
  s->ok = NULL;
}

nq_status nq_recipe_labels_check(const nq_model *fm, const int32_t *labels, size_t n_labels, int n_samples,
                                 nq_error *err) {
  if (!labels && n_labels)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "n_labels is %zu but labels is NULL", n_labels);
  if (!labels) return NQ_OK;
  if (n_labels != (size_t)n_samples)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%zu labels for %d representative samples: one label per sample expected", n_labels,
                   n_samples);
  const nq_graph *g = fm->graph;
  size_t classes = 0;
  for (int i = 0; i < g->n_outputs; i++)
    if (nq_tensor_elems(&g->tensors[g->outputs[i]]) > classes)
      classes = nq_tensor_elems(&g->tensors[g->outputs[i]]);
  for (size_t k = 0; k < n_labels; k++)
    if (labels[k] < 0 || (size_t)labels[k] >= classes)
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "label %zu is %d: class indices 0..%zu expected (the model's outputs have %zu elements)",
                     k, (int)labels[k], classes ? classes - 1 : 0, classes);
  return NQ_OK;
}
