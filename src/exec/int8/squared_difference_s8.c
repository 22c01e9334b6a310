/*
 * Integer SQUARED_DIFFERENCE, int8 only (squared_difference.cc; XNNPACK
 * does not take it quantized, so LiteRT runs this kernel), with
 * broadcasting.
 *
 * Prepare, in TFLite's mixed float/double arithmetic: t = 2 * max(s1, s2)
 * (exact in float), m1 = s1 / t, m2 = s2 / t, mo = t^2 / (2^14 * s_out),
 * each QuantizeMultiplierSmallerThanOneExp (exponent <= 0, checked).
 * Per element: a_i = MBQM((x_i - zp_i) * 2^7, m_i), d = a_1 - a_2,
 * out = clamp(MBQM(d * d, mo) + zp_out, -128, 127).
 * |x - zp| <= 255, so |a_i| <= 255 * 2^6 and d * d <= 255^2 * 2^14 < 2^31.
 */
#include "exec/int8/int8_kernels.h"

typedef struct sqdiff_prep {
  int32_t zp1, zp2, zpo;
  nq_qmul m1, m2, mo;
} sqdiff_prep;

nq_status nq_i8_squared_difference_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in != 2 || a->n_out != 1)
    return nq_i8_fail(a, err, "%d inputs / %d outputs, 2 / 1 expected", a->n_in, a->n_out);
  NQ_TRY(nq_i8_need_q8(a, &a->in[0], "input 0", err));
  NQ_TRY(nq_i8_need_q8(a, &a->in[1], "input 1", err));
  NQ_TRY(nq_i8_need_q8(a, &a->out[0], "output", err));
  if (a->in[0].type != NQ_INT8 || a->in[1].type != NQ_INT8 || a->out[0].type != NQ_INT8)
    return nq_i8_fail(a, err, "int8 inputs and output expected (TFLite has no uint8 form)");
  float s1, s2, so;
  sqdiff_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input 0", &s1, &p->zp1, err));
  NQ_TRY(nq_i8_qparams(a, &a->in[1], "input 1", &s2, &p->zp2, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &so, &p->zpo, err));
  const double twice_max = 2.0 * (double)(s1 > s2 ? s1 : s2);
  const double mo = twice_max * twice_max / ((double)(1 << 14) * (double)so);
  if (!nq_quantize_multiplier((double)s1 / twice_max, &p->m1) ||
      !nq_quantize_multiplier((double)s2 / twice_max, &p->m2) || !nq_quantize_multiplier(mo, &p->mo) ||
      p->mo.shift > 0)
    return nq_i8_fail(a, err, "scales %g, %g -> %g: output multiplier %g is not below 1", (double)s1,
                      (double)s2, (double)so, mo);
  return NQ_OK;
}

nq_status nq_i8_squared_difference_run(const nq_kernel_args *a, nq_error *err) {
  const sqdiff_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const nq_tview *i0 = &a->in[0], *i1 = &a->in[1], *out = &a->out[0];
  int64_t st0[NQ_MAX_RANK], st1[NQ_MAX_RANK];
  NQ_TRY(nq_i8_bcast_strides(a, i0, out, st0, err));
  NQ_TRY(nq_i8_bcast_strides(a, i1, out, st1, err));
  const int sr = a->single_rounding;
  const int8_t *x1 = i0->data, *x2 = i1->data;
  int8_t *y = out->data;
  nq_i8_iter it;
  nq_i8_iter_init(&it, out, st0, st1);
  const size_t n = nq_tview_elems(out);
  for (size_t i = 0; i < n; i++, nq_i8_iter_next(&it)) {
    const int32_t a1 = nq_mbqm((x1[it.off0] - p->zp1) * (1 << 7), p->m1, sr);
    const int32_t a2 = nq_mbqm((x2[it.off1] - p->zp2) * (1 << 7), p->m2, sr);
    const int32_t d = a1 - a2;
    const int32_t o = nq_sat_i32((int64_t)nq_mbqm(d * d, p->mo, sr) + p->zpo);
    y[i] = (int8_t)nq_clamp_i32(o, -128, 127);
  }
  return NQ_OK;
}
