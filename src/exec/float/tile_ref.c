/*
 * TILE, type-generic reference: out[i] = in[i mod in_shape] per dimension,
 * multiples from input 1.
 */
#include <string.h>

#include "exec/float/ref.h"

nq_status nq_ref_tile(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *o = &a->out[0];
  size_t es = nq_dtype_size(x->type), n = nq_tview_elems(o);
  int64_t st[NQ_MAX_RANK], s = 1;
  for (int d = x->rank - 1; d >= 0; d--) {
    st[d] = s;
    s *= x->shape[d];
  }
  int idx[NQ_MAX_RANK] = {0};
  for (size_t k = 0; k < n; k++) {
    int64_t off = 0;
    for (int d = 0; d < o->rank; d++) off += (int64_t)(idx[d] % x->shape[d]) * st[d];
    memcpy((char *)o->data + k * es, (const char *)x->data + (size_t)off * es, es);
    for (int d = o->rank - 1; d >= 0; d--) {
      if (++idx[d] < o->shape[d]) break;
      idx[d] = 0;
    }
  }
  (void)err;
  return NQ_OK;
}
