#include "report/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib/feed.h"
#include "core/status.h"
#include "exec/engine.h"
#include "quant/qparams.h"
#include "report/split_parts.h"

double nq_metrics_sqnr_db(const nq_metrics *m) {
  if (m->sum_err2 <= 0.0) return INFINITY;
  if (m->sum_ref2 <= 0.0) return -INFINITY;
  return 10.0 * log10(m->sum_ref2 / m->sum_err2);
}

double nq_metrics_rmse(const nq_metrics *m) { return m->count ? sqrt(m->sum_err2 / (double)m->count) : 0.0; }

void nq_compare_result_free(nq_compare_result *r) {
  free(r->outputs);
  free(r->tensors);
  free(r->sample_err2);
  free(r->sample_correct);
  free(r->parts);
  free(r->part_output);
  free(r->part_sample_err2);
  memset(r, 0, sizeof *r);
}

/* A tensor's values as float: float32 as is, int8/uint8/int16/int32
 * dequantized with its (per-tensor) parameters. */
static nq_status as_float(const nq_tensor *x, const void *data, size_t nbytes, float *dst, size_t n,
                          nq_error *err) {
  size_t es = nq_dtype_size(x->type);
  if (es == 0 || nbytes / es != n)
    return nq_fail(err, NQ_ERR_INTERNAL, "tensor '%s': size mismatch", x->name ? x->name : "?");
  float scale = x->q.n > 0 ? x->q.scale[0] : 1.0f;
  int64_t zp = x->q.n > 0 ? x->q.zero_point[0] : 0;
  /* A hostile zero point (e.g. INT64_MIN) would overflow value - zp. */
  int64_t lo = x->type == NQ_UINT8 ? 0 : x->type == NQ_INT8 ? -128 : x->type == NQ_INT16 ? -32768 : INT32_MIN;
  int64_t hi = x->type == NQ_UINT8 ? 255 : x->type == NQ_INT8 ? 127 : x->type == NQ_INT16 ? 32767 : INT32_MAX;
  if (x->type != NQ_FLOAT32 && (zp < lo || zp > hi))
    return nq_fail(err, NQ_ERR_FORMAT, "tensor '%s': zero point %lld is outside the %s range [%lld, %lld]",
                   x->name ? x->name : "?", (long long)zp, nq_dtype_name(x->type), (long long)lo,
                   (long long)hi);
  switch (x->type) {
    case NQ_FLOAT32:
      memcpy(dst, data, n * sizeof(float));
      break;
    case NQ_INT8:
      for (size_t i = 0; i < n; i++) dst[i] = (float)(((const int8_t *)data)[i] - zp) * scale;
      break;
    case NQ_UINT8:
      for (size_t i = 0; i < n; i++) dst[i] = (float)(((const uint8_t *)data)[i] - zp) * scale;
      break;
    case NQ_INT16:
      for (size_t i = 0; i < n; i++) dst[i] = (float)(((const int16_t *)data)[i] - zp) * scale;
      break;
    case NQ_INT32:
      for (size_t i = 0; i < n; i++) dst[i] = (float)(((const int32_t *)data)[i] - zp) * scale;
      break;
    default:
      return nq_fail(err, NQ_ERR_UNSUPPORTED, "tensor '%s': cannot compare %s values",
                     x->name ? x->name : "?", nq_dtype_name(x->type));
  }
  return NQ_OK;
}

static size_t argmax(const float *v, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; i++)
    if (v[i] > v[best]) best = i;
  return best;
}

static void accumulate(nq_metrics *m, const float *ref, const float *test, size_t n, const int32_t *label) {
  for (size_t i = 0; i < n; i++) {
    double d = (double)ref[i] - (double)test[i];
    m->sum_ref2 += (double)ref[i] * ref[i];
    m->sum_err2 += d * d;
    if (fabs(d) > m->max_abs) m->max_abs = fabs(d);
  }
  m->count += n;
  m->n_samples++;
  if (m->classifier) {
    size_t ra = argmax(ref, n), ta = argmax(test, n);
    m->top1_agree += ra == ta;
    if (label) {
      m->ref_correct += (int32_t)ra == *label;
      m->test_correct += (int32_t)ta == *label;
    }
  }
}

