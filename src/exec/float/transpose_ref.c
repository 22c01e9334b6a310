/*
 * TRANSPOSE, type-generic reference: out dim i is input dim perm[i]
 * (perm from input 1, int32/int64, negative entries count from the end).
 */
#include "exec/float/ref.h"

nq_status nq_ref_transpose(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0];
  int64_t perm[NQ_MAX_RANK], st[NQ_MAX_RANK], step[NQ_MAX_RANK], cnt[NQ_MAX_RANK];
  int n;
  if (!nq_ref_ints(&a->in[1], perm, NQ_MAX_RANK, &n) || n != x->rank)
    return nq_ref_fail(a, err, NQ_ERR_FORMAT, "perm must be int32/int64 with one value per dimension");
  int64_t s = 1;
  for (int d = x->rank - 1; d >= 0; d--) {
    st[d] = s;
    s *= x->shape[d];
  }
  for (int i = 0; i < n; i++) {
    int64_t p = perm[i] < 0 ? perm[i] + n : perm[i];
    if (p < 0 || p >= n) return nq_ref_fail(a, err, NQ_ERR_SHAPE, "perm entry %d out of range", i);
    cnt[i] = x->shape[p];
    step[i] = st[p];
  }
  nq_ref_copy_box(a->out[0].data, x->data, nq_dtype_size(x->type), n, cnt, 0, step);
  return NQ_OK;
}
