/*
 * The public comparison report (nq_compare*) over report/compare.c, the
 * implementation `npuquant compare` prints: the same samples, the same
 * figures, kept in an opaque handle so the figures struct can grow.
 */
#include <stdlib.h>
#include <string.h>

#include "api/array_source.h"
#include "api/model_internal.h"
#include "core/status.h"
#include "report/column_parts.h"
#include "report/compare.h"

struct nq_compare_report {
  nq_compare_result res;
  nq_task_acc task;
};

nq_status nq_compare(const nq_model *ref, const nq_model *test, int n_samples, nq_fill_fn fill, void *user,
                     const nq_compare_options *opts, nq_compare_report **out, nq_error *err) {
  nq_sample_source src;
  nq_sample_source_init(&src);
  src.n_samples = n_samples;
  src.fill = fill;
  src.ctx = user;
  return nq_compare_source(ref, test, &src, opts, out, err);
}

nq_status nq_compare_source(const nq_model *ref, const nq_model *test, const nq_sample_source *src,
                            const nq_compare_options *opts, nq_compare_report **out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_compare: out is NULL");
  *out = NULL;
  if (!ref || !ref->graph || !test || !test->graph)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_compare: the reference or the test model is NULL");
  if (!src || !src->fill) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_compare: fill is NULL");
  if (src->struct_size < sizeof(nq_sample_source))
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "nq_compare: sample source struct_size %zu, %zu expected (use nq_sample_source_init)",
                   src->struct_size, sizeof(nq_sample_source));
  if (src->n_samples < 1)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_compare: %d samples; at least 1 is needed", src->n_samples);
  nq_compare_options none;
  memset(&none, 0, sizeof none);
  if (!opts) opts = &none;
  if (!opts->labels && opts->n_labels)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_compare: n_labels is %zu but labels is NULL", opts->n_labels);
  if (opts->num_threads < 0)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_compare: num_threads %d; 0 (all cores) or more expected",
                   opts->num_threads);

  nq_session_options so;
  memset(&so, 0, sizeof so);
  so.num_threads = opts->num_threads;
  so.single_rounding = opts->single_rounding != 0;
  so.kernels = opts->kernels;
  nq_kernels use; /* refuse an unavailable kernel set before reading samples */
  NQ_TRY(nq_kernels_resolve((nq_kernels)opts->kernels, &use, err));

  nq_compare_report *r = calloc(1, sizeof *r);
  if (!r) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for a comparison report");
  nq_status st = nq_task_init(&r->task, ref->graph, opts->task, opts->detect_layout, opts->score_threshold,
                              opts->landmark_output, opts->keypoint_dims, err);
  /* a detector's rows: its boxes, objectness and class scores each get figures */
  nq_output_map columns;
  memset(&columns, 0, sizeof columns);
  if (st == NQ_OK) st = nq_output_column_parts(ref->graph, &columns, err);
  if (st == NQ_OK)
    st = nq_compare_models_task(ref->graph, test->graph, src, opts->per_tensor != 0, opts->labels,
                                opts->labels ? opts->n_labels : 0, &so, &columns, &r->task, &r->res, err);
  nq_output_map_free(&columns);
  if (st != NQ_OK) {
    nq_compare_result_free(&r->res); /* safe on what a failing compare left */
    free(r);
    return st;
  }
  *out = r;
  return NQ_OK;
}

nq_status nq_compare_arrays(const nq_model *ref, const nq_model *test, const float *data, int n_samples,
                            const nq_compare_options *opts, nq_compare_report **out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (out) *out = NULL;
  if (!ref || !ref->graph || !test || !test->graph || !data || !out)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_compare_arrays: NULL argument");
  nq_array_source a;
  /* The samples are laid out by the reference model's inputs: the feeder asks for those. */
  NQ_TRY(nq_array_source_init(&a, ref->graph, data, n_samples, "nq_compare_arrays", err));
  return nq_compare(ref, test, n_samples, nq_array_source_fill, &a, opts, out, err);
}

int nq_compare_num_outputs(const nq_compare_report *r) { return r ? r->res.n_outputs : 0; }
int nq_compare_num_tensors(const nq_compare_report *r) { return r ? r->res.n_tensors : 0; }

static void figures(const nq_metrics *m, nq_compare_figures *o) {
  memset(o, 0, sizeof *o);
  o->name = m->name;
  o->tensor_ref = m->tensor_ref;
  o->tensor_test = m->tensor_test;
  o->samples = m->n_samples;
  o->sqnr_db = nq_metrics_sqnr_db(m);
  o->max_abs_error = m->max_abs;
  o->rmse = nq_metrics_rmse(m);
  o->scale = m->scale;
  o->classifier = m->classifier;
  o->top1_agree = m->top1_agree;
  o->ref_correct = m->ref_correct;
  o->test_correct = m->test_correct;
  o->class_shaped = m->class_shaped;
}

nq_status nq_compare_output(const nq_compare_report *r, int i, nq_compare_figures *out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!r || !out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_compare_output: NULL argument");
  if (i < 0 || i >= r->res.n_outputs)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "compare output %d: the report has %d outputs", i,
                   r->res.n_outputs);
  figures(&r->res.outputs[i], out);
  return NQ_OK;
}

nq_status nq_compare_tensor(const nq_compare_report *r, int i, nq_compare_figures *out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!r || !out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_compare_tensor: NULL argument");
  if (i < 0 || i >= r->res.n_tensors)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "compare tensor %d: the report has %d tensors (per-tensor figures need per_tensor = 1)", i,
                   r->res.n_tensors);
  figures(&r->res.tensors[i], out);
  return NQ_OK;
}

int nq_compare_num_parts(const nq_compare_report *r) { return r ? r->res.n_parts : 0; }

nq_status nq_compare_part(const nq_compare_report *r, int i, nq_compare_figures *out, int *output,
                          nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!r || !out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_compare_part: NULL argument");
  if (i < 0 || i >= r->res.n_parts)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "compare part %d: the report has %d parts (split outputs only)",
                   i, r->res.n_parts);
  figures(&r->res.parts[i], out);
  if (output) *output = r->res.part_output[i];
  return NQ_OK;
}

nq_status nq_compare_task(const nq_compare_report *r, nq_compare_task_figures *out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!r || !out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_compare_task: NULL argument");
  const nq_task_acc *t = &r->task;
  memset(out, 0, sizeof *out);
  out->task = t->task;
  out->detect_layout = t->layout;
  out->ref_detections = t->ref_detections;
  out->test_detections = t->test_detections;
  out->matched = t->matched;
  out->recall = t->ref_detections ? (double)t->matched / (double)t->ref_detections : 1.0;
  out->precision = t->test_detections ? (double)t->matched / (double)t->test_detections : 1.0;
  out->mean_iou = t->matched ? t->iou_sum / (double)t->matched : 0.0;
  out->keypoints = t->keypoints;
  out->mean_keypoint_error = t->keypoints ? t->keypoint_error_sum / (double)t->keypoints : 0.0;
  return NQ_OK;
}

void nq_compare_report_free(nq_compare_report *r) {
  if (!r) return;
  nq_compare_result_free(&r->res);
  free(r);
}
