/*
 * RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR, float32 reference
 * (NEAREST is type-generic). input [N, H, W, C] -> output [N, OH, OW, C].
 *   scale = in/out, or (in-1)/(out-1) with align_corners (out > 1);
 *   bilinear source y = (oy + 0.5) * scale - 0.5 with half_pixel_centers,
 *   else oy * scale; y0 = max(floor(y), 0), y1 = min(ceil(y), H-1), weights
 *   from y - y0 (TFLite's reference arithmetic, in float);
 *   nearest source = min(f((oy + offset) * scale), H-1) where f is round-half-
 *   away with align_corners, else floor; offset 0.5 with half_pixel_centers
 *   (then also max(.., 0)).
 */
#include <math.h>
#include <string.h>

#include "exec/float/ref.h"

float nq_resize_scale(int in, int out, bool align) {
  return (align && out > 1) ? (float)(in - 1) / (float)(out - 1) : (float)in / (float)out;
}

void nq_resize_source(int v, float scale, bool half, int in, float *src, int *lo, int *hi) {
  float s = half ? ((float)v + 0.5f) * scale - 0.5f : (float)v * scale;
  *src = s;
  float f = floorf(s);
  *lo = f < 0.0f ? 0 : (int)f;
  int c = (int)ceilf(s);
  *hi = c < in - 1 ? c : in - 1;
  if (*hi < 0) *hi = 0;
}

static int nearest(int v, float scale, bool align, bool half, int in) {
  float offset = half ? 0.5f : 0.0f;
  float s = ((float)v + offset) * scale;
  int r = align ? (int)roundf(s) : (int)floorf(s);
  if (r > in - 1) r = in - 1;
  if (half && r < 0) r = 0;
  return r;
}

nq_status nq_ref_resize(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *o = &a->out[0];
  int N = x->shape[0], H = x->shape[1], W = x->shape[2], C = x->shape[3];
  int OH = o->shape[1], OW = o->shape[2];
  bool align = a->p->align_corners, half = a->p->half_pixel_centers;
  float sh = nq_resize_scale(H, OH, align), sw = nq_resize_scale(W, OW, align);
  if (a->node->op == NQ_OP_RESIZE_NEAREST_NEIGHBOR) {
    size_t es = nq_dtype_size(x->type);
    for (int n = 0; n < N; n++)
      for (int oy = 0; oy < OH; oy++) {
        int iy = nearest(oy, sh, align, half, H);
        for (int ox = 0; ox < OW; ox++) {
          int ix = nearest(ox, sw, align, half, W);
          memcpy((char *)o->data + ((((size_t)n * OH + oy) * OW + ox) * C) * es,
                 (const char *)x->data + ((((size_t)n * H + iy) * W + ix) * C) * es, (size_t)C * es);
        }
      }
    return NQ_OK;
  }
  if (x->type != NQ_FLOAT32) return nq_ref_type_fail(a, err, "float32");
  const float *in = x->data;
  float *out = o->data;
  for (int n = 0; n < N; n++)
    for (int oy = 0; oy < OH; oy++) {
      float y;
      int y0, y1;
      nq_resize_source(oy, sh, half, H, &y, &y0, &y1);
      for (int ox = 0; ox < OW; ox++) {
        float xs;
        int x0, x1;
        nq_resize_source(ox, sw, half, W, &xs, &x0, &x1);
        const float *p00 = in + (((size_t)n * H + y0) * W + x0) * C,
                    *p01 = in + (((size_t)n * H + y0) * W + x1) * C;
        const float *p10 = in + (((size_t)n * H + y1) * W + x0) * C,
                    *p11 = in + (((size_t)n * H + y1) * W + x1) * C;
        float dy = y - (float)y0, dx = xs - (float)x0;
        float *op = out + (((size_t)n * OH + oy) * OW + ox) * C;
        for (int c = 0; c < C; c++)
          op[c] = p00[c] * (1.0f - dy) * (1.0f - dx) + p10[c] * dy * (1.0f - dx) + p01[c] * (1.0f - dy) * dx +
                  p11[c] * dy * dx;
      }
    }
  return NQ_OK;
}
