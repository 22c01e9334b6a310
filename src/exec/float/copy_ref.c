/*
 * RESHAPE, SQUEEZE, EXPAND_DIMS: the element order does not change, so the
 * output is a byte copy of the input (any element type).
 */
#include <string.h>

#include "exec/float/ref.h"

nq_status nq_ref_copy(const nq_kernel_args *a, nq_error *err) {
  size_t nbytes = nq_tview_elems(&a->out[0]) * nq_dtype_size(a->out[0].type);
  if (nq_tview_elems(&a->in[0]) != nq_tview_elems(&a->out[0]))
    return nq_ref_fail(a, err, NQ_ERR_SHAPE, "input and output element counts differ");
  if (a->out[0].data != a->in[0].data) memmove(a->out[0].data, a->in[0].data, nbytes);
  return NQ_OK;
}