static bool classifier_shaped(const nq_tensor *x) {
  if (x->rank == 1) return x->shape[0] > 1;
  if (x->rank == 2) return x->shape[0] == 1 && x->shape[1] > 1;
  return false;
}

/* Class scores, where "the same top-1" means something: a SOFTMAX or
 * LOG_SOFTMAX result (through reshapes and (de)quantization), the model's
 * only output (a plain classifier's logits), or any output when labels are
 * given. Landmarks, boxes and other regression heads beside other outputs
 * are not: their largest element is no decision. */
static bool class_scores(const nq_graph *g, int t, bool labels) {
  if (!classifier_shaped(&g->tensors[t])) return false;
  if (labels || g->n_outputs == 1) return true;
  for (int hops = 0; hops < 8; hops++) {
    int p = -1;
    for (int i = 0; i < g->n_nodes && p < 0; i++)
      for (int k = 0; k < g->nodes[i].n_out; k++)
        if (g->nodes[i].out[k] == t) p = i;
    if (p < 0) return false;
    const nq_node *n = &g->nodes[p];
    if (n->op == NQ_OP_SOFTMAX || n->op == NQ_OP_LOG_SOFTMAX) return true;
    bool passes = n->op == NQ_OP_RESHAPE || n->op == NQ_OP_SQUEEZE || n->op == NQ_OP_EXPAND_DIMS ||
                  n->op == NQ_OP_QUANTIZE || n->op == NQ_OP_DEQUANTIZE;
    if (!passes || n->n_in < 1 || n->in[0] < 0) return false;
    t = n->in[0];
  }
  return false;
}

/* The test model's tensor for a reference tensor: the same name, or the
 * name with "_int8" (what the quantizer calls the int8 tensor behind a
 * float/uint8 model boundary). */
static int find_by_name(const nq_graph *g, const char *name) {
  int t = nq_graph_find_tensor(g, name);
  if (t >= 0 || !name) return t;
  size_t n = strlen(name) + sizeof "_int8";
  char *alt = malloc(n);
  if (!alt) return -1;
  snprintf(alt, n, "%s_int8", name);
  t = nq_graph_find_tensor(g, alt);
  free(alt);
  return t;
}

static void init_metric(nq_metrics *m, const nq_graph *rg, int tr, const nq_graph *tg, int tt, bool labels) {
  memset(m, 0, sizeof *m);
  m->tensor_ref = tr;
  m->tensor_test = tt;
  snprintf(m->name, sizeof m->name, "%s", rg->tensors[tr].name ? rg->tensors[tr].name : "?");
  m->class_shaped = classifier_shaped(&rg->tensors[tr]);
  m->classifier = class_scores(rg, tr, labels);
  const nq_tensor *x = &tg->tensors[tt];
  m->scale = x->q.n > 0 ? x->q.scale[0] : 0.0f;
}

/* Model input/output i must hold as many values in both models (types may differ). */
static nq_status same_size(const nq_graph *rg, int tr, const nq_graph *tg, int tt, const char *what, int i,
                           nq_error *err) {
  const nq_tensor *a = &rg->tensors[tr], *b = &tg->tensors[tt];
  if (nq_tensor_elems(a) == nq_tensor_elems(b)) return NQ_OK;
  return nq_fail(err, NQ_ERR_SHAPE,
                 "%s %d has different sizes in the two models ('%s': %zu values, '%s': %zu)", what, i,
                 a->name ? a->name : "?", nq_tensor_elems(a), b->name ? b->name : "?", nq_tensor_elems(b));
}

void nq_ref_outputs_free(nq_ref_outputs *r) {
  free(r->v);
  memset(r, 0, sizeof *r);
}

