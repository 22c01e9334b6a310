#include "api/array_source.h"

#include <string.h>

#include "core/status.h"

nq_status nq_array_source_init(nq_array_source *a, const nq_graph *g, const float *data, int n_samples,
                               const char *who, nq_error *err) {
  memset(a, 0, sizeof *a);
  if (g->n_inputs > NQ_ARRAY_SOURCE_MAX_INPUTS)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: the model has %d inputs; at most %d are supported", who,
                   g->n_inputs, NQ_ARRAY_SOURCE_MAX_INPUTS);
  if (n_samples < 1)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: %d samples; at least 1 is needed", who, n_samples);
  a->data = data;
  a->n_inputs = g->n_inputs;
  a->n_samples = n_samples;
  for (int i = 0; i < g->n_inputs; i++) {
    a->offset[i] = a->per_sample;
    a->count[i] = nq_tensor_elems(&g->tensors[g->inputs[i]]);
    a->per_sample += a->count[i];
  }
  return NQ_OK;
}

nq_status nq_array_source_fill(void *user, int sample, int input, float *dst, size_t n, nq_error *err) {
  const nq_array_source *a = user;
  if (input < 0 || input >= a->n_inputs || sample < 0 || sample >= a->n_samples)
    return nq_fail(err, NQ_ERR_INTERNAL, "sample %d input %d asked of %d samples of %d inputs", sample, input,
                   a->n_samples, a->n_inputs);
  /* The caller sizes n from the same model the layout came from. */
  if (n != a->count[input])
    return nq_fail(err, NQ_ERR_INTERNAL, "input %d: %zu values asked, the samples hold %zu", input, n,
                   a->count[input]);
  memcpy(dst, a->data + (size_t)sample * a->per_sample + a->offset[input], n * sizeof(float));
  return NQ_OK;
}
