#include "calib/sample_memo.h"

#include <stdlib.h>
#include <string.h>

#include "core/budget.h"
#include "core/checked.h"
#include "core/status.h"

static size_t input_elems(const nq_graph *g, int i) { return nq_tensor_elems(&g->tensors[g->inputs[i]]); }

static nq_status memo_fill(void *ctx, int sample, int input, float *dst, size_t n, nq_error *err) {
  const nq_sample_memo *m = ctx;
  if (sample < 0 || sample >= m->src.n_samples || input < 0 || input >= m->g->n_inputs ||
      n != input_elems(m->g, input))
    return nq_fail(err, NQ_ERR_INTERNAL, "sample %d input %d (%zu values) is not in the memo", sample, input,
                   n);
  size_t at = (size_t)sample * m->per_sample;
  for (int i = 0; i < input; i++) at += input_elems(m->g, i);
  memcpy(dst, m->values + at, n * sizeof(float));
  return NQ_OK;
}

static nq_status forward_fill(void *ctx, int sample, int input, float *dst, size_t n, nq_error *err) {
  const nq_sample_memo *m = ctx;
  return m->from->fill(m->from->ctx, sample, input, dst, n, err);
}

static const char *memo_name(void *ctx, int sample) {
  const nq_sample_memo *m = ctx;
  return m->from->name ? m->from->name(m->from->ctx, sample) : NULL;
}

nq_status nq_sample_memo_init(nq_sample_memo *m, const nq_sample_source *from, const nq_graph *g,
                              size_t max_bytes, nq_error *err) {
  memset(m, 0, sizeof *m);
  m->from = from;
  m->g = g;
  nq_sample_source_init(&m->src);
  m->src.n_samples = from->n_samples;
  m->src.fill = forward_fill;
  m->src.name = memo_name;
  m->src.ctx = m;
  size_t per = 0, bytes = 0;
  bool fits = from->n_samples > 0;
  for (int i = 0; i < g->n_inputs && fits; i++) fits = nq_add_size(per, input_elems(g, i), &per);
  fits = fits && nq_mul_size(per, (size_t)from->n_samples, &bytes) &&
         nq_mul_size(bytes, sizeof(float), &bytes) && bytes > 0 && bytes <= max_bytes;
  if (!fits || nq_budget_take(bytes, "the samples kept in memory", NULL) != NQ_OK) return NQ_OK;
  m->values = malloc(bytes);
  if (!m->values) {
    nq_budget_give(bytes);
    return NQ_OK;
  }
  m->taken = bytes;
  m->per_sample = per;
  for (int k = 0; k < from->n_samples; k++) {
    float *dst = m->values + (size_t)k * per;
    for (int i = 0; i < g->n_inputs; i++) {
      nq_status st = from->fill(from->ctx, k, i, dst, input_elems(g, i), err);
      if (st != NQ_OK) {
        nq_sample_memo_free(m);
        return st;
      }
      dst += input_elems(g, i);
    }
  }
  m->src.fill = memo_fill;
  return NQ_OK;
}

void nq_sample_memo_free(nq_sample_memo *m) {
  free(m->values);
  if (m->taken) nq_budget_give(m->taken);
  m->values = NULL;
  m->taken = 0;
  m->src.fill = forward_fill;
}
