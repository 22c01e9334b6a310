/*
 * Integer QUANTIZE between 8-bit types (quantize.cc requantize path):
 * m = double(s_in) / double(s_out); out = MBQM(q - zp_in, m) + zp_out,
 * clamped. |q - zp_in| <= 255. int8 -> uint8 with equal scales and
 * zp_out = zp_in + 128 gives m = 1 = (2^30, shift 1), which MBQM applies
 * exactly, so the result is the XOR-0x80 shortcut TFLite's optimized
 * Requantize takes. float <-> int8 QUANTIZE/DEQUANTIZE are float-side.
 *
 * Single rounding models LiteRT, whose XNNPACK delegate takes a same-type
 * requantize when float(s_in) / float(s_out) lies in [2^-8, 2^7] and runs
 * it as XNNPACK's qs8/qu8 convert: an 8-bit fraction multiplier
 * M = lrintf(256 * ratio) (1..32768) and
 * out = ((zp_out << 8) + (q - zp_in) * M + 128) >> 8 (arithmetic shift),
 * i.e. round half up of (q - zp_in) * M / 256. That differs from the 31-bit
 * multiplier by one step wherever the 8-bit M is coarser (YOLOv5n's output
 * requantize: 2317 of 2.1 M elements). |q - zp_in| * M <= 255 * 32768 fits
 * in int32. Other ratios and int8 <-> uint8 stay on TFLite's kernel.
 */
#include <math.h>

#include "exec/int8/int8_kernels.h"

typedef struct quantize_prep {
  int32_t zp_in, zp_out;
  nq_qmul m;
  int32_t xnn_m; /* XNNPACK's 8-bit-fraction multiplier, 0 when XNNPACK would not take it */
} quantize_prep;

/* XNNPACK's multiplier for a same-type requantize, or 0 where the delegate
 * leaves the op to TFLite (ratio outside [2^-8, 2^7], or a type change). */
static int32_t xnnpack_convert_multiplier(float s_in, float s_out, nq_dtype t_in, nq_dtype t_out) {
  if (t_in != t_out) return 0;
  const float ratio = s_in / s_out;
  if (!(ratio >= 0x1.0p-8f && ratio <= 0x1.0p+7f)) return 0;
  return (int32_t)lrintf(256.0f * ratio);
}

nq_status nq_i8_quantize_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in < 1 || a->n_out < 1) return nq_i8_fail(a, err, "needs one input and one output");
  NQ_TRY(nq_i8_need_qact(a, &a->in[0], "input", err));
  NQ_TRY(nq_i8_need_qact(a, &a->out[0], "output", err));
  float s_in, s_out;
  quantize_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", &s_in, &p->zp_in, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &s_out, &p->zp_out, err));
  if (!nq_quantize_multiplier((double)s_in / (double)s_out, &p->m))
    return nq_i8_fail(a, err, "scale ratio %g cannot be represented", (double)s_in / s_out);
  /* XNNPACK converts 8-bit types only. */
  p->xnn_m = a->in[0].type == NQ_INT16 || a->out[0].type == NQ_INT16
                 ? 0
                 : xnnpack_convert_multiplier(s_in, s_out, a->in[0].type, a->out[0].type);
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
  if (a->single_rounding && p->xnn_m) {
    const int32_t bias = p->zp_out * 256 + 128;
    for (size_t i = 0; i < n; i++) {
      const int32_t v = bias + (nq_i8_ld(in->data, in->type, i) - p->zp_in) * p->xnn_m;
      /* Floor division by 256 = the arithmetic shift XNNPACK uses, without
       * relying on >> of a negative value. */
      const int32_t shifted = v >= 0 ? v / 256 : -((-v + 255) / 256);
      nq_i8_st(out->data, out->type, i, nq_clamp_i32(shifted, qmin, qmax));
    }
    return NQ_OK;
  }
  const int sr = nq_i8_rounding_for(a, in->type) && nq_i8_rounding_for(a, out->type);
  for (size_t i = 0; i < n; i++) {
    int32_t v = nq_mbqm(nq_i8_ld(in->data, in->type, i) - p->zp_in, p->m, sr);
    nq_i8_st(out->data, out->type, i, nq_clamp_i32(nq_sat_i32((int64_t)v + p->zp_out), qmin, qmax));
  }
  return NQ_OK;
}
