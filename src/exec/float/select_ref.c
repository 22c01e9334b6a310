/*
 * SELECT_V2: out = cond ? x : y, with numpy broadcasting of all three
 * (TFLite select.cc, SELECT_V2). Byte-generic: it only copies elements, so it
 * serves float32, int32 and quantized data alike (nq_ref_prep_move checks one
 * type and one quantization for x, y and out, as TFLite's int8 SELECT_V2
 * copies raw values; the quantizer gives them one scale).
 */
#include <string.h>

#include "exec/float/ref.h"

nq_status nq_ref_select(const nq_kernel_args *a, nq_error *err) {
  (void)err;
  const nq_tview *c = &a->in[0], *x = &a->in[1], *y = &a->in[2], *o = &a->out[0];
  size_t sc[NQ_MAX_RANK], sx[NQ_MAX_RANK], sy[NQ_MAX_RANK];
  int idx[NQ_MAX_RANK] = {0};
  nq_ref_broadcast_strides(c, o, sc);
  nq_ref_broadcast_strides(x, o, sx);
  nq_ref_broadcast_strides(y, o, sy);
  const size_t es = nq_dtype_size(o->type), n = nq_tview_elems(o);
  const uint8_t *cond = c->data;
  size_t ic = 0, ix = 0, iy = 0;
  for (size_t k = 0; k < n; k++) {
    const char *src = cond[ic] ? (const char *)x->data + ix * es : (const char *)y->data + iy * es;
    memcpy((char *)o->data + k * es, src, es);
    /* Advance the output multi-index (odometer), keeping the three offsets. */
    for (int d = o->rank - 1; d >= 0; d--) {
      idx[d]++;
      ic += sc[d], ix += sx[d], iy += sy[d];
      if (idx[d] < o->shape[d]) break;
      ic -= sc[d] * (size_t)idx[d], ix -= sx[d] * (size_t)idx[d], iy -= sy[d] * (size_t)idx[d];
      idx[d] = 0;
    }
  }
  return NQ_OK;
}
