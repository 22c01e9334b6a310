/*
 * How the automatic recipe (api/recipe.c) judges a candidate on the
 * held-out samples and when one candidate beats another.
 *
 * The score is the SQNR of the worst output against the float model; with
 * labels, the number of held-out samples whose int8 top-1 equals the label
 * comes first and the SQNR breaks ties. A later candidate beats the best so
 * far only when its SQNR is higher by more than the held-out samples can
 * tell apart from chance: the paired test below, on the per-sample squared
 * errors of the best's worst output. Fifty-odd samples measure a few
 * tenths of a dB of difference poorly, and every later candidate is a
 * costlier, more elaborate recipe.
 */
#ifndef NQ_API_RECIPE_SCORE_H
#define NQ_API_RECIPE_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "npuquant.h"

/* A later candidate's summed error must fall by this many standard errors
 * of the paired per-sample difference (one-sided, about 97.7 %). */
#define NQ_RECIPE_SIGNIFICANCE 2.0

typedef struct nq_recipe_score {
  double sqnr_db; /* worst output; NaN: not measured (never wins) */
  int worst;      /* that output */
  int top1_agree; /* first classifier output: samples whose top-1 agrees with float, -1: none */
  int correct;    /* with labels: samples whose int8 top-1 equals the label, -1: no labels */
  int n_samples, n_outputs;
  double *err2; /* [output * n_samples + sample] */
} nq_recipe_score;

/* Run fm and qm on `val`; labels (may be NULL) holds one class index per
 * sample of val. */
nq_status nq_recipe_score_measure(const nq_model *fm, const nq_model *qm, const nq_sample_source *val,
                                  const int32_t *labels, int threads, nq_recipe_score *out, nq_error *err);

/* 1 when `cand` beats `best` (both measured on the same samples). */
int nq_recipe_score_better(const nq_recipe_score *cand, const nq_recipe_score *best);

/* Paired test: does b's summed error over samples fall below a's by more
 * than NQ_RECIPE_SIGNIFICANCE standard errors? (n samples each) */
int nq_recipe_significantly_lower(const double *a, const double *b, int n);

void nq_recipe_score_free(nq_recipe_score *s);

/* Labels for the recipe's choice: one class index per sample, each an
 * element index of a model output; message names the wrong one. */
nq_status nq_recipe_labels_check(const nq_model *fm, const int32_t *labels, size_t n_labels, int n_samples,
                                 nq_error *err);

#endif
