/*
 * How the automatic recipe (api/recipe.c) judges a candidate on the
 * held-out samples and when one candidate beats another.
 *
 * The score is the SQNR of the worst output (or output part) against the float model; with
 * labels, the number of held-out samples whose int8 top-1 equals the label
 * comes first and the SQNR breaks ties. Either way a later candidate beats
 * the best so far only by more than the held-out samples can tell apart
 * from chance: fifty-odd samples measure a few tenths of a dB, or two
 * samples of accuracy, poorly, and every later candidate is a costlier,
 * more elaborate recipe. Accuracy: McNemar's test on the samples the two
 * get differently right (b for the later one, c for the best:
 * (b - c)^2 / (b + c) > 4, about 2 standard errors); when that does not
 * decide, SQNR: higher, and the per-sample errors of the best's worst output
 * lower by the paired test below.
 */
#ifndef NQ_API_RECIPE_SCORE_H
#define NQ_API_RECIPE_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "npuquant.h"
#include "report/compare.h"

/* A later candidate's summed error must fall by this many standard errors
 * of the paired per-sample difference (one-sided, about 97.7 %). */
#define NQ_RECIPE_SIGNIFICANCE 2.0

typedef struct nq_recipe_score {
  double sqnr_db;           /* worst output; NaN: not measured (never wins) */
  int worst;                /* that unit: an output, or a part of one (below) */
  char worst_name[160];     /* its name (OUTPUT, OUTPUT:partK or OUTPUT:columnsK) */
  int top1_agree;           /* first classifier output: samples whose top-1 agrees with float, -1: none */
  int correct;              /* with labels: samples whose int8 top-1 equals the label, -1: no labels */
  int n_samples, n_outputs; /* n_outputs: units judged */
  double *err2;             /* [unit * n_samples + sample] */
  unsigned char *ok;        /* with labels: [sample] 1 where the int8 top-1 is the label */
} nq_recipe_score;

/* Run qm (and fm, unless ref holds its outputs) on `val`; labels (may be
 * NULL) holds one class index per sample of val. The units judged are the
 * outputs, each split into its parts where qm split it (--split-outputs) or
 * where `columns` (fm's column parts, report/column_parts.h; may be NULL)
 * gives it parts: a detector's scores count beside its pixel boxes. */
nq_status nq_recipe_score_measure(const nq_model *fm, const nq_ref_outputs *ref, const nq_model *qm,
                                  const nq_sample_source *val, const int32_t *labels, int threads,
                                  const nq_output_map *columns, nq_recipe_score *out, nq_error *err);

/* 1 when `cand` beats `best` (both measured on the same samples). */
int nq_recipe_score_better(const nq_recipe_score *cand, const nq_recipe_score *best);

/* Paired test: does b's summed error over samples fall below a's by more
 * than NQ_RECIPE_SIGNIFICANCE standard errors? (n samples each) */
int nq_recipe_significantly_lower(const double *a, const double *b, int n);

/* McNemar: -1, 0 or 1 when b's per-sample correctness (0/1) is
 * significantly worse, not distinguishable or significantly better than a's. */
int nq_recipe_accuracy_differs(const unsigned char *a, const unsigned char *b, int n);

void nq_recipe_score_free(nq_recipe_score *s);

/* Labels for the recipe's choice: one class index per sample, each an
 * element index of a model output; message names the wrong one. */
nq_status nq_recipe_labels_check(const nq_model *fm, const int32_t *labels, size_t n_labels, int n_samples,
                                 nq_error *err);

#endif
