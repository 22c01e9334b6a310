/*
 * Integer CONCATENATION along p->axis (negative counts from the end).
 *
 * When every input has the output's scale and zero point (what the TFLite
 * converter produces, and all TFLite's int8 kernel accepts) this is a pure
 * copy. Otherwise each input is requantized as TFLite's uint8
 * ConcatenationWithScaling does, in float:
 *   q_out = round(q * (s_i * (1 / s_out)) - zp_i * (s_i * (1 / s_out))) + zp_out
 * clamped; we apply it to int8 as well (XNNPACK/TFLite reject int8
 * rescaling, so there is no int8 bit-exact reference for that case).
 * The fast kernel (int8_fast_table.c) evaluates that formula once per byte
 * value into a 256-byte table per input and looks every element up: the
 * same results, without a float multiply and rounding per element.
 */
#include "exec/int8/int8_kernels.h"

#include <math.h>
#include <string.h>

/* Input byte b of a `t` tensor requantized as described at the top. */
static uint8_t rescale_byte(nq_dtype t, int b, float scale, float bias, int32_t zp_out, int32_t qmin,
                            int32_t qmax) {
  const float x = t == NQ_UINT8 ? (float)b : (float)(int8_t)(uint8_t)b;
  int32_t v = nq_round_f32_to_i32(x * scale + bias);
  v = nq_clamp_i32(nq_sat_i32((int64_t)v + zp_out), qmin, qmax);
  return t == NQ_UINT8 ? (uint8_t)v : (uint8_t)(int8_t)v;
}

static nq_status concat_with(const nq_kernel_args *a, bool table, nq_error *err) {
  const nq_tview *out = &a->out[0];
  const int r = out->rank;
  int axis = a->p->axis < 0 ? a->p->axis + r : a->p->axis;
  if (r < 1 || axis < 0 || axis >= r) return nq_i8_fail(a, err, "axis %d out of range", a->p->axis);
  const size_t es = nq_dtype_size(out->type);
  size_t outer = 1, inner = 1;
  for (int d = 0; d < axis; d++) outer *= (size_t)out->shape[d];
  for (int d = axis + 1; d < r; d++) inner *= (size_t)out->shape[d];
  const bool q8 = nq_i8_is_q8(out->type);
  float s_out = 1.0f;
  int32_t zp_out = 0, qmin, qmax;
  if (q8 || out->type == NQ_INT16) NQ_TRY(nq_i8_qparams(a, out, "output", &s_out, &zp_out, err));
  nq_i8_type_range(out->type, &qmin, &qmax);
  size_t total_axis = 0;
  for (int k = 0; k < a->n_in; k++) {
    const nq_tview *in = &a->in[k];
    if (in->type != out->type || in->rank != r || !in->data)
      return nq_i8_fail(a, err, "input %d has type %s rank %d, %s rank %d expected", k,
                        nq_dtype_name(in->type), in->rank, nq_dtype_name(out->type), r);
    for (int d = 0; d < r; d++)
      if (d != axis && in->shape[d] != out->shape[d])
        return nq_i8_fail(a, err, "input %d dim %d is %d, %d expected", k, d, (int)in->shape[d],
                          (int)out->shape[d]);
    total_axis += (size_t)in->shape[axis];
  }
  if (total_axis != (size_t)out->shape[axis])
    return nq_i8_fail(a, err, "inputs sum to %zu along axis %d, output has %d", total_axis, axis,
                      (int)out->shape[axis]);
  size_t base = 0; /* element offset of input k's block inside one outer row */
  const size_t out_row = (size_t)out->shape[axis] * inner;
  for (int k = 0; k < a->n_in; k++) {
    const nq_tview *in = &a->in[k];
    const size_t blk = (size_t)in->shape[axis] * inner;
    bool rescale = false;
    float s_in = s_out;
    int32_t zp_in = zp_out;
    if (q8) {
      NQ_TRY(nq_i8_qparams(a, in, "input", &s_in, &zp_in, err));
      rescale = s_in != s_out || zp_in != zp_out;
    } else if (out->type == NQ_INT16) {
      /* TFLite's int16 CONCATENATION does not rescale: it requires them equal. */
      NQ_TRY(nq_i8_qparams(a, in, "input", &s_in, &zp_in, err));
      if (s_in != s_out || zp_in != zp_out)
        return nq_i8_fail(a, err, "int16 input %d has scale %g zero point %d, the output's %g / %d expected",
                          k, (double)s_in, (int)zp_in, (double)s_out, (int)zp_out);
    }
    if (!rescale) {
      for (size_t o = 0; o < outer; o++)
        memcpy((char *)out->data + (o * out_row + base) * es, (const char *)in->data + o * blk * es,
               blk * es);
    } else {
      const float scale = s_in * (1.0f / s_out);
      const float bias = (float)(-zp_in) * scale;
      if (table) {
        uint8_t tab[256];
        for (int b = 0; b < 256; b++) tab[b] = rescale_byte(out->type, b, scale, bias, zp_out, qmin, qmax);
        const uint8_t *x = in->data;
        uint8_t *y = out->data;
        for (size_t o = 0; o < outer; o++)
          for (size_t j = 0; j < blk; j++) y[o * out_row + base + j] = tab[x[o * blk + j]];
      } else {
        for (size_t o = 0; o < outer; o++)
          for (size_t j = 0; j < blk; j++) {
            const float x = (float)nq_i8_ld(in->data, in->type, o * blk + j);
            int32_t v = nq_round_f32_to_i32(x * scale + bias);
            v = nq_clamp_i32(nq_sat_i32((int64_t)v + zp_out), qmin, qmax);
            nq_i8_st(out->data, out->type, o * out_row + base + j, v);
          }
      }
    }
    base += blk;
  }
  return NQ_OK;
}

nq_status nq_i8_concat_run(const nq_kernel_args *a, nq_error *err) { return concat_with(a, false, err); }
nq_status nq_i8_concat_fast_run(const nq_kernel_args *a, nq_error *err) { return concat_with(a, true, err); }
