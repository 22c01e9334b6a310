/*
 * Integer CONV_2D and TRANSPOSE_CONV (TFLite
 * reference_integer_ops::ConvPerChannel / TransposeConv semantics; uint8
 * legacy models through the same loops). DEPTHWISE_CONV_2D is in
 * depthwise_s8.c.
 *
 * Layouts: input [N, H, W, C_in]; CONV_2D weights [C_out, KH, KW, C_in/groups]
 * (OHWI); TRANSPOSE_CONV weights [C_out, KH, KW, C_in]; output
 * [N, OH, OW, C_out].
 *
 * Padding is TFLite's: the leading pad of SAME is floor(total / 2) and taps
 * that fall outside the input are skipped, which equals padding with the
 * input zero point (a real 0).
 *
 * Scratch: the input re-centred as int16 (x - zp_in, in [-255, 255]) so the
 * inner loops are plain int16 x int16 -> int32 dot products for both int8
 * and uint8; CONV_2D adds one window's taps (conv_window.h, the walker
 * shared with the 16x8 and depthwise kernels), TRANSPOSE_CONV an int32
 * accumulator per output element. The overflow bound is proven in
 * int8_weights.h.
 */
#include "exec/int8/conv_window.h"
#include "exec/int8/int8_kernels.h"
#include "exec/int8/int8_weights.h"

#include <string.h>

/* ---- CONV_2D ---- */

nq_status nq_i8_conv_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  if (a->n_in < 2) return nq_i8_fail(a, err, "%d inputs, 2 or 3 expected", a->n_in);
  NQ_TRY(nq_i8_check_rank4(a, &a->in[1], "weights", err));
  if (a->in[0].type == NQ_INT16) return nq_s16_conv_prepare(a, prepared, err);
  const nq_tview *w = &a->in[1];
  nq_i8_wspec s = {.input = 0,
                   .weights = 1,
                   .bias = 2,
                   .ch_axis = 0,
                   .k_terms = (size_t)w->shape[1] * (size_t)w->shape[2] * (size_t)w->shape[3],
                   .legacy_per_tensor_scale = w->type == NQ_UINT8};
  return nq_i8_weights_prepare(a, &s, prepared, err);
}

size_t nq_i8_conv_scratch(const nq_kernel_args *a) {
  if (a->in[0].type == NQ_INT16) return nq_s16_conv_scratch(a);
  return nq_i8_align64(nq_tview_elems(&a->in[0]) * sizeof(int16_t)) + nq_i8_window_taps_bytes(&a->in[1]);
}

nq_status nq_i8_conv_run(const nq_kernel_args *a, nq_error *err) {
  if (a->in[0].type == NQ_INT16) return nq_s16_conv_run(a, err);
  const nq_i8_wprep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  nq_i8_window g;
  NQ_TRY(nq_i8_window_get(a, false, &g, err));
  if (a->scratch_size < nq_i8_conv_scratch(a) || !a->scratch)
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, nq_i8_conv_scratch(a));
  const int o_per_g = g.o / g.groups, K = g.kh * g.kw * g.ci;
  int16_t *x = a->scratch;
  nq_i8_tap *taps =
      (nq_i8_tap *)(void *)((char *)a->scratch + nq_i8_align64(nq_tview_elems(&a->in[0]) * sizeof(int16_t)));
  nq_i8_centre(&a->in[0], p->in_zp, x);
  size_t o_idx = 0;
  for (int n = 0; n < g.n; n++)
    for (int oy = 0; oy < g.oh; oy++)
      for (int ox = 0; ox < g.ow; ox++) {
        const int nt = nq_i8_window_taps(&g, n, oy, ox, taps);
        for (int oc = 0; oc < g.o; oc++, o_idx++) {
          const int16_t *xg = x + (oc / o_per_g) * g.ci, *wo = p->w + (size_t)oc * K;
          int32_t acc = 0;
          for (int t = 0; t < nt; t++) {
            const int16_t *xp = xg + taps[t].x, *wp = wo + (size_t)taps[t].k * g.ci;
            for (int ic = 0; ic < g.ci; ic++) acc += (int32_t)xp[ic] * wp[ic];
          }
          nq_i8_st(a->out[0].data, a->out[0].type, o_idx, nq_i8_wfinish(p, oc, acc, a->single_rounding));
        }
      }
  return NQ_OK;
}

