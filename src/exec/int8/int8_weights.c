/* Shared prepare step of the weighted int8 ops; see int8_weights.h. */
#include "exec/int8/int8_weights.h"

#include <stdlib.h>
#include <string.h>

/* Round a byte offset up to 8 so the arrays in the block stay aligned. */
static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

nq_status nq_i8_weights_prepare(const nq_kernel_args *a, const nq_i8_wspec *spec, void **prepared,
                                nq_error *err) {
  *prepared = NULL;
  if (a->n_in <= spec->weights || a->n_out < 1)
    return nq_i8_fail(a, err, "%d inputs / %d outputs, at least %d inputs expected", a->n_in, a->n_out,
                      spec->weights + 1);
  const nq_tview *in = &a->in[spec->input];
  const nq_tview *w = &a->in[spec->weights];
  const nq_tview *b = (spec->bias < a->n_in) ? &a->in[spec->bias] : NULL;
  const nq_tview *out = &a->out[0];
  NQ_TRY(nq_i8_need_q8(a, in, "input", err));
  NQ_TRY(nq_i8_need_q8(a, out, "output", err));
  if (!w->data || !nq_i8_is_q8(w->type))
    return nq_i8_fail(a, err, "weights must be constant int8 or uint8, got %s%s", nq_dtype_name(w->type),
                      w->data ? "" : " without data");
  if (spec->ch_axis >= w->rank)
    return nq_i8_fail(a, err, "weights have rank %d, channel axis %d expected", w->rank, spec->ch_axis);
  float s_in, s_out, s_w0;
  int32_t zp_in, zp_out, zp_w0;
  NQ_TRY(nq_i8_qparams(a, in, "input", &s_in, &zp_in, err));
  NQ_TRY(nq_i8_qparams(a, out, "output", &s_out, &zp_out, err));
  NQ_TRY(nq_i8_qparams(a, w, "weights", &s_w0, &zp_w0, err));
  const int n_ch = w->shape[spec->ch_axis];
  if (n_ch < 1) return nq_i8_fail(a, err, "weights have %d output channels", n_ch);
  const nq_quant *wq = w->q;
  const bool per_channel = wq->n > 1;
  if (per_channel && (wq->n != n_ch || wq->axis != spec->ch_axis))
    return nq_i8_fail(a, err, "weights have %d scales on axis %d, %d on axis %d expected (per-channel)",
                      wq->n, wq->axis, n_ch, spec->ch_axis);
  if (b && b->data) {
    if (b->type != NQ_INT32)
      return nq_i8_fail(a, err, "bias has type %s, int32 expected", nq_dtype_name(b->type));
    if (nq_tview_elems(b) != (size_t)n_ch)
      return nq_i8_fail(a, err, "bias has %zu elements, %d expected", nq_tview_elems(b), n_ch);
  }

  const size_t w_elems = nq_tview_elems(w);
  size_t off_qm = align8(sizeof(nq_i8_wprep));
  size_t off_bias = off_qm + align8((size_t)n_ch * sizeof(nq_qmul));
  size_t off_fs = off_bias + align8((size_t)n_ch * sizeof(int32_t));
  size_t off_w = off_fs + align8((size_t)n_ch * sizeof(float));
  size_t total = off_w + w_elems * sizeof(int16_t);
  void *blk;
  NQ_TRY(nq_i8_alloc_prepared(a, total, &blk, err));
  nq_i8_wprep *p = blk;
  p->qm = (nq_qmul *)((char *)blk + off_qm);
  p->bias = (int32_t *)((char *)blk + off_bias);
  p->fscale = (float *)((char *)blk + off_fs);
  p->w = (int16_t *)((char *)blk + off_w);
  p->n_ch = n_ch;
  p->w_elems = w_elems;
  p->in_zp = zp_in;
  p->out_zp = zp_out;

  int32_t qmin, qmax;
  nq_i8_type_range(out->type, &qmin, &qmax);
  if (!nq_activation_range(a->p ? (int)a->p->act : 0, s_out, zp_out, qmin, qmax, &p->act_lo, &p->act_hi)) {
    free(blk);
    return nq_i8_fail(a, err, "fused activation %d has no integer form", a->p ? (int)a->p->act : 0);
  }

  for (int c = 0; c < n_ch; c++) {
    float s_w = per_channel ? wq->scale[c] : s_w0;
    if (!(s_w >= 0.0f)) {
      free(blk);
      return nq_i8_fail(a, err, "weight scale %g of channel %d is not a non-negative number", (double)s_w, c);
    }
    double m = (!per_channel && spec->legacy_per_tensor_scale) ? nq_conv_scale_legacy(s_in, s_w, s_out)
                                                               : nq_conv_scale_double(s_in, s_w, s_out);
    if (!nq_quantize_multiplier(m, &p->qm[c])) {
      free(blk);
      return nq_i8_fail(a, err, "channel %d: effective scale %g cannot be represented", c, m);
    }
    p->bias[c] = (b && b->data) ? ((const int32_t *)b->data)[c] : 0;
    /* XNNPACK's requantization scale: (s_in * s_w) / s_out in float. */
    volatile float prod = s_in * s_w;
    p->fscale[c] = prod / s_out;
  }

  /* Re-centre the weights on their zero point(s). */
  size_t inner = 1;
  for (int d = spec->ch_axis + 1; d < w->rank; d++) inner *= (size_t)w->shape[d];
  int32_t wlo, whi;
  nq_i8_type_range(w->type, &wlo, &whi);
  int32_t maxabs = 0;
  for (size_t i = 0; i < w_elems; i++) {
    int c = (int)((i / inner) % (size_t)n_ch);
    int64_t z = per_channel ? wq->zero_point[c] : zp_w0;
    if (z < wlo || z > whi) {
      free(blk);
      return nq_i8_fail(a, err, "weight zero point %lld of channel %d outside [%d, %d]", (long long)z, c,
                        (int)wlo, (int)whi);
    }
    int32_t v = nq_i8_ld(w->data, w->type, i) - (int32_t)z;
    p->w[i] = (int16_t)v;
    int32_t av = v < 0 ? -v : v;
    if (av > maxabs) maxabs = av;
  }
  p->w_maxabs = maxabs;
  const int64_t acc_bound = (int64_t)spec->k_terms * 255 * maxabs;
  p->bias_cannot_saturate = true;
  for (int c = 0; c < n_ch; c++)
    if (llabs((long long)p->bias[c]) + acc_bound > INT32_MAX) p->bias_cannot_saturate = false;
  /* Accumulator bound: see the header. */
  if (maxabs > 0 && spec->k_terms > (size_t)(INT32_MAX / (255 * maxabs))) {
    free(blk);
    return nq_i8_fail(a, err,
                      "%zu products of up to 255*%d per output could overflow the int32 "
                      "accumulator",
                      spec->k_terms, (int)maxabs);
  }
  *prepared = p;
  return NQ_OK;
}

