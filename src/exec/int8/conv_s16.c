/*
 * CONV_2D and TRANSPOSE_CONV on int16 activations with int8 weights
 * (TFLite's 16x8 reference_integer_ops::ConvPerChannel and TransposeConv,
 * int64 accumulators); requantization and the facts behind it are in
 * weights_s16.h. Layouts, padding and the window walker as in conv_s8.c
 * (conv_window.h); the input zero point is 0, so taps outside the input
 * simply contribute nothing.
 */
#include "exec/int8/conv_window.h"
#include "exec/int8/int8_kernels.h"
#include "exec/int8/weights_s16.h"

#include <string.h>

nq_status nq_s16_conv_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  const nq_tview *w = &a->in[1];
  nq_i8_wspec s = {.input = 0,
                   .weights = 1,
                   .bias = 2,
                   .ch_axis = 0,
                   .k_terms = (size_t)w->shape[1] * (size_t)w->shape[2] * (size_t)w->shape[3],
                   .legacy_per_tensor_scale = false,
                   .s16_optimized_without_int64_bias = true};
  return nq_s16_weights_prepare(a, &s, prepared, err);
}

size_t nq_s16_conv_scratch(const nq_kernel_args *a) { return nq_i8_window_taps_bytes(&a->in[1]); }

nq_status nq_s16_conv_run(const nq_kernel_args *a, nq_error *err) {
  const nq_s16_wprep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  nq_i8_window g;
  NQ_TRY(nq_i8_window_get(a, false, &g, err));
  if (g.o != p->n_ch) return nq_i8_fail(a, err, "%d output channels, %d prepared", g.o, p->n_ch);
  if (!a->scratch || a->scratch_size < nq_s16_conv_scratch(a))
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, nq_s16_conv_scratch(a));
  const int o_per_g = g.o / g.groups, K = g.kh * g.kw * g.ci;
  const int16_t *x = a->in[0].data;
  const int8_t *wt = a->in[1].data;
  int16_t *y = a->out[0].data;
  nq_i8_tap *taps = a->scratch;
  size_t o_idx = 0;
  for (int n = 0; n < g.n; n++)
    for (int oy = 0; oy < g.oh; oy++)
      for (int ox = 0; ox < g.ow; ox++) {
        const int nt = nq_i8_window_taps(&g, n, oy, ox, taps);
        for (int oc = 0; oc < g.o; oc++, o_idx++) {
          const int16_t *xg = x + (oc / o_per_g) * g.ci;
          const int8_t *wo = wt + (size_t)oc * K;
          int64_t acc = 0; /* products below 2^22: exact for any tensor size */
          for (int t = 0; t < nt; t++) {
            const int16_t *xp = xg + taps[t].x;
            const int8_t *wp = wo + (size_t)taps[t].k * g.ci;
            for (int ic = 0; ic < g.ci; ic++) acc += (int32_t)xp[ic] * wp[ic];
          }
          y[o_idx] = nq_s16_wfinish(p, oc, acc, a->single_rounding);
        }
      }
  return NQ_OK;
}

/* ---- TRANSPOSE_CONV: inputs (output_shape, weights OHWI, input, [bias]) ---- */

nq_status nq_s16_tconv_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  const nq_tview *w = &a->in[1];
  nq_i8_wspec s = {.input = 2,
                   .weights = 1,
                   .bias = 3,
                   .ch_axis = 0,
                   .k_terms = (size_t)w->shape[1] * (size_t)w->shape[2] * (size_t)w->shape[3],
                   .legacy_per_tensor_scale = false};
  return nq_s16_weights_prepare(a, &s, prepared, err);
}

size_t nq_s16_tconv_scratch(const nq_kernel_args *a) {
  return nq_i8_align64(nq_tview_elems(&a->out[0]) * sizeof(int64_t));
}

nq_status nq_s16_tconv_run(const nq_kernel_args *a, nq_error *err) {
  const nq_s16_wprep *p = a->prepared;
  const nq_tview *w = &a->in[1], *in = &a->in[2], *out = &a->out[0];
  if (!p) return nq_i8_fail(a, err, "not prepared");
  NQ_TRY(nq_i8_check_rank4(a, in, "input", err));
  NQ_TRY(nq_i8_check_rank4(a, out, "output", err));
  const int N = in->shape[0], H = in->shape[1], W = in->shape[2], C = in->shape[3];
  const int O = w->shape[0], KH = w->shape[1], KW = w->shape[2], CI = w->shape[3];
  const int OH = out->shape[1], OW = out->shape[2];
  if (out->shape[0] != N || out->shape[3] != O || O != p->n_ch || CI != C)
    return nq_i8_fail(a, err, "input channels %d, weights [%d,%d,%d,%d], output channels %d do not match", C,
                      O, KH, KW, CI, out->shape[3]);
  if (!a->scratch || a->scratch_size < nq_s16_tconv_scratch(a))
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, nq_s16_tconv_scratch(a));
  const int sh = a->p->stride_h, sw = a->p->stride_w;
  NQ_TRY(nq_i8_check_window(a, "height", OH, H, sh, 1, KH, err));
  NQ_TRY(nq_i8_check_window(a, "width", OW, W, sw, 1, KW, err));
  /* The padding of the forward conv whose input is this output (conv_s8.c). */
  int fh, fw;
  if (a->p->padding == NQ_PAD_SAME) {
    fh = (OH + sh - 1) / sh;
    fw = (OW + sw - 1) / sw;
  } else {
    fh = (OH - KH + sh) / sh;
    fw = (OW - KW + sw) / sw;
  }
  const int ph = nq_i8_pad_before(OH, fh, sh, 1, KH), pw = nq_i8_pad_before(OW, fw, sw, 1, KW);
  const int16_t *x = in->data;
  const int8_t *wt = w->data;
  int64_t *acc = a->scratch;
  const size_t total = nq_tview_elems(out);
  memset(acc, 0, total * sizeof(int64_t));
  for (int n = 0; n < N; n++)
    for (int iy = 0; iy < H; iy++)
      for (int ix = 0; ix < W; ix++) {
        const int16_t *xp = x + (((size_t)n * H + iy) * W + ix) * C;
        for (int ky = 0; ky < KH; ky++) {
          const int oy = iy * sh - ph + ky;
          if (oy < 0 || oy >= OH) continue;
          for (int kx = 0; kx < KW; kx++) {
            const int ox = ix * sw - pw + kx;
            if (ox < 0 || ox >= OW) continue;
            int64_t *ap = acc + (((size_t)n * OH + oy) * OW + ox) * O;
            for (int oc = 0; oc < O; oc++) {
              const int8_t *wp = wt + (((size_t)oc * KH + ky) * KW + kx) * CI;
              int64_t s = 0;
              for (int ic = 0; ic < C; ic++) s += (int32_t)xp[ic] * wp[ic];
              ap[oc] += s;
            }
          }
        }
      }
  int16_t *y = out->data;
  for (size_t i = 0; i < total; i++)
    y[i] = nq_s16_wfinish(p, (int)(i % (size_t)O), acc[i], a->single_rounding);
  return NQ_OK;
}
