/*
 * Per-layer diagnosis of an int8 model (`convert` when a model collapses,
 * or with --diagnose): which layers add the most error, why, and what to
 * try. Built only from the public API: a per-tensor comparison (float
 * tensor vs int8 tensor of the same name), the int8 weights, and a
 * histogram of the int8 codes each activation takes on a few samples.
 */
#ifndef NQ_CLI_DIAGNOSE_H
#define NQ_CLI_DIAGNOSE_H

#include <stdio.h>

#include "npuquant.h"

struct json_out;

#define CLI_DIAG_WORST 5

/* One layer, ranked by the error it adds. */
typedef struct cli_diag_layer {
  int node;           /* -1 - k for the model's input k (its int8 rounding) */
  char label[160];    /* "node 3 (CONV_2D 'conv1')" or "input 'x'", printable */
  double sqnr_in_db;  /* worst input activation (+inf: exact or constant) */
  double sqnr_out_db; /* its output */
  double added;       /* dB the SQNR falls across it (inputs capped at int8's 48.16 dB) */
  char cause[256];
  char suggestion[256];
} cli_diag_layer;

/* Codes of one int8 activation over the sampled runs. */
typedef struct cli_diag_hist {
  int tensor; /* in the int8 model */
  char name[96];
  float scale;
  int zero_point;
  double count[256]; /* by code + 128 */
  /* The float model's values of the same tensor over the same samples:
   * how many there were (0: no float twin) and how many lay beyond the
   * int8 range by more than half a step, i.e. were clipped by the range
   * rather than by the op itself (a ReLU6 at 6 fills the top code too). */
  double float_values, float_clipped;
} cli_diag_hist;

/* The range of one weight tensor per output channel: max |w| of each
 * channel as the int8 codes and scales give it back. */
typedef struct cli_diag_weights {
  int node;
  char label[160];
  int per_channel; /* the tensor has one scale per channel */
  int n_channels;
  float *range; /* n_channels values */
} cli_diag_weights;

typedef struct cli_diagnosis {
  int n_samples;
  int n_layers;
  cli_diag_layer worst[CLI_DIAG_WORST];
  /* every layer's SQNR in node order, for the report's bar chart */
  int n_all;
  cli_diag_layer *all;
  int n_hist;
  cli_diag_hist *hist;
  int per_tensor_weights; /* the model has per-tensor conv weights */
  int n_weights;
  cli_diag_weights *weights;
} cli_diagnosis;

/* Diagnose int8 model qm against float model fm on the samples of src
 * (the per-tensor comparison runs on all of them, the histograms on at
 * most 32). */
nq_status cli_diagnose(const nq_model *fm, const nq_model *qm, const nq_sample_source *src, int threads,
                       cli_diagnosis *out, nq_error *err);
void cli_diagnosis_free(cli_diagnosis *d);
void cli_diagnosis_print(const cli_diagnosis *d, FILE *f);
void cli_diagnosis_json(struct json_out *j, const cli_diagnosis *d);

#endif
