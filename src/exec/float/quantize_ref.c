/*
 * QUANTIZE (float32 -> int8/uint8/int16) and DEQUANTIZE (int8/uint8/int16/
 * float16 -> float32), reference. Per-tensor or per-axis parameters.
 *   q = clamp(round_half_away(x / scale) + zero_point, type range)
 *       (a true division by the float scale, as TFLite's reference does)
 *   x = (q - zero_point) * scale
 * In single rounding (what LiteRT runs: its XNNPACK delegate takes float
 * -> int8/uint8 QUANTIZE as a convert), XNNPACK's rule instead:
 *   q = clamp(round_half_even(x * (1.0f / scale)) + zero_point, type range)
 * It differs where x / scale is a tie: camera pixels in -1..1 at scale
 * 1/127.5 put half of all values on one (MediaPipe's detectors, 8526 of
 * 49152 input values one step apart, growing to 20 output steps).
 * To int16 (16x8 models), in both modes, TFLite's int16 AffineQuantize
 * divides in double: q = round_half_away(double(x) / double(scale)) + zp
 * (LiteRT.js agrees to 0 steps where the float division is a step off on
 * 12 of 70 near-tie values; tests/int8 int16_ops_oracle).
 */
#include <math.h>
#include <string.h>

#include "exec/float/ref.h"

static bool is_qint(nq_dtype t) { return t == NQ_INT8 || t == NQ_UINT8 || t == NQ_INT16; }

static bool quant_ok(const nq_tview *v) {
  return v->q && v->q->n >= 1 && v->q->scale && v->q->zero_point &&
         (v->q->n == 1 || (v->q->axis >= 0 && v->q->axis < v->rank && v->shape[v->q->axis] == v->q->n));
}

nq_status nq_ref_prep_quantize(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->in[0].type != NQ_FLOAT32 || !is_qint(a->out[0].type))
    return nq_ref_type_fail(a, err, "float32 in, int8/uint8/int16 out");
  if (!quant_ok(&a->out[0]))
    return nq_ref_fail(a, err, NQ_ERR_FORMAT, "output has no usable quantization parameters");
  for (int i = 0; i < a->out[0].q->n; i++)
    if (!(a->out[0].q->scale[i] > 0.0f))
      return nq_ref_fail(a, err, NQ_ERR_FORMAT, "output scale %d is not positive", i);
  return NQ_OK;
}

nq_status nq_ref_prep_dequantize(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->out[0].type != NQ_FLOAT32 || (!is_qint(a->in[0].type) && a->in[0].type != NQ_FLOAT16))
    return nq_ref_type_fail(a, err, "int8/uint8/int16/float16 in, float32 out");
  if (a->in[0].type != NQ_FLOAT16 && !quant_ok(&a->in[0]))
    return nq_ref_fail(a, err, NQ_ERR_FORMAT, "input has no usable quantization parameters");
  return NQ_OK;
}

/* Channel of element k for per-axis parameters. */
static size_t channel(const nq_tview *v, size_t k) {
  if (v->q->n == 1) return 0;
  size_t inner = 1;
  for (int d = v->q->axis + 1; d < v->rank; d++) inner *= (size_t)v->shape[d];
  return (k / inner) % (size_t)v->q->n;
}

nq_status nq_ref_quantize(const nq_kernel_args *a, nq_error *err) {
  const float *in = a->in[0].data;
  const nq_tview *o = &a->out[0];
  size_t n = nq_tview_elems(o);
  int64_t lo = o->type == NQ_INT8 ? -128 : o->type == NQ_UINT8 ? 0 : -32768;
  int64_t hi = o->type == NQ_INT8 ? 127 : o->type == NQ_UINT8 ? 255 : 32767;
  /* XNNPACK converts only to 8-bit types; int16 stays on TFLite's kernel */
  const bool xnnpack = a->single_rounding && o->type != NQ_INT16;
  for (size_t k = 0; k < n; k++) {
    size_t c = channel(o, k);
    /* roundf: half away from zero; nearbyintf: half to even (the default
     * rounding mode, which nothing in the library changes) */
    float r = xnnpack               ? nearbyintf(in[k] * (1.0f / o->q->scale[c]))
              : o->type == NQ_INT16 ? (float)round((double)in[k] / (double)o->q->scale[c])
                                    : roundf(in[k] / o->q->scale[c]);
    int64_t q;
    if (r != r) return nq_ref_fail(a, err, NQ_ERR_NUMERIC, "input element %zu is NaN", k);
    if (r > 1e9f)
      q = hi;
    else if (r < -1e9f)
      q = lo;
    else
      q = (int64_t)r + o->q->zero_point[c];
    q = q < lo ? lo : q > hi ? hi : q;
    if (o->type == NQ_INT8)
      ((int8_t *)o->data)[k] = (int8_t)q;
    else if (o->type == NQ_UINT8)
      ((uint8_t *)o->data)[k] = (uint8_t)q;
    else
      ((int16_t *)o->data)[k] = (int16_t)q;
  }
  return NQ_OK;
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0) {
    float f = ldexpf((float)man, -24);
    return sign ? -f : f;
  }
  if (exp == 31)
    bits = sign | 0x7f800000u | (man << 13);
  else
    bits = sign | ((exp + 112) << 23) | (man << 13);
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

nq_status nq_ref_dequantize(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0];
  float *out = a->out[0].data;
  size_t n = nq_tview_elems(x);
  for (size_t k = 0; k < n; k++) {
    if (x->type == NQ_FLOAT16) {
      uint16_t h;
      memcpy(&h, (const char *)x->data + 2 * k, 2);
      out[k] = half_to_float(h);
      continue;
    }
    size_t c = channel(x, k);
    int64_t q = x->type == NQ_INT8    ? ((const int8_t *)x->data)[k]
                : x->type == NQ_UINT8 ? ((const uint8_t *)x->data)[k]
                                      : ((const int16_t *)x->data)[k];
    out[k] = (float)(q - x->q->zero_point[c]) * x->q->scale[c];
  }
  (void)err;
  return NQ_OK;
}
