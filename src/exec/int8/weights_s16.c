/* Shared prepare step of the weighted int16x8 ops; see weights_s16.h. */
#include "exec/int8/weights_s16.h"

#include <stdlib.h>

/* Fail unless v is int16 with zero point 0 (TFLite's symmetric int16). */
static nq_status need_s16(const nq_kernel_args *a, const nq_tview *v, const char *what, float *scale,
                          nq_error *err) {
  if (!v->data) return nq_i8_fail(a, err, "%s is missing", what);
  if (v->type != NQ_INT16)
    return nq_i8_fail(a, err, "%s has type %s, int16 expected (16x8 node)", what, nq_dtype_name(v->type));
  int32_t zp;
  NQ_TRY(nq_i8_qparams(a, v, what, scale, &zp, err));
  if (zp != 0)
    return nq_i8_fail(a, err, "%s is int16 with zero point %d, 0 expected (symmetric)", what, (int)zp);
  return NQ_OK;
}

nq_status nq_s16_weights_prepare(const nq_kernel_args *a, const nq_i8_wspec *spec, void **prepared,
                                 nq_error *err) {
  *prepared = NULL;
  if (a->n_in <= spec->weights || a->n_in <= spec->input || a->n_out < 1)
    return nq_i8_fail(a, err, "%d inputs / %d outputs, at least %d inputs expected", a->n_in, a->n_out,
                      spec->weights + 1);
  const nq_tview *in = &a->in[spec->input], *w = &a->in[spec->weights], *out = &a->out[0];
  const nq_tview *b = spec->bias < a->n_in && a->in[spec->bias].data ? &a->in[spec->bias] : NULL;
  float s_in, s_out, s_w0;
  int32_t zp_w0;
  NQ_TRY(need_s16(a, in, "input", &s_in, err));
  NQ_TRY(need_s16(a, out, "output", &s_out, err));
  if (!w->data || w->type != NQ_INT8)
    return nq_i8_fail(a, err, "weights must be constant int8 for an int16 input (16x8), got %s%s",
                      nq_dtype_name(w->type), w->data ? "" : " without data");
  if (spec->ch_axis >= w->rank)
    return nq_i8_fail(a, err, "weights have rank %d, channel axis %d expected", w->rank, spec->ch_axis);
  NQ_TRY(nq_i8_qparams(a, w, "weights", &s_w0, &zp_w0, err));
  const int n_ch = w->shape[spec->ch_axis];
  if (n_ch < 1) return nq_i8_fail(a, err, "weights have %d output channels", n_ch);
  const nq_quant *wq = w->q;
  const bool per_channel = wq->n > 1;
  if (per_channel && (wq->n != n_ch || wq->axis != spec->ch_axis))
    return nq_i8_fail(a, err, "weights have %d scales on axis %d, %d on axis %d expected (per-channel)",
                      wq->n, wq->axis, n_ch, spec->ch_axis);
  for (int c = 0; c < wq->n; c++)
    if (wq->zero_point[c] != 0)
      return nq_i8_fail(a, err,
                        "weight zero point %lld on channel %d, 0 expected (16x8 weights are symmetric)",
                        (long long)wq->zero_point[c], c);
  if (b) {
    if (b->type != NQ_INT64 && b->type != NQ_INT32)
      return nq_i8_fail(a, err, "bias has type %s, int64 or int32 expected (16x8)", nq_dtype_name(b->type));
    if (nq_tview_elems(b) != (size_t)n_ch)
      return nq_i8_fail(a, err, "bias has %zu elements, %d expected", nq_tview_elems(b), n_ch);
  }
  const size_t off_qm = (sizeof(nq_s16_wprep) + 7) & ~(size_t)7;
  const size_t off_bias = off_qm + (((size_t)n_ch * sizeof(nq_qmul) + 7) & ~(size_t)7);
  const size_t off_ds = off_bias + (size_t)n_ch * sizeof(int64_t);
  void *blk;
  NQ_TRY(nq_i8_alloc_prepared(a, off_ds + (size_t)n_ch * sizeof(double), &blk, err));
  nq_s16_wprep *p = blk;
  p->qm = (nq_qmul *)((char *)blk + off_qm);
  p->bias = (int64_t *)((char *)blk + off_bias);
  p->n_ch = n_ch;
  p->dscale = spec->s16_double_requant ? (double *)((char *)blk + off_ds) : NULL;
  const int act = a->p ? (int)a->p->act : 0;
  if (!nq_activation_range(act, s_out, 0, INT16_MIN, INT16_MAX, &p->act_lo, &p->act_hi)) {
    free(blk);
    return nq_i8_fail(a, err, "fused activation %d has no integer form", act);
  }
  for (int c = 0; c < n_ch; c++) {
    const float s_w = per_channel ? wq->scale[c] : s_w0;
    if (!(s_w >= 0.0f)) {
      free(blk);
      return nq_i8_fail(a, err, "weight scale %g of channel %d is not a non-negative number", (double)s_w, c);
    }
    const double m = (!per_channel && spec->legacy_per_tensor_scale) ? nq_conv_scale_legacy(s_in, s_w, s_out)
                                                                     : nq_conv_scale_double(s_in, s_w, s_out);
    /* TFLite's int64 requantizer takes shifts up to 7 (a scale below 128). */
    if (!nq_quantize_multiplier(m, &p->qm[c]) || p->qm[c].shift > 7) {
      free(blk);
      return nq_i8_fail(a, err, "channel %d: effective scale %g cannot be represented (at most 2^7 for 16x8)",
                        c, m);
    }
    if (p->dscale) p->dscale[c] = m;
    if (!b)
      p->bias[c] = 0;
    else if (b->type == NQ_INT64)
      p->bias[c] = ((const int64_t *)b->data)[c];
    else
      p->bias[c] = ((const int32_t *)b->data)[c];
  }
  p->int32_requant = spec->s16_optimized_without_int64_bias && (!b || b->type == NQ_INT32);
  *prepared = p;
  return NQ_OK;
}
