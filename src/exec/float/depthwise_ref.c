/*
 * DEPTHWISE_CONV_2D, float32 reference.
 *   input  [N, H, W, C]
 *   filter [1, KH, KW, C*M]   output channel oc = ic*M + m (TFLite order)
 *   bias   [C*M] or absent
 *   output [N, OH, OW, C*M]
 * The multiplier M is taken from the shapes (filter channels / input
 * channels), as TFLite does, not from the depth_multiplier option.
 */
#include "exec/float/ref.h"

nq_status nq_ref_depthwise_conv2d(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *w = &a->in[1];
  const float *in = x->data, *wt = w->data;
  const float *bias = a->n_in > 2 ? a->in[2].data : NULL;
  float *out = a->out[0].data;
  const nq_op_params *p = a->p;
  int N = x->shape[0], H = x->shape[1], W = x->shape[2], C = x->shape[3];
  int KH = w->shape[1], KW = w->shape[2], OC = w->shape[3], M = OC / C;
  int OH = a->out[0].shape[1], OW = a->out[0].shape[2];
  int pad_t = nq_ref_pad_before(p->stride_h, p->dilation_h, H, KH, OH, NULL);
  int pad_l = nq_ref_pad_before(p->stride_w, p->dilation_w, W, KW, OW, NULL);
  for (int n = 0; n < N; n++)
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++)
        for (int ic = 0; ic < C; ic++)
          for (int m = 0; m < M; m++) {
            int oc = ic * M + m;
            float acc = 0.0f;
            for (int ky = 0; ky < KH; ky++) {
              int iy = oy * p->stride_h - pad_t + ky * p->dilation_h;
              if (iy < 0 || iy >= H) continue;
              for (int kx = 0; kx < KW; kx++) {
                int ix = ox * p->stride_w - pad_l + kx * p->dilation_w;
                if (ix < 0 || ix >= W) continue;
                acc += in[(((size_t)n * H + iy) * W + ix) * C + ic] * wt[((size_t)ky * KW + kx) * OC + oc];
              }
            }
            if (bias) acc += bias[oc];
            out[(((size_t)n * OH + oy) * OW + ox) * OC + oc] = nq_ref_act(p->act, acc);
          }
  (void)err;
  return NQ_OK;
}
