/*
 * Which of a test model's outputs hold each reference output: the same
 * position, or, for a model converted with --split-outputs, the parts its
 * "npuquant_split_outputs" record (quant/split_outputs.h) lists, with where
 * each element of the original output lies among them. The record comes
 * from a file, so every number is checked against the two models before it
 * indexes anything.
 */
#ifndef NQ_REPORT_SPLIT_PARTS_H
#define NQ_REPORT_SPLIT_PARTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "ir/graph.h"

typedef struct nq_output_parts {
  int n_parts;    /* 1: a whole output (pos[0]); more: split */
  int *pos;       /* the test model's output positions, n_parts */
  size_t n;       /* elements of the reference output */
  int32_t *part;  /* split: per element of the reference output, its part */
  int32_t *elem;  /*        and its index among the parts' elements laid end
                     to end in part order; NULL when whole */
  int first_part; /* split: this output's first part among all split outputs' parts */
} nq_output_parts;

typedef struct nq_output_map {
  int n; /* reference outputs */
  nq_output_parts *o;
  int n_parts_total; /* parts over the split outputs (0: nothing split) */
} nq_output_map;

/* Build the map of test's outputs onto ref's; without a record the models
 * need as many outputs of the same sizes. */
nq_status nq_output_map_build(const nq_graph *ref, const nq_graph *test, nq_output_map *m, nq_error *err);
void nq_output_map_free(nq_output_map *m);

#endif