nq_status nq_ref_outputs_compute(const nq_graph *rg, const nq_sample_source *src,
                                 const nq_session_options *opts, size_t max_bytes, nq_ref_outputs *out,
                                 nq_error *err) {
  memset(out, 0, sizeof *out);
  size_t per = 0;
  for (int j = 0; j < rg->n_outputs; j++) per += nq_tensor_elems(&rg->tensors[rg->outputs[j]]);
  if (src->n_samples < 1 || per == 0 || per > max_bytes / sizeof(float) / (size_t)src->n_samples)
    return NQ_OK;
  out->v = malloc(per * (size_t)src->n_samples * sizeof(float));
  if (!out->v) return NQ_OK; /* not kept: compared the slower way */
  out->n_samples = src->n_samples;
  out->per_sample = per;
  nq_session *rs = NULL;
  nq_status st = nq_engine_create(rg, opts, &rs, err);
  nq_feeder feeder = {0};
  if (st == NQ_OK) st = nq_feeder_init(&feeder, rg, err);
  for (int k = 0; k < src->n_samples && st == NQ_OK; k++) {
    st = nq_feed_sample(&feeder, src, k, 1, &rs, &rg, err);
    if (st == NQ_OK) st = nq_session_run(rs, err);
    float *dst = out->v + per * (size_t)k;
    for (int j = 0; j < rg->n_outputs && st == NQ_OK; j++) {
      const void *d;
      size_t nb, n = nq_tensor_elems(&rg->tensors[rg->outputs[j]]);
      st = nq_session_output(rs, j, &d, &nb, err);
      if (st == NQ_OK) st = as_float(&rg->tensors[rg->outputs[j]], d, nb, dst, n, err);
      dst += n;
    }
  }
  nq_feeder_free(&feeder);
  nq_session_free(rs);
  if (st != NQ_OK) nq_ref_outputs_free(out);
  return st;
}

static nq_status compare(const nq_graph *rg, const nq_ref_outputs *ro, const nq_graph *tg,
                         const nq_sample_source *src, bool per_tensor, const int32_t *labels, size_t n_labels,
                         const nq_session_options *opts, const nq_output_map *columns, nq_task_acc *task,
                         nq_compare_result *out, nq_error *err);

nq_status nq_compare_with_ref(const nq_graph *rg, const nq_ref_outputs *ro, const nq_graph *tg,
                              const nq_sample_source *src, const int32_t *labels, size_t n_labels,
                              const nq_session_options *opts, const nq_output_map *columns,
                              nq_compare_result *out, nq_error *err) {
  if (ro && ro->v && ro->n_samples != src->n_samples)
    return nq_fail(err, NQ_ERR_INTERNAL, "reference outputs of %d samples for %d", ro->n_samples,
                   src->n_samples);
  if (columns && columns->n != rg->n_outputs)
    return nq_fail(err, NQ_ERR_INTERNAL, "column parts of %d outputs for %d", columns->n, rg->n_outputs);
  return compare(rg, ro && ro->v ? ro : NULL, tg, src, false, labels, n_labels, opts, columns, NULL, out,
                 err);
}

nq_status nq_compare_models(const nq_graph *rg, const nq_graph *tg, const nq_sample_source *src,
                            bool per_tensor, const int32_t *labels, size_t n_labels,
                            const nq_session_options *opts, nq_compare_result *out, nq_error *err) {
  return compare(rg, NULL, tg, src, per_tensor, labels, n_labels, opts, NULL, NULL, out, err);
}

nq_status nq_compare_models_task(const nq_graph *rg, const nq_graph *tg, const nq_sample_source *src,
                                 bool per_tensor, const int32_t *labels, size_t n_labels,
                                 const nq_session_options *opts, const nq_output_map *columns,
                                 nq_task_acc *task, nq_compare_result *out, nq_error *err) {
  if (columns && columns->n != rg->n_outputs)
    return nq_fail(err, NQ_ERR_INTERNAL, "column parts of %d outputs for %d", columns->n, rg->n_outputs);
  return compare(rg, NULL, tg, src, per_tensor, labels, n_labels, opts, columns, task, out, err);
}

/* A split output's parts from the test session, dequantized and laid end
 * to end (the order split_parts.h indexes), then put back in the
 * reference's layout. */
static nq_status gather_parts(nq_session *ts, const nq_graph *tg, const nq_output_parts *op, float *scratch,
                              float *b, nq_error *err) {
  size_t at = 0;
  for (int k = 0; k < op->n_parts; k++) {
    const void *d;
    size_t nb;
    const nq_tensor *x = &tg->tensors[tg->outputs[op->pos[k]]];
    NQ_TRY(nq_session_output(ts, op->pos[k], &d, &nb, err));
    NQ_TRY(as_float(x, d, nb, scratch + at, nq_tensor_elems(x), err));
    at += nq_tensor_elems(x);
  }
  for (size_t i = 0; i < op->n; i++) b[i] = scratch[op->elem[i]];
  return NQ_OK;
}

