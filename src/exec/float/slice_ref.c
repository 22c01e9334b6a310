/*
 * SLICE and STRIDED_SLICE, type-generic reference. Both become an N-d box
 * copy: a start offset, a count and a (possibly negative) stride per input
 * dimension. STRIDED_SLICE's masks are resolved by nq_strided_slice_plan,
 * the same code shape inference uses.
 */
#include "exec/float/ref.h"
#include "ir/strided_slice.h"

static void in_strides(const nq_tview *x, int64_t *st) {
  int64_t s = 1;
  for (int d = x->rank - 1; d >= 0; d--) {
    st[d] = s;
    s *= x->shape[d];
  }
}

nq_status nq_ref_slice(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0];
  int64_t b[NQ_MAX_RANK], z[NQ_MAX_RANK], st[NQ_MAX_RANK], cnt[NQ_MAX_RANK];
  int nb, nz;
  if (!nq_ref_ints(&a->in[1], b, NQ_MAX_RANK, &nb) || !nq_ref_ints(&a->in[2], z, NQ_MAX_RANK, &nz) ||
      nb != x->rank || nz != x->rank)
    return nq_ref_fail(a, err, NQ_ERR_FORMAT, "begin/size must be int32/int64 with one value per dimension");
  in_strides(x, st);
  int64_t start = 0;
  for (int d = 0; d < x->rank; d++) {
    cnt[d] = a->out[0].shape[d];
    if (b[d] < 0 || b[d] + cnt[d] > x->shape[d])
      return nq_ref_fail(a, err, NQ_ERR_SHAPE, "slice exceeds dimension %d", d);
    start += b[d] * st[d];
  }
  nq_ref_copy_box(a->out[0].data, x->data, nq_dtype_size(x->type), x->rank, cnt, start, st);
  return NQ_OK;
}

nq_status nq_ref_strided_slice(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0];
  int64_t b[16], e[16], s[16], st[NQ_MAX_RANK], step[NQ_MAX_RANK];
  int nb, ne, ns;
  if (!nq_ref_ints(&a->in[1], b, 16, &nb) || !nq_ref_ints(&a->in[2], e, 16, &ne) ||
      !nq_ref_ints(&a->in[3], s, 16, &ns) || nb != ne || nb != ns)
    return nq_ref_fail(a, err, NQ_ERR_FORMAT, "begin/end/strides must be int32/int64 of one length");
  nq_slice_plan plan;
  char why[160];
  if (!nq_strided_slice_plan(x->shape, x->rank, b, e, s, nb, a->p, &plan, why, sizeof why))
    return nq_ref_fail(a, err, NQ_ERR_SHAPE, "%s", why);
  if (plan.out_rank != a->out[0].rank)
    return nq_ref_fail(a, err, NQ_ERR_SHAPE, "output rank disagrees with the slice");
  in_strides(x, st);
  int64_t start = 0;
  for (int d = 0; d < x->rank; d++) {
    start += plan.begin[d] * st[d];
    step[d] = plan.stride[d] * st[d];
  }
  nq_ref_copy_box(a->out[0].data, x->data, nq_dtype_size(x->type), x->rank, plan.count, start, step);
  return NQ_OK;
}
