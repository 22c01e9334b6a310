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
 * C_out int32 accumulators for one output pixel. The overflow bound is
 * proven in int8_weights.h.
 */
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
  if (a->in[0].type == NQ_INT16) return 0;
  return nq_i8_align64(nq_tview_elems(&a->in[0]) * sizeof(int16_t)) +
         nq_i8_align64((size_t)a->in[1].shape[3] * sizeof(int32_t));
}

nq_status nq_i8_dw_run(const nq_kernel_args *a, nq_error *err) {
  if (a->in[0].type == NQ_INT16) return nq_s16_dw_run(a, err);
  const nq_i8_wprep *p = a->prepared;
  const nq_tview *in = &a->in[0], *w = &a->in[1], *out = &a->out[0];
  if (!p) return nq_i8_fail(a, err, "not prepared");
  NQ_TRY(nq_i8_check_rank4(a, in, "input", err));
  NQ_TRY(nq_i8_check_rank4(a, out, "output", err));
  const int N = in->shape[0], H = in->shape[1], W = in->shape[2], C = in->shape[3];
  const int KH = w->shape[1], KW = w->shape[2], O = w->shape[3];
  const int OH = out->shape[1], OW = out->shape[2];
  if (out->shape[0] != N || out->shape[3] != O || C < 1 || O % C != 0)
    return nq_i8_fail(a, err,
                      "input channels %d, weight channels %d, output channels %d do "
                      "not match",
                      C, O, out->shape[3]);
  if (a->scratch_size < nq_i8_dw_scratch(a) || !a->scratch)
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, nq_i8_dw_scratch(a));
  const int M = O / C;
  const int sh = a->p->stride_h, sw = a->p->stride_w;
  const int dh = a->p->dilation_h > 0 ? a->p->dilation_h : 1;
  const int dw = a->p->dilation_w > 0 ? a->p->dilation_w : 1;
  NQ_TRY(nq_i8_check_window(a, "height", H, OH, sh, dh, KH, err));
  NQ_TRY(nq_i8_check_window(a, "width", W, OW, sw, dw, KW, err));
  const int ph = nq_i8_pad_before(H, OH, sh, dh, KH), pw = nq_i8_pad_before(W, OW, sw, dw, KW);
  int16_t *x = a->scratch;
  int32_t *acc = (int32_t *)((char *)a->scratch + nq_i8_align64(nq_tview_elems(in) * sizeof(int16_t)));
  nq_i8_centre(in, p->in_zp, x);
  size_t o_idx = 0;
  for (int n = 0; n < N; n++) {
    for (int oy = 0; oy < OH; oy++) {
      for (int ox = 0; ox < OW; ox++) {
        memset(acc, 0, (size_t)O * sizeof(int32_t));
        const int iy0 = oy * sh - ph, ix0 = ox * sw - pw;
        for (int ky = 0; ky < KH; ky++) {
          const int iy = iy0 + ky * dh;
          if (iy < 0 || iy >= H) continue;
          for (int kx = 0; kx < KW; kx++) {
            const int ix = ix0 + kx * dw;
            if (ix < 0 || ix >= W) continue;
            const int16_t *xp = x + (((size_t)n * H + iy) * W + ix) * C;
            const int16_t *wp = p->w + ((size_t)ky * KW + kx) * O;
            if (M == 1) {
              for (int c = 0; c < C; c++) acc[c] += (int32_t)xp[c] * wp[c];
            } else {
              for (int c = 0; c < C; c++)
                for (int m = 0; m < M; m++) acc[c * M + m] += (int32_t)xp[c] * wp[c * M + m];
            }
          }
        }
        for (int oc = 0; oc < O; oc++, o_idx++)
          nq_i8_st(out->data, out->type, o_idx, nq_i8_wfinish(p, oc, acc[oc], a->single_rounding));
      }
    }
  }
  return NQ_OK;
}