/* Each part's figures: the elements of the reference output it holds. */
static void accumulate_parts(nq_metrics *parts, const nq_output_parts *op, const float *ref,
                             const float *test) {
  for (size_t i = 0; i < op->n; i++) {
    nq_metrics *m = &parts[op->first_part + op->part[i]];
    double d = (double)ref[i] - (double)test[i];
    m->sum_ref2 += (double)ref[i] * ref[i];
    m->sum_err2 += d * d;
    if (fabs(d) > m->max_abs) m->max_abs = fabs(d);
    m->count++;
  }
  for (int k = 0; k < op->n_parts; k++) parts[op->first_part + k].n_samples++;
}

static nq_status compare_mapped(const nq_graph *rg, const nq_ref_outputs *ro, const nq_graph *tg,
                                const nq_output_map *map, const nq_output_map *columns,
                                const nq_sample_source *src, bool per_tensor, const int32_t *labels,
                                size_t n_labels, const nq_session_options *opts, nq_task_acc *task,
                                nq_compare_result *out, nq_error *err);

/* ro: the reference outputs computed earlier (then rg is not run), or NULL;
 * task: a task-level comparison to accumulate into, or NULL. */
static nq_status compare(const nq_graph *rg, const nq_ref_outputs *ro, const nq_graph *tg,
                         const nq_sample_source *src, bool per_tensor, const int32_t *labels, size_t n_labels,
                         const nq_session_options *opts, const nq_output_map *columns, nq_task_acc *task,
                         nq_compare_result *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  if (rg->n_inputs != tg->n_inputs)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "the models differ in inputs (%d vs %d)", rg->n_inputs,
                   tg->n_inputs);
  for (int i = 0; i < rg->n_inputs; i++)
    NQ_TRY(same_size(rg, rg->inputs[i], tg, tg->inputs[i], "input", i, err));
  nq_output_map map; /* the inputs first: a wrong model is named by them */
  NQ_TRY(nq_output_map_build(rg, tg, &map, err));
  nq_status st =
      compare_mapped(rg, ro, tg, &map, columns, src, per_tensor, labels, n_labels, opts, task, out, err);
  nq_output_map_free(&map);
  return st;
}

