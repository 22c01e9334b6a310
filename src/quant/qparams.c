#include "quant/qparams.h"

#include <math.h>

nq_affine nq_affine_from_range(float min, float max, int qmin, int qmax) {
  nq_affine a;
  if (!(min <= 0.0f)) min = 0.0f; /* also catches NaN */
  if (!(max >= 0.0f)) max = 0.0f;
  if (max - min <= 0.0f) {
    /* An all-zero tensor: any scale represents it exactly; pick [0, 1]. */
    max = 1.0f;
    min = 0.0f;
  }
  /* Float arithmetic throughout, as TF's GetAsymmetricQuantizationParams. */
  const float qmin_f = (float)qmin, qmax_f = (float)qmax;
  a.scale = (max - min) / (qmax_f - qmin_f);
  if (!(a.scale > 0.0f)) a.scale = 1e-30f; /* never zero, even after float rounding */
  const float zp_from_min = qmin_f - min / a.scale;
  long zp;
  if (zp_from_min < qmin_f)
    zp = qmin;
  else if (zp_from_min > qmax_f)
    zp = qmax;
  else
    zp = lroundf(zp_from_min);
  a.zero_point = (int32_t)zp;
  return a;
}

float nq_symmetric_scale(float absmax) {
  if (!(absmax > 0.0f)) return 1.0f; /* all-zero weights: any scale is exact */
  return absmax / 127.0f;
}

int32_t nq_quantize_value(float x, float scale, int32_t zp, int qmin, int qmax) {
  float v = x / scale;
  /* Clamp in float first so huge values cannot overflow the conversion. */
  if (!(v > -1e9f)) v = -1e9f; /* also NaN */
  if (v > 1e9f) v = 1e9f;
  int64_t q = (int64_t)nq_round_away(v) + zp;
  if (q < qmin) q = qmin;
  if (q > qmax) q = qmax;
  return (int32_t)q;
}

void nq_quantize_array(const float *x, size_t n, bool type_is_uint8, float scale, int32_t zp, void *dst) {
  for (size_t k = 0; k < n; k++) {
    int32_t q = nq_quantize_value(x[k], scale, zp, type_is_uint8 ? 0 : -128, type_is_uint8 ? 255 : 127);
    if (type_is_uint8)
      ((uint8_t *)dst)[k] = (uint8_t)q;
    else
      ((int8_t *)dst)[k] = (int8_t)q;
  }
}
