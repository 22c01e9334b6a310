/*
 * AVERAGE_POOL_2D and MAX_POOL_2D, float32 reference.
 *   input [N, H, W, C] -> output [N, OH, OW, C]; window filter_h x filter_w.
 * The window is clipped to the input: the average divides by the number of
 * valid (non-padding) elements, as TFLite does; then the fused activation.
 */
#include <float.h>

#include "exec/float/ref.h"

static nq_status pool(const nq_kernel_args *a, bool average) {
  const nq_tview *x = &a->in[0];
  const float *in = x->data;
  float *out = a->out[0].data;
  const nq_op_params *p = a->p;
  int N = x->shape[0], H = x->shape[1], W = x->shape[2], C = x->shape[3];
  int OH = a->out[0].shape[1], OW = a->out[0].shape[2];
  int pad_t = nq_ref_pad_before(p->stride_h, 1, H, p->filter_h, OH, NULL);
  int pad_l = nq_ref_pad_before(p->stride_w, 1, W, p->filter_w, OW, NULL);
  for (int n = 0; n < N; n++)
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        int y0 = oy * p->stride_h - pad_t, x0 = ox * p->stride_w - pad_l;
        int ys = y0 < 0 ? 0 : y0, ye = y0 + p->filter_h > H ? H : y0 + p->filter_h;
        int xs = x0 < 0 ? 0 : x0, xe = x0 + p->filter_w > W ? W : x0 + p->filter_w;
        for (int c = 0; c < C; c++) {
          float acc = average ? 0.0f : -FLT_MAX;
          int count = 0;
          for (int y = ys; y < ye; y++)
            for (int xx = xs; xx < xe; xx++) {
              float v = in[(((size_t)n * H + y) * W + xx) * C + c];
              if (average)
                acc += v;
              else if (v > acc)
                acc = v;
              count++;
            }
          if (average) acc = count ? acc / (float)count : 0.0f;
          out[(((size_t)n * OH + oy) * OW + ox) * C + c] = nq_ref_act(p->act, acc);
        }
      }
  return NQ_OK;
}

nq_status nq_ref_average_pool(const nq_kernel_args *a, nq_error *err) {
  (void)err;
  return pool(a, true);
}

nq_status nq_ref_max_pool(const nq_kernel_args *a, nq_error *err) {
  (void)err;
  return pool(a, false);
}
