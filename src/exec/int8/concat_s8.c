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
 */
#include "exec/int8/int8_kernels.h"

#include <math.h>
#include <string.h>

nq_status nq_i8_concat_run(const nq_kernel_args *a, nq_error *err) {
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
  if (q8) NQ_TRY(nq_i8_qparams(a, out, "output", &s_out, &zp_out, err));
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
    }
    if (!rescale) {
      for (size_t o = 0; o < outer; o++)
        memcpy((char *)out->data + (o * out_row + base) * es, (const char *)in->data + o * blk * es,
               blk * es);
    } else {
      const float scale = s_in * (1.0f / s_out);
      const float bias = (float)(-zp_in) * scale;
      for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < blk; j++) {
          const float x = (float)nq_i8_ld(in->data, in->type, o * blk + j);
          int32_t v = nq_round_f32_to_i32(x * scale + bias);
          v = nq_clamp_i32(nq_sat_i32((int64_t)v + zp_out), qmin, qmax);
          nq_i8_st(out->data, out->type, o * out_row + base + j, v);
        }
    }
    base += blk;
  }
  return NQ_OK;
}

/* ---- QUANTIZE between 8-bit types (quantize.cc requantize path) ----
 * m = double(s_in) / double(s_out); out = MBQM(q - zp_in, m) + zp_out,
 * clamped. |q - zp_in| <= 255. int8 -> uint8 with equal scales and
 * zp_out = zp_in + 128 gives m = 1 = (2^30, shift 1), which MBQM applies
 * exactly, so the result is the XOR-0x80 shortcut TFLite's optimized
 * Requantize takes. */

typedef struct quantize_prep {
  int32_t zp_in, zp_out;
  nq_qmul m;
} quantize_prep;

nq_status nq_i8_quantize_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in < 1 || a->n_out < 1) return nq_i8_fail(a, err, "needs one input and one output");
  NQ_TRY(nq_i8_need_q8(a, &a->in[0], "input", err));
  NQ_TRY(nq_i8_need_q8(a, &a->out[0], "output", err));
  float s_in, s_out;
  quantize_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", &s_in, &p->zp_in, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &s_out, &p->zp_out, err));
  if (!nq_quantize_multiplier((double)s_in / (double)s_out, &p->m))
    return nq_i8_fail(a, err, "scale ratio %g cannot be represented", (double)s_in / s_out);
  return NQ_OK;
}

nq_status nq_i8_quantize_run(const nq_kernel_args *a, nq_error *err) {
  const quantize_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  const size_t n = nq_tview_elems(in);
  if (n != nq_tview_elems(out)) return nq_i8_fail(a, err, "input and output sizes differ");
  int32_t qmin, qmax;
  nq_i8_type_range(out->type, &qmin, &qmax);
  for (size_t i = 0; i < n; i++) {
    int32_t v = nq_mbqm(nq_i8_ld(in->data, in->type, i) - p->zp_in, p->m, a->single_rounding);
    nq_i8_st(out->data, out->type, i, nq_clamp_i32(nq_sat_i32((int64_t)v + p->zp_out), qmin, qmax));
  }
  return NQ_OK;
}

/* ---- ARG_MAX over a constant axis (input 1); int32 or int64 output.
 * Compares raw quantized values (monotonic in the real value); the first
 * maximum wins, as TFLite's strict greater-than comparison. */

nq_status nq_i8_arg_max_run(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  if (a->n_in != 2) return nq_i8_fail(a, err, "%d inputs, 2 expected", a->n_in);
  NQ_TRY(nq_i8_need_q8(a, in, "input", err));
  int64_t axv;
  if (!nq_i8_const_int(&a->in[1], 0, &axv)) return nq_i8_fail(a, err, "axis must be int32/int64");
  const int r = in->rank;
  if (axv < -r || axv >= r) return nq_i8_fail(a, err, "axis %lld out of range", (long long)axv);
  const int axis = (int)(axv < 0 ? axv + r : axv);
  if (out->type != NQ_INT32 && out->type != NQ_INT64)
    return nq_i8_fail(a, err, "output type %s, int32 or int64 expected", nq_dtype_name(out->type));
  size_t outer = 1, inner = 1;
  for (int d = 0; d < axis; d++) outer *= (size_t)in->shape[d];
  for (int d = axis + 1; d < r; d++) inner *= (size_t)in->shape[d];
  const size_t len = (size_t)in->shape[axis];
  if (nq_tview_elems(out) != outer * inner || len == 0)
    return nq_i8_fail(a, err, "output has %zu elements, %zu expected", nq_tview_elems(out),
                      outer * inner);
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++) {
      size_t best = 0;
      int32_t bv = nq_i8_ld(in->data, in->type, o * len * inner + i);
      for (size_t k = 1; k < len; k++) {
        int32_t v = nq_i8_ld(in->data, in->type, (o * len + k) * inner + i);
        if (v > bv) {
          bv = v;
          best = k;
        }
      }
      if (out->type == NQ_INT32)
        ((int32_t *)out->data)[o * inner + i] = (int32_t)best;
      else
        ((int64_t *)out->data)[o * inner + i] = (int64_t)best;
    }
  return NQ_OK;
}
