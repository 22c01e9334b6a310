/*
 * PAD, PADV2, MIRROR_PAD, type-generic reference. paddings (input 1) is
 * [rank, 2] int32/int64: before/after per dimension.
 *   PAD fills with 0 (the zero point for quantized tensors);
 *   PADV2 fills with its scalar input 2;
 *   MIRROR_PAD mode 0 REFLECT (edge not repeated), 1 SYMMETRIC (repeated).
 */
#include <string.h>

#include "exec/float/ref.h"

static int64_t mirror(int64_t i, int64_t n, int mode) {
  if (i < 0) return mode == 0 ? -i : -i - 1;
  if (i >= n) return mode == 0 ? 2 * n - 2 - i : 2 * n - 1 - i;
  return i;
}

nq_status nq_ref_pad(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *o = &a->out[0];
  int64_t pads[2 * NQ_MAX_RANK], st[NQ_MAX_RANK];
  int np;
  if (!nq_ref_ints(&a->in[1], pads, 2 * NQ_MAX_RANK, &np) || np != 2 * x->rank)
    return nq_ref_fail(a, err, NQ_ERR_FORMAT, "paddings must be int32/int64 [rank, 2]");
  size_t es = nq_dtype_size(x->type), n = nq_tview_elems(o);
  unsigned char fill[8] = {0};
  if (a->node->op == NQ_OP_PADV2 && a->n_in > 2 && a->in[2].data) {
    memcpy(fill, a->in[2].data, es);
  } else if (o->q && o->q->n == 1 && es <= 2) {
    int64_t zp = o->q->zero_point[0];
    if (o->type == NQ_INT8) {
      int8_t v = (int8_t)zp;
      memcpy(fill, &v, 1);
    } else if (o->type == NQ_UINT8) {
      uint8_t v = (uint8_t)zp;
      memcpy(fill, &v, 1);
    } else if (o->type == NQ_INT16) {
      int16_t v = (int16_t)zp;
      memcpy(fill, &v, 2);
    }
  }
  int64_t s = 1;
  for (int d = x->rank - 1; d >= 0; d--) {
    st[d] = s;
    s *= x->shape[d];
  }
  bool is_mirror = a->node->op == NQ_OP_MIRROR_PAD;
  int idx[NQ_MAX_RANK] = {0};
  for (size_t k = 0; k < n; k++) {
    int64_t off = 0;
    bool inside = true;
    for (int d = 0; d < o->rank; d++) {
      int64_t i = idx[d] - pads[2 * d];
      if (is_mirror) i = mirror(i, x->shape[d], a->p->mirror_mode);
      if (i < 0 || i >= x->shape[d]) {
        inside = false;
        break;
      }
      off += i * st[d];
    }
    char *dst = (char *)o->data + k * es;
    if (inside)
      memcpy(dst, (const char *)x->data + (size_t)off * es, es);
    else
      memcpy(dst, fill, es);
    for (int d = o->rank - 1; d >= 0; d--) {
      if (++idx[d] < o->shape[d]) break;
      idx[d] = 0;
    }
  }
  return NQ_OK;
}
