/*
 * How far one model is from another on the same samples: usually the float
 * model (reference) against its int8 version (test). Both run in our own
 * executors; the test model's int8/uint8 inputs are quantized from the same
 * float samples with its input parameters, and its quantized outputs and
 * tensors are dequantized before comparing.
 *
 * Figures per output (and, on request, per tensor matched by name):
 *  - SQNR = 10 log10(sum ref^2 / sum (ref - test)^2) in dB (higher is better;
 *    +inf when identical);
 *  - max |ref - test|, RMSE, and RMSE / scale (error in quantization steps);
 *  - top-1 agreement for class scores: outputs shaped [1, N] or [N], N > 1,
 *    that come from a SOFTMAX/LOG_SOFTMAX, or are the model's only output,
 *    or any such output when labels are given (not for landmarks or boxes).
 */
#ifndef NQ_REPORT_COMPARE_H
#define NQ_REPORT_COMPARE_H

#include "calib/calibrate.h"
#include "npuquant.h"
#include "report/detect_match.h"
#include "report/split_parts.h"

typedef struct nq_metrics {
  char name[160];
  int tensor_ref, tensor_test; /* indices in each model */
  double sum_ref2, sum_err2, max_abs;
  size_t count;
  float scale;       /* test tensor's quantization scale, 0 if float */
  bool classifier;   /* class scores: top-1 figures are kept */
  bool class_shaped; /* shaped [1, N] / [N] (N > 1), class scores or not */
  int top1_agree, n_samples;
  int ref_correct, test_correct; /* top-1 equal to the label (when labels are given) */
} nq_metrics;

double nq_metrics_sqnr_db(const nq_metrics *m);
double nq_metrics_rmse(const nq_metrics *m);

typedef struct nq_compare_result {
  int n_outputs;
  nq_metrics *outputs;
  int n_tensors; /* 0 unless per-tensor figures were asked for */
  nq_metrics *tensors;
  /* Each output's squared error on each sample ([output * n_samples +
   * sample]): how much of the total one sample holds, for a paired test
   * between two int8 models on the same samples (api/recipe_score.c). */
  int n_samples;
  double *sample_err2;
  /* With labels: 1 where the test model's top-1 of that output equals the
   * sample's label ([output * n_samples + sample]), else 0. */
  unsigned char *sample_correct;
  /* A test model converted with --split-outputs: its parts are put back
   * into the reference's outputs above, and measured each on its own here
   * (named as the test model's part outputs), part_output[i] being the
   * reference output part i belongs to. */
  int n_parts;
  nq_metrics *parts;
  int *part_output;
  /* Each part's squared error on each sample ([part * n_samples + sample]),
   * as sample_err2. */
  double *part_sample_err2;
} nq_compare_result;

/* labels: one class index per sample (n_labels == src->n_samples), or NULL;
 * with labels, each classifier output also counts how often each model's
 * top-1 equals the label (accuracy). */
nq_status nq_compare_models(const nq_graph *ref, const nq_graph *test, const nq_sample_source *src,
                            bool per_tensor, const int32_t *labels, size_t n_labels,
                            const nq_session_options *opts, nq_compare_result *out, nq_error *err);
/* The same, also accumulating a task-level comparison (report/detect_match.h)
 * into task (initialised with nq_task_init; may be NULL), and measuring the
 * reference's column parts (report/column_parts.h; may be NULL) where the
 * test model has no split outputs. */
nq_status nq_compare_models_task(const nq_graph *ref, const nq_graph *test, const nq_sample_source *src,
                                 bool per_tensor, const int32_t *labels, size_t n_labels,
                                 const nq_session_options *opts, const nq_output_map *columns,
                                 nq_task_acc *task, nq_compare_result *out, nq_error *err);
void nq_compare_result_free(nq_compare_result *r);

/* The reference model's outputs on every sample of a source, as float, kept
 * so that judging several test models (the automatic recipe's candidates)
 * runs the float model once instead of once per candidate. */
typedef struct nq_ref_outputs {
  int n_samples;
  size_t per_sample; /* floats: every output's elements, in output order */
  float *v;          /* n_samples * per_sample, NULL: not kept (over max_bytes) */
} nq_ref_outputs;

/* Leaves out->v NULL (and returns NQ_OK) when they would take more than
 * max_bytes: the caller then compares with nq_compare_models as before. */
nq_status nq_ref_outputs_compute(const nq_graph *ref, const nq_sample_source *src,
                                 const nq_session_options *opts, size_t max_bytes, nq_ref_outputs *out,
                                 nq_error *err);
void nq_ref_outputs_free(nq_ref_outputs *r);

/* nq_compare_models (outputs only) with the reference outputs from
 * nq_ref_outputs_compute on the same graph and source (ro NULL or not kept:
 * the reference model is run here). columns (may be NULL): the reference's
 * column parts (report/column_parts.h), measured as parts when the test
 * model has no split outputs of its own. */
nq_status nq_compare_with_ref(const nq_graph *ref, const nq_ref_outputs *ro, const nq_graph *test,
                              const nq_sample_source *src, const int32_t *labels, size_t n_labels,
                              const nq_session_options *opts, const nq_output_map *columns,
                              nq_compare_result *out, nq_error *err);

#endif
