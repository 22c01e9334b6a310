/*
 * Integer AVERAGE_POOL_2D and MAX_POOL_2D (TFLite reference_integer_ops
 * AveragePool / MaxPool). Input and output share scale and zero point, so
 * both work on the raw quantized values: no requantization.
 *
 * Layout [N, H, W, C]. The window is clipped to the input (TFLite SAME
 * padding does not count padded taps). Average: acc = sum of raw values
 * over the clipped window (at most 255 * KH * KW in magnitude, KH*KW
 * bounded below 2^23 by the check in run), divided rounding half away from
 * zero: (acc +- count/2) / count. Both clamp to the fused activation range.
 */
#include "exec/int8/int8_kernels.h"

nq_status nq_i8_pool_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in < 1 || a->n_out < 1) return nq_i8_fail(a, err, "needs one input and one output");
  NQ_TRY(nq_i8_need_qact(a, &a->in[0], "input", err));
  NQ_TRY(nq_i8_need_qact(a, &a->out[0], "output", err));
  if (a->in[0].type != a->out[0].type) return nq_i8_fail(a, err, "input and output types differ");
  float so;
  int32_t zpo, qmin, qmax;
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &so, &zpo, err));
  nq_i8_pool_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  nq_i8_type_range(a->out[0].type, &qmin, &qmax);
  if (!nq_activation_range((int)a->p->act, so, zpo, qmin, qmax, &p->lo, &p->hi))
    return nq_i8_fail(a, err, "fused activation %d has no integer form", (int)a->p->act);
  return NQ_OK;
}

nq_status nq_i8_pool_run(const nq_kernel_args *a, nq_error *err) {
  const nq_i8_pool_prep *p = a->prepared;
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  if (!p) return nq_i8_fail(a, err, "not prepared");
  if (in->rank != 4 || out->rank != 4)
    return nq_i8_fail(a, err, "input rank %d / output rank %d, 4 expected", in->rank, out->rank);
  const int N = in->shape[0], H = in->shape[1], W = in->shape[2], C = in->shape[3];
  const int OH = out->shape[1], OW = out->shape[2];
  const int KH = a->p->filter_h, KW = a->p->filter_w, sh = a->p->stride_h, sw = a->p->stride_w;
  if (out->shape[0] != N || out->shape[3] != C || KH < 1 || KW < 1 || sh < 1 || sw < 1 ||
      (int64_t)KH * KW > (1 << 22))
    return nq_i8_fail(a, err, "filter %dx%d, strides %d,%d or shapes do not fit", KH, KW, sh, sw);
  NQ_TRY(nq_i8_check_window(a, "height", H, OH, sh, 1, KH, err));
  NQ_TRY(nq_i8_check_window(a, "width", W, OW, sw, 1, KW, err));
  const int ph = nq_i8_pad_before(H, OH, sh, 1, KH), pw = nq_i8_pad_before(W, OW, sw, 1, KW);
  const bool avg = a->node->op == NQ_OP_AVERAGE_POOL_2D;
  const nq_dtype t = in->type;
  size_t o = 0;
  for (int n = 0; n < N; n++)
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        const int y0 = oy * sh - ph, x0 = ox * sw - pw;
        const int ky0 = y0 < 0 ? -y0 : 0, ky1 = H - y0 < KH ? H - y0 : KH;
        const int kx0 = x0 < 0 ? -x0 : 0, kx1 = W - x0 < KW ? W - x0 : KW;
        for (int c = 0; c < C; c++, o++) {
          int32_t acc = avg ? 0 : INT32_MIN;
          int32_t count = 0;
          for (int ky = ky0; ky < ky1; ky++)
            for (int kx = kx0; kx < kx1; kx++) {
              int32_t v = nq_i8_ld(in->data, t, (((size_t)n * H + (y0 + ky)) * W + (x0 + kx)) * C + c);
              if (avg)
                acc += v;
              else if (v > acc)
                acc = v;
              count++;
            }
          if (count == 0) return nq_i8_fail(a, err, "output (%d,%d) has an empty pooling window", oy, ox);
          if (avg) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          nq_i8_st(out->data, t, o, nq_clamp_i32(acc, p->lo, p->hi));
        }
      }
  return NQ_OK;
}
