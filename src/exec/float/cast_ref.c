/*
 * CAST between float32, int8, uint8, int16, int32, int64 and bool,
 * reference. Float to integer truncates toward zero (C conversion, as
 * TFLite's static_cast); out-of-range floats saturate instead of being
 * undefined behaviour. To bool: value != 0.
 */
#include <math.h>

#include "exec/float/ref.h"

static bool castable(nq_dtype t) {
  return t == NQ_FLOAT32 || t == NQ_INT8 || t == NQ_UINT8 || t == NQ_INT16 || t == NQ_INT32 ||
         t == NQ_INT64 || t == NQ_BOOL;
}

nq_status nq_ref_prep_cast(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (!castable(a->in[0].type) || !castable(a->out[0].type))
    return nq_ref_type_fail(a, err, "float32/int8/uint8/int16/int32/int64/bool");
  return NQ_OK;
}

static double get(const void *p, nq_dtype t, size_t i) {
  switch (t) {
    case NQ_FLOAT32:
      return ((const float *)p)[i];
    case NQ_INT8:
      return ((const int8_t *)p)[i];
    case NQ_UINT8:
      return ((const uint8_t *)p)[i];
    case NQ_BOOL:
      return ((const uint8_t *)p)[i] != 0;
    case NQ_INT16:
      return ((const int16_t *)p)[i];
    case NQ_INT32:
      return ((const int32_t *)p)[i];
    default:
      return (double)((const int64_t *)p)[i];
  }
}

static double sat(double v, double lo, double hi) {
  v = trunc(v);
  return v != v ? 0.0 : v < lo ? lo : v > hi ? hi : v;
}

nq_status nq_ref_cast(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *o = &a->out[0];
  size_t n = nq_tview_elems(x);
  for (size_t i = 0; i < n; i++) {
    if (x->type == NQ_INT64 && o->type == NQ_INT64) {
      ((int64_t *)o->data)[i] = ((const int64_t *)x->data)[i];
      continue;
    }
    double v = get(x->data, x->type, i);
    switch (o->type) {
      case NQ_FLOAT32:
        ((float *)o->data)[i] = x->type == NQ_INT64 ? (float)((const int64_t *)x->data)[i] : (float)v;
        break;
      case NQ_INT8:
        ((int8_t *)o->data)[i] = (int8_t)sat(v, -128, 127);
        break;
      case NQ_UINT8:
        ((uint8_t *)o->data)[i] = (uint8_t)sat(v, 0, 255);
        break;
      case NQ_BOOL:
        ((uint8_t *)o->data)[i] = v != 0.0;
        break;
      case NQ_INT16:
        ((int16_t *)o->data)[i] = (int16_t)sat(v, -32768, 32767);
        break;
      case NQ_INT32:
        ((int32_t *)o->data)[i] = (int32_t)sat(v, -2147483648.0, 2147483647.0);
        break;
      default:
        ((int64_t *)o->data)[i] = (int64_t)sat(v, -9.2e18, 9.2e18);
        break;
    }
  }
  (void)err;
  return NQ_OK;
}
