/*
 * MEAN SUM REDUCE_PROD REDUCE_MAX REDUCE_MIN over the axes in input 1
 * (int32/int64, negative axes allowed, repeats ignored), float32 reference.
 * keep_dims only changes the output shape, not the element order, so the
 * kernel works on the keep-dims layout. Sums and products accumulate in
 * double in the scratch buffer (one per output element).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "exec/float/ref.h"

size_t nq_ref_reduce_scratch(const nq_kernel_args *a) { return nq_tview_elems(&a->out[0]) * sizeof(double); }

nq_status nq_ref_reduce(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0];
  int64_t axes[16];
  int na;
  if (!nq_ref_ints(&a->in[1], axes, 16, &na))
    return nq_ref_fail(a, err, NQ_ERR_FORMAT, "axes operand is not int32/int64 with <= 16 values");
  bool red[NQ_MAX_RANK] = {false};
  for (int i = 0; i < na; i++) {
    int64_t ax = axes[i] < 0 ? axes[i] + x->rank : axes[i];
    if (ax < 0 || ax >= x->rank)
      return nq_ref_fail(a, err, NQ_ERR_SHAPE, "axis %lld out of range", (long long)axes[i]);
    red[ax] = true;
  }
  /* Output strides in the keep-dims layout; 0 on reduced dims. */
  size_t ost[NQ_MAX_RANK], s = 1, count = 1;
  for (int d = x->rank - 1; d >= 0; d--) {
    ost[d] = red[d] ? 0 : s;
    if (!red[d])
      s *= (size_t)x->shape[d];
    else
      count *= (size_t)x->shape[d];
  }
  size_t on = nq_tview_elems(&a->out[0]), n = nq_tview_elems(x);
  double *acc = a->scratch;
  nq_op op = a->node->op;
  double init = op == NQ_OP_REDUCE_PROD  ? 1.0
                : op == NQ_OP_REDUCE_MAX ? -INFINITY
                : op == NQ_OP_REDUCE_MIN ? INFINITY
                                         : 0.0;
  for (size_t i = 0; i < on; i++) acc[i] = init;
  const float *in = x->data;
  int idx[NQ_MAX_RANK] = {0};
  size_t oi = 0;
  for (size_t k = 0; k < n; k++) {
    double v = in[k];
    switch (op) {
      case NQ_OP_REDUCE_PROD:
        acc[oi] *= v;
        break;
      case NQ_OP_REDUCE_MAX:
        if (v > acc[oi]) acc[oi] = v;
        break;
      case NQ_OP_REDUCE_MIN:
        if (v < acc[oi]) acc[oi] = v;
        break;
      default:
        acc[oi] += v;
        break;
    }
    for (int d = x->rank - 1; d >= 0; d--) {
      oi += ost[d];
      if (++idx[d] < x->shape[d]) break;
      oi -= ost[d] * (size_t)x->shape[d];
      idx[d] = 0;
    }
  }
  float *out = a->out[0].data;
  for (size_t i = 0; i < on; i++) {
    double v = acc[i];
    if (op == NQ_OP_MEAN) v = count ? v / (double)count : 0.0;
    out[i] = (float)v;
  }
  return NQ_OK;
}
