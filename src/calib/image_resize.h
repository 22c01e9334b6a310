/*
 * Separable resampling with a triangle (bilinear) filter.
 *
 * For an axis resized from `in` to `out` samples, scale = in / out and output
 * sample x (0-based) is centred at c = (x + 0.5) * scale in input coordinates
 * (half-pixel centres, as TensorFlow's resize with half_pixel_centers and PIL).
 * Input sample i (centred at i + 0.5) gets the weight
 *
 *     w_i = max(0, 1 - |i + 0.5 - c| / support),   i in [0, in)
 *
 * and the weights are divided by their sum. support = 1 gives plain 2-tap
 * bilinear interpolation, with the edge behaviour of clamping to the border
 * (outside samples are dropped and the rest renormalised, which is the same
 * thing for a 2-tap filter). With antialiasing and scale > 1 (downscaling),
 * support = scale: the triangle widens to cover every input pixel that falls
 * under the output pixel, so a large reduction averages instead of skipping
 * pixels (the same filter as PIL's BILINEAR and tf.image.resize(antialias=True)).
 *
 * Cropping: a filter can be built for only a window [first, first + count) of
 * the outputs of an in -> out resize; resize-then-centre-crop is then exact
 * and costs only the cropped outputs.
 */
#ifndef NQ_CALIB_IMAGE_RESIZE_H
#define NQ_CALIB_IMAGE_RESIZE_H

#include "npuquant.h"

/* Contributions for `count` outputs: output k reads inputs
 * start[k] .. start[k] + taps[k] - 1 with weights weight[k * max_taps + j]. */
typedef struct nq_filter {
  int count;
  int max_taps;
  int *start;
  int *taps;
  float *weight;
} nq_filter;

/* Build the filter for outputs [first, first + count) of a resize in -> out.
 * Sizes must be positive and first + count <= out. */
nq_status nq_filter_build(int in, int out, int first, int count, int antialias, nq_filter *f, nq_error *err);
void nq_filter_free(nq_filter *f);

/* One row: dst[k * channels + c] = sum_j weight * src[(start[k] + j) * channels + c]. */
void nq_filter_row(const nq_filter *f, const float *src, int channels, float *dst);

/* Resize a whole float image (HWC, interleaved) from sw x sh to dw x dh. */
nq_status nq_resize_f32(const float *src, int sw, int sh, int channels, float *dst, int dw, int dh,
                        int antialias, nq_error *err);

#endif
