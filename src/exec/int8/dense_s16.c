/*
 * DEPTHWISE_CONV_2D and FULLY_CONNECTED on int16 activations with int8
 * weights (TFLite's 16x8 reference_integer_ops::DepthwiseConvPerChannel and
 * FullyConnected / FullyConnectedPerChannel, int64 accumulators);
 * requantization in weights_s16.h, layouts as in depthwise_s8.c and
 * fully_connected_s8.c.
 */
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

nq_status nq_s16_dw_run(const nq_kernel_args *a, nq_error *err) {
  const nq_s16_wprep *p = a->prepared;
  const nq_tview *in = &a->in[0], *w = &a->in[1], *out = &a->out[0];
  if (!p) return nq_i8_fail(a, err, "not prepared");
  NQ_TRY(nq_i8_check_rank4(a, in, "input", err));
  NQ_TRY(nq_i8_check_rank4(a, out, "output", err));
  const int N = in->shape[0], H = in->shape[1], W = in->shape[2], C = in->shape[3];
  const int KH = w->shape[1], KW = w->shape[2], O = w->shape[3];
  const int OH = out->shape[1], OW = out->shape[2];
  if (out->shape[0] != N || out->shape[3] != O || O != p->n_ch || C < 1 || O % C != 0)
    return nq_i8_fail(a, err, "input channels %d, weight channels %d, output channels %d do not match", C, O,
                      out->shape[3]);
  const int M = O / C;
  const int sh = a->p->stride_h, sw = a->p->stride_w;
  const int dh = a->p->dilation_h > 0 ? a->p->dilation_h : 1;
  const int dw = a->p->dilation_w > 0 ? a->p->dilation_w : 1;
  NQ_TRY(nq_i8_check_window(a, "height", H, OH, sh, dh, KH, err));
  NQ_TRY(nq_i8_check_window(a, "width", W, OW, sw, dw, KW, err));
  const int ph = nq_i8_pad_before(H, OH, sh, dh, KH), pw = nq_i8_pad_before(W, OW, sw, dw, KW);
  const int16_t *x = in->data;
  const int8_t *wt = w->data;
  int16_t *y = out->data;
  size_t o_idx = 0;
  for (int n = 0; n < N; n++)
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        const int iy0 = oy * sh - ph, ix0 = ox * sw - pw;
        for (int oc = 0; oc < O; oc++, o_idx++) {
          const int ic = oc / M;
          int64_t acc = 0;
          for (int ky = 0; ky < KH; ky++) {
            const int iy = iy0 + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (int kx = 0; kx < KW; kx++) {
              const int ix = ix0 + kx * dw;
              if (ix < 0 || ix >= W) continue;
              acc +=
                  (int32_t)x[(((size_t)n * H + iy) * W + ix) * C + ic] * wt[((size_t)ky * KW + kx) * O + oc];
            }
          }
          y[o_idx] = nq_s16_wfinish(p, oc, acc, a->single_rounding);
        }
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
