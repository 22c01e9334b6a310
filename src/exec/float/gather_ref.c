/*
 * GATHER, type-generic reference (batch_dims 0):
 *   out[outer, idx..., inner] = params[outer, indices[idx...], inner]
 * with `axis` splitting params into outer x axis x inner. Indices are int32
 * or int64 and must lie in [0, params.shape[axis]); anything else is an
 * error naming the node, never an out-of-bounds read.
 */
#include <string.h>

#include "exec/float/ref.h"

nq_status nq_ref_prep_gather(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in < 2 || (a->in[1].type != NQ_INT32 && a->in[1].type != NQ_INT64) ||
      a->in[0].type != a->out[0].type || nq_dtype_size(a->in[0].type) == 0)
    return nq_ref_type_fail(a, err, "params and output of one type, int32/int64 indices");
  return NQ_OK;
}

nq_status nq_ref_gather(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *ix = &a->in[1];
  int axis = a->p->axis < 0 ? a->p->axis + x->rank : a->p->axis;
  size_t es = nq_dtype_size(x->type), outer = 1, inner = 1;
  for (int d = 0; d < axis; d++) outer *= (size_t)x->shape[d];
  for (int d = axis + 1; d < x->rank; d++) inner *= (size_t)x->shape[d];
  size_t ni = nq_tview_elems(ix), dim = (size_t)x->shape[axis], blk = inner * es;
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < ni; i++) {
      int64_t k = ix->type == NQ_INT32 ? ((const int32_t *)ix->data)[i] : ((const int64_t *)ix->data)[i];
      if (k < 0 || (size_t)k >= dim)
        return nq_ref_fail(a, err, NQ_ERR_NUMERIC, "index %lld at position %zu is outside [0, %zu)",
                           (long long)k, i, dim);
      memcpy((char *)a->out[0].data + (o * ni + i) * blk, (const char *)x->data + (o * dim + (size_t)k) * blk,
             blk);
    }
  return NQ_OK;
}
