/*
 * Image preprocessing: from decoded 8-bit pixels to the float32 tensor a
 * model input expects.
 *
 * Steps, in order:
 *   1. colour: rgb (default), bgr, or gray (ITU-R BT.601 luma,
 *      Y = 0.299 R + 0.587 G + 0.114 B, computed in float). NQ_COLOR_AUTO
 *      takes it from the input's channel count: C = 1 -> gray, C = 3 -> rgb.
 *      A gray image feeding an rgb/bgr input is replicated into 3 channels.
 *   2. resize (image_resize.h): `stretch` maps the whole image to H x W;
 *      `crop` scales by s = max(H / h, W / w) (for a square input: the shorter
 *      side becomes the target) to round(w * s) x round(h * s), then takes the
 *      centred H x W window (offset floor((new - target) / 2) on each axis).
 *      Antialiasing (default on) widens the triangle filter by the reduction
 *      factor when downscaling; off gives plain 2-tap bilinear.
 *   3. values: v = pixel (0..255 as float) then, per channel c,
 *        NQ_NORM_MEAN_STD:     v = (pixel - mean[c]) / std[c]
 *        NQ_NORM_SCALE_OFFSET: v = pixel * scale + offset
 *        NQ_NORM_NONE:         v = pixel (raw 0..255)
 *      Both are affine maps v = pixel * a[c] + b[c]; nq_preprocess_affine()
 *      returns (a, b), which is what a uint8-input model's input quantization
 *      is derived from (scale = a, zero_point = -b / a, when a is the same for
 *      every channel).
 *
 * Range presets (nq_preprocess_set_range): "0..255" -> none, "0..1" ->
 * scale 1/255, offset 0, "-1..1" -> scale 2/255, offset -1.
 *
 * The output layout is NHWC ([1, H, W, C]) unless channels_first is set
 * (NCHW, [1, C, H, W]).
 */
#ifndef NQ_CALIB_PREPROCESS_H
#define NQ_CALIB_PREPROCESS_H

#include "calib/image_decode.h"
#include "npuquant.h"

/* nq_resize_mode, nq_color, nq_norm and nq_preprocess are public
 * (include/npuquant.h), with nq_preprocess_default, nq_preprocess_set_range,
 * nq_parse_float_list and nq_preprocess_affine. */

/* Set one option from its command-line spelling, for the CLI:
 *   resize  stretch | crop          color  auto | rgb | bgr | gray
 *   antialias  on | off             range  0..255 | 0..1 | -1..1
 *   mean / std  v or v1,v2,v3 (selects mean/std normalisation)
 *   scale / offset  v (selects scale/offset normalisation)
 * Mixing mean/std with scale/offset (or a range) is an error. */
nq_status nq_preprocess_set(nq_preprocess *pp, const char *key, const char *value, nq_error *err);

/* Check pp (std != 0, finite values, colour vs channel count) for an input
 * with `channels` channels. `what` names the input in messages. */
nq_status nq_preprocess_check(const nq_preprocess *pp, int channels, const char *what, nq_error *err);

/* Preprocess img into dst (H * W * C floats, NHWC or NCHW). `name` is the
 * image's file name, used in messages. */
nq_status nq_preprocess_image(const nq_image *img, const nq_preprocess *pp, int height, int width,
                              int channels, int channels_first, float *dst, const char *name, nq_error *err);

#endif
