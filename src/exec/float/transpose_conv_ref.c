/*
 * TRANSPOSE_CONV, float32 reference (TFLite's operand order).
 *   in[0] output_shape int32 [4]  (already applied by shape inference)
 *   in[1] filter [O, KH, KW, I]   OHWI
 *   in[2] input  [N, H, W, I]
 *   in[3] bias   [O] or absent
 *   output [N, OH, OW, O]
 * Definition: every input pixel scatters input * filter into the output
 * window starting at (y*stride - pad_t, x*stride - pad_l); the padding is the
 * forward convolution's (output as "input", input as "output"), i.e.
 * floor(total/2) at the top/left. Then bias and fused activation.
 */
#include <string.h>

#include "exec/float/ref.h"

nq_status nq_ref_prep_transpose_conv(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in < 3 || a->in[1].type != NQ_FLOAT32 || a->in[2].type != NQ_FLOAT32 ||
      a->out[0].type != NQ_FLOAT32 || (a->n_in > 3 && a->in[3].data && a->in[3].type != NQ_FLOAT32))
    return nq_ref_type_fail(a, err, "float32 filter, input, bias and output");
  return NQ_OK;
}

nq_status nq_ref_transpose_conv(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *w = &a->in[1], *x = &a->in[2];
  const float *in = x->data, *wt = w->data;
  const float *bias = a->n_in > 3 ? a->in[3].data : NULL;
  float *out = a->out[0].data;
  const nq_op_params *p = a->p;
  int N = x->shape[0], H = x->shape[1], W = x->shape[2], I = x->shape[3];
  int O = w->shape[0], KH = w->shape[1], KW = w->shape[2];
  int OH = a->out[0].shape[1], OW = a->out[0].shape[2];
  int pad_t = nq_ref_pad_before(p->stride_h, 1, OH, KH, H, NULL);
  int pad_l = nq_ref_pad_before(p->stride_w, 1, OW, KW, W, NULL);
  memset(out, 0, nq_tview_elems(&a->out[0]) * sizeof(float));
  for (int n = 0; n < N; n++)
    for (int iy = 0; iy < H; iy++)
      for (int ix = 0; ix < W; ix++)
        for (int ic = 0; ic < I; ic++) {
          float v = in[(((size_t)n * H + iy) * W + ix) * I + ic];
          for (int ky = 0; ky < KH; ky++) {
            int oy = iy * p->stride_h - pad_t + ky;
            if (oy < 0 || oy >= OH) continue;
            for (int kx = 0; kx < KW; kx++) {
              int ox = ix * p->stride_w - pad_l + kx;
              if (ox < 0 || ox >= OW) continue;
              float *op = out + (((size_t)n * OH + oy) * OW + ox) * O;
              for (int oc = 0; oc < O; oc++) op[oc] += v * wt[(((size_t)oc * KH + ky) * KW + kx) * I + ic];
            }
          }
        }
  size_t pixels = (size_t)N * OH * OW;
  for (size_t i = 0; i < pixels; i++)
    for (int oc = 0; oc < O; oc++) {
      float v = out[i * O + oc] + (bias ? bias[oc] : 0.0f);
      out[i * O + oc] = nq_ref_act(p->act, v);
    }
  (void)err;
  return NQ_OK;
}
