/*
 * STRIDED_SLICE's index arithmetic, shared by shape inference and the
 * kernels so both agree on what a begin/end/strides triple plus masks means.
 *
 * TFLite/TensorFlow semantics: the "sparse" spec (one entry per element of
 * begin/end/strides, with ellipsis and new-axis entries) is expanded into a
 * "dense" spec with one entry per input dimension. Each dense dimension gets
 * a canonical begin (clamped into range, negative indices counted from the
 * end), a stride and an element count; shrink-axis dimensions have count 1
 * and are dropped from the output shape, new-axis entries add a 1.
 */
#ifndef NQ_IR_STRIDED_SLICE_H
#define NQ_IR_STRIDED_SLICE_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/graph.h"

typedef struct nq_slice_plan {
  int in_rank;
  int64_t begin[NQ_MAX_RANK];  /* first index per input dimension */
  int64_t stride[NQ_MAX_RANK]; /* step per input dimension (never 0) */
  int64_t count[NQ_MAX_RANK];  /* elements taken per input dimension (>= 0) */
  int out_rank;
  int32_t out_shape[NQ_MAX_RANK];
} nq_slice_plan;

/* Build the plan. `n` is the length of begin/end/strides. Returns false and
 * writes a reason into why[whylen] when the spec is invalid. */
bool nq_strided_slice_plan(const int32_t *in_shape, int in_rank, const int64_t *begin, const int64_t *end,
                           const int64_t *strides, int n, const nq_op_params *p, nq_slice_plan *out,
                           char *why, size_t whylen);

#endif
