/*
 * Printing what `convert` did and what `compare` measured: op counts,
 * sizes, stage times and the float-vs-int8 figures per output (and per
 * tensor), as text or JSON. Printing only; the numbers come from the
 * library (nq_compare_report, nq_npu_result).
 */
#ifndef NQ_CLI_REPORT_H
#define NQ_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "npuquant.h"

typedef struct cli_report_times {
  double load, calibrate, quantize, write, evaluate;
} cli_report_times;

typedef struct cli_report {
  const char *command; /* "convert" or "compare" */
  const nq_model *float_model, *int8_model;
  const char *float_path, *int8_path;
  size_t float_bytes, int8_bytes;
  const cli_report_times *times; /* NULL: not printed */
  const nq_compare_report *cmp;
  int n_samples;
  bool eval_is_calibration;
  bool have_labels;
  const char *npu_target;                /* "imx8mp" or NULL: no NPU report */
  int single_rounding;                   /* the int8 rounding the figures were measured with */
  const struct cli_recipe *recipe;       /* convert: the recipe used; NULL: none */
  const struct cli_diagnosis *diagnosis; /* the worst layers; NULL: not diagnosed */
  int n_samples_of;                      /* n_samples were evenly spread over this many (0: n_samples) */
} cli_report;

void cli_report_print(const cli_report *r, int json);

/* The NPU section alone (text), for `inspect --npu`: returns the number of
 * nodes that fall back to the CPU, or -1 with the error printed. */
int cli_report_npu(const nq_model *m, const char *target, FILE *f);

struct json_out;
/* The NPU report as a JSON object member "npu". */
void cli_report_npu_json(struct json_out *j, const nq_model *m, const char *target);

#endif
