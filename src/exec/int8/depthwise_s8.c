/*
 * Integer DEPTHWISE_CONV_2D (TFLite reference_integer_ops::
 * DepthwiseConvPerChannel semantics; uint8 legacy models through the same
 * loops). The fast variant is depthwise_s8_fast.c.
 *
 * Layouts: input [N, H, W, C_in]; weights [1, KH, KW, C_in * M] (M the
 * depth multiplier, output channel c * M + m reads input channel c);
 * output [N, OH, OW, C_in * M].
 *
 * Padding is TFLite's: the leading pad of SAME is floor(total / 2) and taps
 * that fall outside the input are skipped, which equals padding with the
 * input zero point (a real 0).
 *
 * Scratch: the input re-centred as int16 (x - zp_in, in [-255, 255]), then
 * C_out int32 accumulators for one output pixel and its taps (the window
 * walker of conv_window.h, shared with CONV_2D and the 16x8 kernels). The overflow bound is
 * proven in int8_weights.h.
 */
#include "exec/int8/conv_window.h"
#include "exec/int8/int8_kernels.h"
#include "exec/int8/int8_weights.h"

#include <string.h>

nq_status nq_i8_dw_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  if (a->n_in < 2) return nq_i8_fail(a, err, "%d inputs, 2 or 3 expected", a->n_in);
  NQ_TRY(nq_i8_check_rank4(a, &a->in[1], "weights", err));
  if (a->in[0].type == NQ_INT16) return nq_s16_dw_prepare(a, prepared, err);
  const nq_tview *w = &a->in[1];
  nq_i8_wspec s = {.input = 0,
                   .weights = 1,
                   .bias = 2,
                   .ch_axis = 3,
                   .k_terms = (size_t)w->shape[1] * (size_t)w->shape[2],
                   .legacy_per_tensor_scale = w->type == NQ_UINT8};
  return nq_i8_weights_prepare(a, &s, prepared, err);
}

size_t nq_i8_dw_scratch(const nq_kernel_args *a) {
  if (a->in[0].type == NQ_INT16) return nq_s16_dw_scratch(a);
  return nq_i8_align64(nq_tview_elems(&a->in[0]) * sizeof(int16_t)) +
         nq_i8_align64((size_t)a->in[1].shape[3] * sizeof(int32_t)) + nq_i8_window_taps_bytes(&a->in[1]);
}

nq_status nq_i8_dw_run(const nq_kernel_args *a, nq_error *err) {
  if (a->in[0].type == NQ_INT16) return nq_s16_dw_run(a, err);
  const nq_i8_wprep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  nq_i8_window g;
  NQ_TRY(nq_i8_window_get(a, true, &g, err));
  if (a->scratch_size < nq_i8_dw_scratch(a) || !a->scratch)
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, nq_i8_dw_scratch(a));
  const int M = g.mult, C = g.c, O = g.o;
  int16_t *x = a->scratch;
  char *rest = (char *)a->scratch + nq_i8_align64(nq_tview_elems(&a->in[0]) * sizeof(int16_t));
  int32_t *acc = (int32_t *)(void *)rest;
  nq_i8_tap *taps = (nq_i8_tap *)(void *)(rest + nq_i8_align64((size_t)O * sizeof(int32_t)));
  nq_i8_centre(&a->in[0], p->in_zp, x);
  size_t o_idx = 0;
  for (int n = 0; n < g.n; n++)
    for (int oy = 0; oy < g.oh; oy++)
      for (int ox = 0; ox < g.ow; ox++) {
        memset(acc, 0, (size_t)O * sizeof(int32_t));
        const int nt = nq_i8_window_taps(&g, n, oy, ox, taps);
        for (int t = 0; t < nt; t++) {
          const int16_t *xp = x + taps[t].x, *wp = p->w + (size_t)taps[t].k * O;
          nq_i8_dw_add_tap(C, M, acc, xp, wp);
        }
        for (int oc = 0; oc < O; oc++, o_idx++)
          nq_i8_st(a->out[0].data, a->out[0].type, o_idx, nq_i8_wfinish(p, oc, acc[oc], a->single_rounding));
      }
  return NQ_OK;
}