/* Round to nearest, ties to even, for |f| < 2^22 (the clamped values here
 * are within +-510): adding 1.5 * 2^23 leaves no fraction bits, so the FPU's
 * default rounding does the work, and the difference is an exact integer.
 * Equal to lrintf in the default rounding mode; plain float arithmetic, so
 * the loop below vectorizes. */
static inline int32_t round_even_small(float f) {
  /* Without -ffast-math the compiler may not fold (f + m) - m to f. */
  const float m = 0x1.8p23f;
  return (int32_t)((f + m) - m);
}

void nq_i8_wfinish_row(const nq_i8_wprep *p, int c0, int nc, const int32_t *acc, void *out, nq_dtype t,
                       size_t off, int single) {
  if (!single || !p->bias_cannot_saturate) {
    for (int c = 0; c < nc; c++) nq_i8_st(out, t, off + (size_t)c, nq_i8_wfinish(p, c0 + c, acc[c], single));
    return;
  }
  const float lo = (float)(p->act_lo - p->out_zp), hi = (float)(p->act_hi - p->out_zp);
  const int32_t *bias = p->bias + c0;
  const float *fs = p->fscale + c0;
  const int32_t zp = p->out_zp;
  if (t == NQ_UINT8) {
    uint8_t *o = (uint8_t *)out + off;
    for (int c = 0; c < nc; c++) {
      float f = (float)(acc[c] + bias[c]) * fs[c];
      f = f < lo ? lo : (f > hi ? hi : f);
      o[c] = (uint8_t)(round_even_small(f) + zp);
    }
  } else {
    int8_t *o = (int8_t *)out + off;
    for (int c = 0; c < nc; c++) {
      float f = (float)(acc[c] + bias[c]) * fs[c];
      f = f < lo ? lo : (f > hi ? hi : f);
      o[c] = (int8_t)(round_even_small(f) + zp);
    }
  }
}
