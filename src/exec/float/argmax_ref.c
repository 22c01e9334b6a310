/*
 * ARG_MAX, reference: index (int32 or int64 output) of the first largest
 * value along the axis in input 1. Input float32, int32, int8 or uint8.
 */
#include "exec/float/ref.h"

nq_status nq_ref_prep_arg_max(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  nq_dtype t = a->in[0].type;
  if ((t != NQ_FLOAT32 && t != NQ_INT32 && t != NQ_INT8 && t != NQ_UINT8) ||
      (a->out[0].type != NQ_INT32 && a->out[0].type != NQ_INT64))
    return nq_ref_type_fail(a, err, "float32/int32/int8/uint8 in, int32/int64 out");
  return NQ_OK;
}

static double value(const nq_tview *x, size_t i) {
  switch (x->type) {
    case NQ_FLOAT32:
      return ((const float *)x->data)[i];
    case NQ_INT32:
      return ((const int32_t *)x->data)[i];
    case NQ_INT8:
      return ((const int8_t *)x->data)[i];
    default:
      return ((const uint8_t *)x->data)[i];
  }
}

nq_status nq_ref_arg_max(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0];
  int64_t axv;
  int n;
  if (!nq_ref_ints(&a->in[1], &axv, 1, &n) || n != 1)
    return nq_ref_fail(a, err, NQ_ERR_FORMAT, "axis must be one int");
  int axis = (int)(axv < 0 ? axv + x->rank : axv);
  if (axis < 0 || axis >= x->rank)
    return nq_ref_fail(a, err, NQ_ERR_SHAPE, "axis %lld out of range", (long long)axv);
  size_t outer = 1, inner = 1, dim = (size_t)x->shape[axis];
  for (int d = 0; d < axis; d++) outer *= (size_t)x->shape[d];
  for (int d = axis + 1; d < x->rank; d++) inner *= (size_t)x->shape[d];
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++) {
      size_t best = 0;
      double bv = value(x, o * dim * inner + i);
      for (size_t k = 1; k < dim; k++) {
        double v = value(x, (o * dim + k) * inner + i);
        if (v > bv) {
          bv = v;
          best = k;
        }
      }
      if (a->out[0].type == NQ_INT32)
        ((int32_t *)a->out[0].data)[o * inner + i] = (int32_t)best;
      else
        ((int64_t *)a->out[0].data)[o * inner + i] = (int64_t)best;
    }
  return NQ_OK;
}
