/*
 * Samples held in one float array, for nq_convert_arrays and
 * nq_compare_arrays: sample k is the concatenation of every model input's
 * float32 values in input order, samples back to back.
 */
#ifndef NQ_API_ARRAY_SOURCE_H
#define NQ_API_ARRAY_SOURCE_H

#include <stddef.h>

#include "ir/graph.h"
#include "npuquant.h"

/* Enough for every model seen so far; more inputs is NQ_ERR_UNSUPPORTED. */
#define NQ_ARRAY_SOURCE_MAX_INPUTS 64

typedef struct nq_array_source {
  const float *data;
  size_t per_sample;                         /* floats per sample, all inputs */
  size_t offset[NQ_ARRAY_SOURCE_MAX_INPUTS]; /* where input i starts in a sample */
  size_t count[NQ_ARRAY_SOURCE_MAX_INPUTS];  /* input i's element count */
  int n_inputs;
  int n_samples;
} nq_array_source;

/* Lay out n_samples samples of g's inputs over data. `who` names the
 * calling function in messages. */
nq_status nq_array_source_init(nq_array_source *a, const nq_graph *g, const float *data, int n_samples,
                               const char *who, nq_error *err);

/* An nq_fill_fn over an nq_array_source (user). */
nq_status nq_array_source_fill(void *user, int sample, int input, float *dst, size_t n, nq_error *err);

#endif
