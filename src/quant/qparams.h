/*
 * How a float range or a float array becomes int8 quantization parameters,
 * following TensorFlow's converter (tools/optimize/quantization_utils.cc):
 *
 *  - activations: asymmetric int8. The range is first widened to include 0
 *    (so real 0, e.g. padding, is exact), scale = (max - min) / 255 and the
 *    zero point is round(-128 - min / scale) clamped to [-128, 127];
 *  - weights: symmetric int8 in [-127, 127] (zero point 0), per tensor or per
 *    channel, scale = max|w| / 127, q = round_half_away(w / scale);
 *  - biases: int32 at scale s_in * s_w[c], zero point 0.
 *
 * Unlike TF, a zero range never gives a zero scale: delegates divide by it.
 */
#ifndef NQ_QUANT_QPARAMS_H
#define NQ_QUANT_QPARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct nq_affine {
  float scale;
  int32_t zero_point;
} nq_affine;

/* Asymmetric params for [min, max] over q in [qmin, qmax] (int8: -128..127,
 * uint8: 0..255). */
nq_affine nq_affine_from_range(float min, float max, int qmin, int qmax);

/* Symmetric weight scale for max|w| = absmax over [-127, 127]. */
float nq_symmetric_scale(float absmax);

/* round half away from zero (TfLiteRound / std::round). */
static inline float nq_round_away(float x) {
  return x >= 0 ? (float)(int64_t)(x + 0.5f) : -(float)(int64_t)(-x + 0.5f);
}

/* q = clamp(round_away(x / scale) + zp, qmin, qmax): TFLite's reference
 * QUANTIZE, a true division by the float scale. */
int32_t nq_quantize_value(float x, float scale, int32_t zp, int qmin, int qmax);

/* Quantize n floats into dst as int8 (type_is_uint8 == 0) or uint8 with
 * one scale and zero point (nq_quantize_value per element). dst may alias x
 * (each element is read before it is written, and the output is narrower). */
void nq_quantize_array(const float *x, size_t n, bool type_is_uint8, float scale, int32_t zp, void *dst);

#endif
