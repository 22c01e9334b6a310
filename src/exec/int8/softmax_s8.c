/*
 * Integer SOFTMAX over the last dimension.
 *
 * Bit-exact target: TFLite's builtin kernel as LiteRT runs it. The XNNPACK
 * delegate takes float softmax only, so an int8/uint8 SOFTMAX always runs
 * TFLite's own kernel, and activations.cc SoftmaxPrepare/SoftmaxQuantized
 * (non-reference kernel types) use the float lookup-table path of
 * optimized_ops (PopulateSoftmaxLookupTable + Softmax<In, Out>), not the
 * gemmlowp fixed-point exp of reference_ops/TFLM. We reproduce that path;
 * it has no fixed-point requantization, so single/double rounding does not
 * apply:
 *   table[255 - v] = expf(-s_in * beta * v), v = 0..255 (float)
 *   per row: m = max(x); sum = float sum of table[255 - m + x];
 *   inv = 1 / (sum * s_out); q = round(table[255 - m + x] * inv) + zp_out
 *   (int8: roundf, ties away; uint8: (int)(p + 0.5f), TFLite's non-aarch64
 *   uint8 specialization), clamped to the type's range.
 * 255 - m + x is in [0, 255] because x <= m and x - m >= -255.
 */
#include "exec/int8/int8_kernels.h"

#include <math.h>

typedef struct softmax_prep {
  float table[256];
  float s_out;
  int32_t zp_out;
} softmax_prep;

nq_status nq_i8_softmax_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in < 1 || a->n_out < 1) return nq_i8_fail(a, err, "needs one input and one output");
  if (a->in[0].type == NQ_INT16) return nq_s16_softmax_prepare(a, prepared, err);
  NQ_TRY(nq_i8_need_q8(a, &a->in[0], "input", err));
  NQ_TRY(nq_i8_need_q8(a, &a->out[0], "output", err));
  if (a->in[0].type != a->out[0].type) return nq_i8_fail(a, err, "input and output types differ");
  float s_in;
  int32_t zp_in;
  softmax_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", &s_in, &zp_in, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &p->s_out, &p->zp_out, err));
  const float scale = -s_in * a->p->beta;
  for (int v = 0; v <= 255; v++) p->table[255 - v] = expf(scale * (float)v);
  return NQ_OK;
}

nq_status nq_i8_softmax_run(const nq_kernel_args *a, nq_error *err) {
  if (a->in[0].type == NQ_INT16) return nq_s16_softmax_run(a, err);
  const softmax_prep *p = a->prepared;
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  if (!p) return nq_i8_fail(a, err, "not prepared");
  if (in->rank < 1) return nq_i8_fail(a, err, "input must have rank >= 1");
  const size_t n = nq_tview_elems(in);
  const size_t depth = (size_t)in->shape[in->rank - 1];
  if (n != nq_tview_elems(out) || depth == 0) return NQ_OK;
  const nq_dtype t = in->type;
  int32_t qmin, qmax;
  nq_i8_type_range(t, &qmin, &qmax);
  for (size_t row = 0; row < n / depth; row++) {
    const size_t base = row * depth;
    int32_t m = qmin;
    for (size_t j = 0; j < depth; j++) {
      int32_t v = nq_i8_ld(in->data, t, base + j);
      if (v > m) m = v;
    }
    const float *tab = p->table;
    const int32_t off = 255 - m; /* off + x is in [0, 255] */
    float sum = 0.0f;
    for (size_t j = 0; j < depth; j++) sum += tab[off + nq_i8_ld(in->data, t, base + j)];
    const float inv = 1.0f / (sum * p->s_out);
    for (size_t j = 0; j < depth; j++) {
      const float prob = tab[off + nq_i8_ld(in->data, t, base + j)] * inv;
      int32_t q = t == NQ_UINT8 ? (int32_t)(prob + 0.5f) : nq_round_f32_to_i32(prob);
      q = nq_sat_i32((int64_t)q + p->zp_out);
      nq_i8_st(out->data, t, base + j, nq_clamp_i32(q, qmin, qmax));
    }
  }
  return NQ_OK;
}
