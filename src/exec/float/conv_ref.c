/*
 * CONV_2D, float32 reference.
 *   input  [N, H, W, C]            NHWC
 *   filter [O, KH, KW, C/groups]   OHWI (groups = C / filter's I; 1 for plain convs)
 *   bias   [O] or absent
 *   output [N, OH, OW, O]
 * SAME padding puts floor(total/2) before the first row/column (TFLite).
 * Accumulates in float, in (ky, kx, ic) order, then adds bias and applies the
 * fused activation.
 */
#include "exec/float/ref.h"

nq_status nq_ref_conv2d(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *w = &a->in[1];
  const float *in = x->data, *wt = w->data;
  const float *bias = a->n_in > 2 ? a->in[2].data : NULL;
  float *out = a->out[0].data;
  const nq_op_params *p = a->p;
  int N = x->shape[0], H = x->shape[1], W = x->shape[2], C = x->shape[3];
  int O = w->shape[0], KH = w->shape[1], KW = w->shape[2], I = w->shape[3];
  int OH = a->out[0].shape[1], OW = a->out[0].shape[2];
  int groups = C / I, per_group = O / groups;
  int pad_t = nq_ref_pad_before(p->stride_h, p->dilation_h, H, KH, OH, NULL);
  int pad_l = nq_ref_pad_before(p->stride_w, p->dilation_w, W, KW, OW, NULL);
  for (int n = 0; n < N; n++)
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++)
        for (int oc = 0; oc < O; oc++) {
          int g = oc / per_group;
          float acc = 0.0f;
          for (int ky = 0; ky < KH; ky++) {
            int iy = oy * p->stride_h - pad_t + ky * p->dilation_h;
            if (iy < 0 || iy >= H) continue;
            for (int kx = 0; kx < KW; kx++) {
              int ix = ox * p->stride_w - pad_l + kx * p->dilation_w;
              if (ix < 0 || ix >= W) continue;
              const float *ip = in + (((size_t)n * H + iy) * W + ix) * C + (size_t)g * I;
              const float *wp = wt + (((size_t)oc * KH + ky) * KW + kx) * I;
              for (int ic = 0; ic < I; ic++) acc += ip[ic] * wp[ic];
            }
          }
          if (bias) acc += bias[oc];
          out[(((size_t)n * OH + oy) * OW + ox) * O + oc] = nq_ref_act(p->act, acc);
        }
  (void)err;
  return NQ_OK;
}
