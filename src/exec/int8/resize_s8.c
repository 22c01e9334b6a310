/*
 * Integer RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR (NHWC; the output
 * size is the output view's shape). Input and output share quantization.
 *
 * Bilinear follows TFLite's reference ResizeBilinearInteger: positions in
 * Q10, scale_10 = round(2^10 * in / out) (or (in-1)/(out-1) with
 * align_corners), half-pixel centres shift by 2^9; the four taps weighted
 * by Q10 x Q10 fractions (the weights sum to 2^20, so |sum| <= 255 * 2^20
 * < 2^28; int64 as TFLite) are divided by 2^20: single rounding
 * (TFLITE_SINGLE_ROUNDING) adds 2^19 and shifts (ties up), double rounding
 * adds +-2^19 and divides (ties away). Sizes are bounded below 2^20 so the
 * Q10 positions (< 2^30) stay in int32.
 * Nearest follows GetNearestNeighbor (float scale, floor or round, clamped).
 */
#include "exec/int8/int8_kernels.h"

#include <math.h>

static void interp10(int32_t v, int32_t scale10, bool half, int32_t size, int32_t *scaled, int32_t *lo,
                     int32_t *hi) {
  *scaled = half ? v * scale10 + scale10 / 2 - (1 << 9) : v * scale10;
  int32_t l = *scaled / (1 << 10);
  *lo = l > 0 ? l : 0;
  int32_t u = (*scaled + (1 << 10) - 1) / (1 << 10);
  *hi = u < size - 1 ? u : size - 1;
}

static int32_t nearest(int32_t v, int32_t size, float scale, bool align, bool half) {
  const float off = half ? 0.5f : 0.0f;
  int32_t r =
      align ? nq_round_f32_to_i32(((float)v + off) * scale) : (int32_t)floorf(((float)v + off) * scale);
  if (r > size - 1) r = size - 1;
  if (half && r < 0) r = 0;
  return r;
}

nq_status nq_i8_resize_run(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  if (in->rank != 4 || out->rank != 4 || in->type != out->type)
    return nq_i8_fail(a, err, "rank-4 input/output of one type expected");
  const int N = in->shape[0], H = in->shape[1], W = in->shape[2], C = in->shape[3];
  const int OH = out->shape[1], OW = out->shape[2];
  if (out->shape[0] != N || out->shape[3] != C || H < 1 || W < 1 || OH < 1 || OW < 1 || H >= (1 << 20) ||
      W >= (1 << 20) || OH >= (1 << 20) || OW >= (1 << 20))
    return nq_i8_fail(a, err, "shapes do not match");
  const bool align = a->p->align_corners, half = a->p->half_pixel_centers;
  const nq_dtype t = in->type;
  if (a->node->op == NQ_OP_RESIZE_NEAREST_NEIGHBOR) {
    const size_t es = nq_dtype_size(t);
    const float hs = (align && OH > 1) ? (float)(H - 1) / (float)(OH - 1) : (float)H / (float)OH;
    const float ws = (align && OW > 1) ? (float)(W - 1) / (float)(OW - 1) : (float)W / (float)OW;
    for (int n = 0; n < N; n++)
      for (int y = 0; y < OH; y++) {
        const int32_t iy = nearest(y, H, hs, align, half);
        for (int x = 0; x < OW; x++) {
          const int32_t ix = nearest(x, W, ws, align, half);
          const char *src = (const char *)in->data + ((((size_t)n * H + iy) * W + ix) * C) * es;
          char *dst = (char *)out->data + ((((size_t)n * OH + y) * OW + x) * C) * es;
          for (size_t b = 0; b < (size_t)C * es; b++) dst[b] = src[b];
        }
      }
    return NQ_OK;
  }
  NQ_TRY(nq_i8_need_qact(a, in, "input", err));
  const int sr = nq_i8_rounding_for(a, t);
  const int32_t hs10 =
      (align && OH > 1) ? ((1 << 10) * (H - 1) + (OH - 1) / 2) / (OH - 1) : ((1 << 10) * H + OH / 2) / OH;
  const int32_t ws10 =
      (align && OW > 1) ? ((1 << 10) * (W - 1) + (OW - 1) / 2) / (OW - 1) : ((1 << 10) * W + OW / 2) / OW;
  if ((int64_t)hs10 * OH > INT32_MAX / 2 || (int64_t)ws10 * OW > INT32_MAX / 2)
    return nq_i8_fail(a, err, "resize %dx%d -> %dx%d too large", H, W, OH, OW);
  const int64_t one = 1 << 10;
  for (int n = 0; n < N; n++)
    for (int y = 0; y < OH; y++) {
      int32_t iy, y0, y1;
      interp10(y, hs10, half, H, &iy, &y0, &y1);
      for (int x = 0; x < OW; x++) {
        int32_t ix, x0, x1;
        interp10(x, ws10, half, W, &ix, &x0, &x1);
        const int64_t fy = iy - one * y0, fx = ix - one * x0;
        for (int c = 0; c < C; c++) {
#define AT(yy, xx) ((int64_t)nq_i8_ld(in->data, t, (((size_t)n * H + (yy)) * W + (xx)) * C + c))
          const int64_t v = AT(y0, x0) * (one - fy) * (one - fx) + AT(y1, x0) * fy * (one - fx) +
                            AT(y0, x1) * (one - fy) * fx + AT(y1, x1) * fy * fx;
#undef AT
          int64_t r;
          if (sr) {
            const int64_t s = v + (1 << 19);
            r = s >= 0 ? s >> 20 : -((-s + (1 << 20) - 1) >> 20);
          } else {
            r = (v + (v > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20);
          }
          nq_i8_st(out->data, t, (((size_t)n * OH + y) * OW + x) * C + c, (int32_t)r);
        }
      }
    }
  return NQ_OK;
}