/* ---- TRANSPOSE_CONV: inputs (output_shape, weights OHWI, input, [bias]) ---- */

nq_status nq_i8_tconv_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  if (a->n_in < 3) return nq_i8_fail(a, err, "%d inputs, 3 or 4 expected", a->n_in);
  NQ_TRY(nq_i8_check_rank4(a, &a->in[1], "weights", err));
  if (a->in[2].type == NQ_INT16) return nq_s16_tconv_prepare(a, prepared, err);
  const nq_tview *w = &a->in[1];
  nq_i8_wspec s = {.input = 2,
                   .weights = 1,
                   .bias = 3,
                   .ch_axis = 0,
                   .k_terms = (size_t)w->shape[1] * (size_t)w->shape[2] * (size_t)w->shape[3],
                   .legacy_per_tensor_scale = w->type == NQ_UINT8};
  return nq_i8_weights_prepare(a, &s, prepared, err);
}

size_t nq_i8_tconv_scratch(const nq_kernel_args *a) {
  if (a->n_in > 2 && a->in[2].type == NQ_INT16) return nq_s16_tconv_scratch(a);
  return nq_i8_align64(nq_tview_elems(&a->in[2]) * sizeof(int16_t)) +
         nq_i8_align64(nq_tview_elems(&a->out[0]) * sizeof(int32_t));
}

nq_status nq_i8_tconv_run(const nq_kernel_args *a, nq_error *err) {
  if (a->in[2].type == NQ_INT16) return nq_s16_tconv_run(a, err);
  const nq_i8_wprep *p = a->prepared;
  const nq_tview *w = &a->in[1], *in = &a->in[2], *out = &a->out[0];
  if (!p) return nq_i8_fail(a, err, "not prepared");
  NQ_TRY(nq_i8_check_rank4(a, in, "input", err));
  NQ_TRY(nq_i8_check_rank4(a, out, "output", err));
  const int N = in->shape[0], H = in->shape[1], W = in->shape[2], C = in->shape[3];
  const int O = w->shape[0], KH = w->shape[1], KW = w->shape[2], CI = w->shape[3];
  const int OH = out->shape[1], OW = out->shape[2];
  if (out->shape[0] != N || out->shape[3] != O || CI != C)
    return nq_i8_fail(a, err,
                      "input channels %d, weights [%d,%d,%d,%d], output channels %d do "
                      "not match",
                      C, O, KH, KW, CI, out->shape[3]);
  if (a->scratch_size < nq_i8_tconv_scratch(a) || !a->scratch)
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, nq_i8_tconv_scratch(a));
  const int sh = a->p->stride_h, sw = a->p->stride_w;
  NQ_TRY(nq_i8_check_window(a, "height", OH, H, sh, 1, KH, err));
  NQ_TRY(nq_i8_check_window(a, "width", OW, W, sw, 1, KW, err));
  /* TFLite pads as if the output were the input of a forward conv: the
   * forward output size follows the padding rule from the real output. */
  int fh, fw;
  if (a->p->padding == NQ_PAD_SAME) {
    fh = (OH + sh - 1) / sh;
    fw = (OW + sw - 1) / sw;
  } else {
    fh = (OH - KH + sh) / sh;
    fw = (OW - KW + sw) / sw;
  }
  const int ph = nq_i8_pad_before(OH, fh, sh, 1, KH), pw = nq_i8_pad_before(OW, fw, sw, 1, KW);
  int16_t *x = a->scratch;
  int32_t *acc = (int32_t *)((char *)a->scratch + nq_i8_align64(nq_tview_elems(in) * sizeof(int16_t)));
  nq_i8_centre(in, p->in_zp, x);
  memset(acc, 0, nq_tview_elems(out) * sizeof(int32_t));
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
            int32_t *ap = acc + (((size_t)n * OH + oy) * OW + ox) * O;
            for (int oc = 0; oc < O; oc++) {
              const int16_t *wp = p->w + (((size_t)oc * KH + ky) * KW + kx) * CI;
              int32_t s = 0;
              for (int ic = 0; ic < C; ic++) s += (int32_t)xp[ic] * wp[ic];
              ap[oc] += s;
            }
          }
        }
      }
  size_t total = nq_tview_elems(out);
  for (size_t i = 0; i < total; i++)
    nq_i8_st(out->data, out->type, i, nq_i8_wfinish(p, (int)(i % (size_t)O), acc[i], a->single_rounding));
  return NQ_OK;
}