static nq_status compare_mapped(const nq_graph *rg, const nq_ref_outputs *ro, const nq_graph *tg,
                                const nq_output_map *map, const nq_output_map *columns,
                                const nq_sample_source *src, bool per_tensor, const int32_t *labels,
                                size_t n_labels, const nq_session_options *opts, nq_task_acc *task,
                                nq_compare_result *out, nq_error *err) {
  /* the parts measured: the test model's split outputs, else the
   * reference's column parts (the test model's outputs whole) */
  const nq_output_map *pm = map->n_parts_total > 0 || !columns ? map : columns;
  if (labels && n_labels != (size_t)src->n_samples)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%zu labels for %d samples: one label per sample expected",
                   n_labels, src->n_samples);
  /* A label is a class index: an element of an output. One out of range
   * (1e9, -5) would only ever count as wrong, silently. */
  size_t classes = 0;
  for (int i = 0; i < rg->n_outputs; i++)
    if (nq_tensor_elems(&rg->tensors[rg->outputs[i]]) > classes)
      classes = nq_tensor_elems(&rg->tensors[rg->outputs[i]]);
  for (size_t k = 0; labels && k < n_labels; k++)
    if (labels[k] < 0 || (size_t)labels[k] >= classes)
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "label %zu is %d: class indices 0..%zu expected (the outputs have %zu "
                     "elements)",
                     k, (int)labels[k], classes ? classes - 1 : 0, classes);

  out->n_outputs = rg->n_outputs;
  out->outputs = calloc((size_t)(rg->n_outputs ? rg->n_outputs : 1), sizeof(nq_metrics));
  out->n_samples = src->n_samples;
  out->sample_err2 =
      calloc((size_t)(rg->n_outputs ? rg->n_outputs : 1) * (size_t)src->n_samples, sizeof(double));
  out->sample_correct = calloc((size_t)(rg->n_outputs ? rg->n_outputs : 1) * (size_t)src->n_samples, 1);
  if (!out->outputs || !out->sample_err2 || !out->sample_correct) {
    nq_compare_result_free(out);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; i < rg->n_outputs; i++) {
    init_metric(&out->outputs[i], rg, rg->outputs[i], tg, tg->outputs[map->o[i].pos[0]], labels != NULL);
    if (map->o[i].n_parts > 1) out->outputs[i].scale = 0.0f; /* a scale per part */
  }
  if (pm->n_parts_total > 0) {
    out->parts = calloc((size_t)pm->n_parts_total, sizeof(nq_metrics));
    out->part_output = calloc((size_t)pm->n_parts_total, sizeof(int));
    out->part_sample_err2 = calloc((size_t)pm->n_parts_total * (size_t)src->n_samples + 1, sizeof(double));
    if (!out->parts || !out->part_output || !out->part_sample_err2) {
      nq_compare_result_free(out);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
    }
    out->n_parts = pm->n_parts_total;
    for (int i = 0; i < rg->n_outputs; i++)
      for (int k = 0; pm->o[i].n_parts > 1 && k < pm->o[i].n_parts; k++) {
        /* a column part is scaled as its whole output, named by its group */
        int p = pm->o[i].first_part + k, tt = tg->outputs[pm->o[i].pos[pm == map ? k : 0]];
        init_metric(&out->parts[p], tg, tt, tg, tt, false);
        if (pm != map) {
          size_t at = strlen(out->parts[p].name);
          snprintf(out->parts[p].name + at, sizeof out->parts[p].name - at, ":columns%d", k);
        }
        out->parts[p].tensor_ref = rg->outputs[i];
        out->parts[p].classifier = false;
        out->part_output[p] = i;
      }
  }
  if (per_tensor) {
    out->tensors = calloc((size_t)(rg->n_tensors ? rg->n_tensors : 1), sizeof(nq_metrics));
    if (!out->tensors) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
    for (int t = 0; t < rg->n_tensors; t++) {
      const nq_tensor *x = &rg->tensors[t];
      if (x->data || x->type != NQ_FLOAT32) continue;
      int tt = find_by_name(tg, x->name);
      if (tt < 0 || nq_tensor_elems(&tg->tensors[tt]) != nq_tensor_elems(x)) continue;
      init_metric(&out->tensors[out->n_tensors++], rg, t, tg, tt, false);
    }
  }

  nq_session *rs = NULL, *ts = NULL;
  nq_status st = ro ? NQ_OK : nq_engine_create(rg, opts, &rs, err);
  if (st == NQ_OK) st = nq_engine_create(tg, opts, &ts, err);
  if (st == NQ_OK && per_tensor) st = nq_session_keep_all_tensors(rs, err);
  if (st == NQ_OK && per_tensor) st = nq_session_keep_all_tensors(ts, err);
  size_t maxn = 1;
  for (int t = 0; t < rg->n_tensors; t++)
    if (nq_tensor_elems(&rg->tensors[t]) > maxn) maxn = nq_tensor_elems(&rg->tensors[t]);
  for (int t = 0; t < tg->n_tensors; t++)
    if (nq_tensor_elems(&tg->tensors[t]) > maxn) maxn = nq_tensor_elems(&tg->tensors[t]);
  float *a = malloc(maxn * sizeof(float)), *b = malloc(maxn * sizeof(float)),
        *c = malloc(maxn * sizeof(float));
  nq_feeder feeder = {0};
  if (st == NQ_OK && (!a || !b || !c)) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory comparing models");
  if (st == NQ_OK) st = nq_feeder_init(&feeder, rg, err);
  /* --task: every output of both models as float, per sample */
  float **task_out = NULL;
  const bool tasked = task && task->task != 0;
  if (st == NQ_OK && tasked) {
    task_out = calloc((size_t)(2 * rg->n_outputs + 1), sizeof(float *));
    if (!task_out) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory comparing models");
    for (int j = 0; st == NQ_OK && j < 2 * rg->n_outputs; j++) {
      task_out[j] =
          malloc(sizeof(float) * (nq_tensor_elems(&rg->tensors[rg->outputs[j % rg->n_outputs]]) + 1));
      if (!task_out[j]) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory comparing models");
    }
  }
  nq_session *both[2] = {rs, ts};
  const nq_graph *graphs[2] = {rg, tg};
  for (int k = 0; k < src->n_samples && st == NQ_OK; k++) {
    if (ro) {
      st = nq_feed_sample(&feeder, src, k, 1, &ts, &tg, err);
    } else {
      st = nq_feed_sample(&feeder, src, k, 2, both, graphs, err);
      if (st == NQ_OK) st = nq_session_run(rs, err);
    }
    if (st == NQ_OK) st = nq_session_run(ts, err);
    const float *cached = ro ? ro->v + ro->per_sample * (size_t)k : NULL;
    int nm = per_tensor ? out->n_tensors : 0;
    for (int j = 0; j < out->n_outputs + nm && st == NQ_OK; j++) {
      nq_metrics *m = j < out->n_outputs ? &out->outputs[j] : &out->tensors[j - out->n_outputs];
      const void *rd, *td;
      size_t rn, tn;
      const nq_output_parts *op = j < out->n_outputs ? &map->o[j] : NULL;
      if (op) {
        if (!ro) st = nq_session_output(rs, j, &rd, &rn, err);
        if (st == NQ_OK && op->n_parts == 1) st = nq_session_output(ts, op->pos[0], &td, &tn, err);
      } else {
        st = nq_session_tensor(rs, m->tensor_ref, &rd, &rn, err);
        if (st == NQ_OK) st = nq_session_tensor(ts, m->tensor_test, &td, &tn, err);
      }
      size_t n = nq_tensor_elems(&rg->tensors[m->tensor_ref]);
      if (st == NQ_OK && cached) {
        memcpy(a, cached, n * sizeof(float));
        cached += n;
      } else if (st == NQ_OK) {
        st = as_float(&rg->tensors[m->tensor_ref], rd, rn, a, n, err);
      }
      if (st == NQ_OK && op && op->n_parts > 1)
        st = gather_parts(ts, tg, op, c, b, err);
      else if (st == NQ_OK)
        st = as_float(&tg->tensors[m->tensor_test], td, tn, b, n, err);
      double before = m->sum_err2;
      int correct_before = m->test_correct;
      if (st == NQ_OK) accumulate(m, a, b, n, labels && j < out->n_outputs ? &labels[k] : NULL);
      const nq_output_parts *pp = op && pm->o[j].n_parts > 1 ? &pm->o[j] : NULL;
      for (int q = 0; pp && q < pp->n_parts; q++)
        out->part_sample_err2[(size_t)(pp->first_part + q) * (size_t)src->n_samples + (size_t)k] =
            -out->parts[pp->first_part + q].sum_err2;
      if (st == NQ_OK && pp) accumulate_parts(out->parts, pp, a, b);
      for (int q = 0; pp && q < pp->n_parts; q++)
        out->part_sample_err2[(size_t)(pp->first_part + q) * (size_t)src->n_samples + (size_t)k] +=
            out->parts[pp->first_part + q].sum_err2;
      if (st == NQ_OK && j < out->n_outputs) {
        size_t at = (size_t)j * (size_t)src->n_samples + (size_t)k;
        out->sample_err2[at] = m->sum_err2 - before;
        out->sample_correct[at] = (unsigned char)(m->test_correct - correct_before);
      }
      if (st == NQ_OK && tasked && j < out->n_outputs) {
        memcpy(task_out[j], a, n * sizeof(float));
        memcpy(task_out[rg->n_outputs + j], b, n * sizeof(float));
      }
    }
    if (st == NQ_OK && tasked) st = nq_task_sample(task, rg, task_out, task_out + rg->n_outputs, err);
    if (src->progress) src->progress(src->progress_ctx, k + 1, src->n_samples);
  }
  free(a);
  free(b);
  free(c);
  for (int j = 0; task_out && j < 2 * rg->n_outputs; j++) free(task_out[j]);
  free(task_out);
  nq_feeder_free(&feeder);
  nq_session_free(rs);
  nq_session_free(ts);
  if (st != NQ_OK) nq_compare_result_free(out);
  return st;
}
