/*
 * DEPTHWISE_CONV_2D and FULLY_CONNECTED on int16 activations with int8
 * weights (TFLite's 16x8 reference_integer_ops::DepthwiseConvPerChannel and
 * FullyConnected / FullyConnectedPerChannel, int64 accumulators);
 * requantization in weights_s16.h, layouts and the window walker
 * (conv_window.h) as in depthwise_s8.c, FULLY_CONNECTED as in
 * fully_connected_s8.c.
 */
#include <string.h>

#include "exec/int8/conv_window.h"
#include "exec/int8/int8_kernels.h"
#include "exec/int8/weights_s16.h"

/* ---- DEPTHWISE_CONV_2D: weights [1, KH, KW, C * M] ---- */

nq_status nq_s16_dw_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  const nq_tview *w = &a->in[1];
  nq_i8_wspec s = {.input = 0,
                   .weights = 1,
                   .bias = 2,
                   .ch_axis = 3,
                   .k_terms = (size_t)w->shape[1] * (size_t)w->shape[2],
                   .legacy_per_tensor_scale = false};
  return nq_s16_weights_prepare(a, &s, prepared, err);
}

size_t nq_s16_dw_scratch(const nq_kernel_args *a) {
  return nq_i8_align64((size_t)a->in[1].shape[3] * sizeof(int64_t)) + nq_i8_window_taps_bytes(&a->in[1]);
}

nq_status nq_s16_dw_run(const nq_kernel_args *a, nq_error *err) {
  const nq_s16_wprep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  nq_i8_window g;
  NQ_TRY(nq_i8_window_get(a, true, &g, err));
  if (g.o != p->n_ch) return nq_i8_fail(a, err, "%d output channels, %d prepared", g.o, p->n_ch);
  if (!a->scratch || a->scratch_size < nq_s16_dw_scratch(a))
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, nq_s16_dw_scratch(a));
  const int M = g.mult, C = g.c, O = g.o;
  const int16_t *x = a->in[0].data;
  const int8_t *wt = a->in[1].data;
  int16_t *y = a->out[0].data;
  int64_t *acc = a->scratch;
  nq_i8_tap *taps = (nq_i8_tap *)(void *)((char *)a->scratch + nq_i8_align64((size_t)O * sizeof(int64_t)));
  size_t o_idx = 0;
  for (int n = 0; n < g.n; n++)
    for (int oy = 0; oy < g.oh; oy++)
      for (int ox = 0; ox < g.ow; ox++) {
        memset(acc, 0, (size_t)O * sizeof(int64_t));
        const int nt = nq_i8_window_taps(&g, n, oy, ox, taps);
        for (int t = 0; t < nt; t++) {
          const int16_t *xp = x + taps[t].x;
          const int8_t *wp = wt + (size_t)taps[t].k * O;
          for (int c = 0; c < C; c++)
            for (int m = 0; m < M; m++) acc[c * M + m] += (int32_t)xp[c] * wp[c * M + m];
        }
        for (int oc = 0; oc < O; oc++, o_idx++) y[o_idx] = nq_s16_wfinish(p, oc, acc[oc], a->single_rounding);
      }
  return NQ_OK;
}

/* ---- FULLY_CONNECTED: input [..., I] read as [B, I], weights [O, I] ---- */

nq_status nq_s16_fc_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  const nq_tview *w = &a->in[1];
  nq_i8_wspec s = {.input = 0,
                   .weights = 1,
                   .bias = 2,
                   .ch_axis = 0,
                   .k_terms = (size_t)w->shape[1],
                   .legacy_per_tensor_scale = true,
                   .s16_double_requant = true,
                   .s16_optimized_without_int64_bias = true};
  return nq_s16_weights_prepare(a, &s, prepared, err);
}

nq_status nq_s16_fc_run(const nq_kernel_args *a, nq_error *err) {
  const nq_s16_wprep *p = a->prepared;
  const nq_tview *in = &a->in[0], *w = &a->in[1], *out = &a->out[0];
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const int O = w->shape[0], I = w->shape[1];
  const size_t in_n = nq_tview_elems(in), out_n = nq_tview_elems(out);
  if (I < 1 || O < 1 || O != p->n_ch || in_n % (size_t)I != 0 || out_n != in_n / (size_t)I * (size_t)O)
    return nq_i8_fail(a, err,
                      "input of %zu elements, weights [%d,%d] and output of %zu elements do not match", in_n,
                      O, I, out_n);
  const int16_t *x = in->data;
  const int8_t *wt = w->data;
  int16_t *y = out->data;
  const size_t B = in_n / (size_t)I;
  for (size_t b = 0; b < B; b++)
    for (int o = 0; o < O; o++) {
      const int16_t *xp = x + b * (size_t)I;
      const int8_t *wp = wt + (size_t)o * I;
      int64_t acc = 0;
      for (int i = 0; i < I; i++) acc += (int32_t)xp[i] * wp[i];
      y[b * (size_t)O + (size_t)o] = nq_s16_wfinish(p, o, acc, a->single_rounding);
    }
  return NQ_OK;
}
