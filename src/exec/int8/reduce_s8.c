/*
 * Integer MEAN and SUM over constant axes (input 1), TFLite reduce.cc
 * semantics for int8/uint8.
 *
 * MEAN, double-rounding mode (TFLite's builtin kernels), in TFLite's order:
 *  1. keep_dims, rank 4, axes exactly {1, 2} (the global-average-pool
 *     pattern): int8: reference_integer_ops::Mean. acc = sum (x - zp_in) in
 *     int32 (|acc| <= 255 * H * W, H * W < 2^23 checked), acc = MBQM(acc,
 *     s_in / s_out), then divided by H * W rounding half away from zero,
 *     + zp_out, clamped. uint8: reference_ops::Mean<uint8>: acc = sum x,
 *     MBQM(acc, s_in / (H*W * s_out)) + zp_out - round(zp_in * s_in / s_out)
 *     (multiplier and bias in float, as TFLite), clamped.
 *  2. otherwise reference_ops::QuantizedMeanOrSum in float:
 *     round(float(sum) / float(count) * (s_in/s_out) - zp_in * (s_in/s_out))
 *     + zp_out, clamped, whatever the parameters. (Older TFLite releases
 *     took the raw integer mean, truncated, when input and output shared
 *     scale and zero point; current reduce.cc has no such branch, and that
 *     truncation was 1 step off LiteRT on about half the outputs.)
 * MEAN, single-rounding mode, int8: what LiteRT runs, XNNPACK's qs8 mean
 * (its delegate took every int8 MEAN tried: last axis, spatial axes, scale
 * ratios 0.002 to 500), for any axes: the int32 sum S of the raw values,
 * then in float32 sc = (s_in / s_out) * (1 / count), zp' = zp_out -
 * (count * zp_in) * sc, out = round-half-even(S * sc + zp') clamped. The
 * zero point enters before rounding, so ties go to the even output value.
 * Measured 0 steps against LiteRT.js on tie-rich scales (tests/int8_exact),
 * where the TFLite forms differ by 1 step on a few percent of outputs.
 * MEAN on int16 (16x8), any axes and both modes (XNNPACK takes no int16):
 *     the integer reference_ops::QuantizedMeanOrSum of current reduce.cc:
 *     (M, e) = QuantizeMultiplier(s_in / s_out) in double; k = min(floor(
 *     log2(count)), 32, 31 + e); M' = (M * 2^k) / count (int64, truncated),
 *     out = MBQM(sum - zp_in * count, M', e - k) + zp_out, clamped (double
 *     rounding; the int32 sum cannot overflow for count < 2^16, larger
 *     sums are saturated). LiteRT.js: 0 steps (tests/int8 int16_ops_oracle),
 *     where the float form above is 1 step off.
 * SUM always uses QuantizedMeanOrSum's sum form:
 *     round(sum * (s_in/s_out) - zp_in * (s_in/s_out) * count) + zp_out,
 * clamped (TFLite wraps on overflow and, with equal parameters, adds raw
 * values in 8 bits; we keep the arithmetic meaning instead).
 * Sums outside path 1 are int64 (scratch, one per output element).
 *
 * REDUCE_MAX / REDUCE_MIN: the extreme raw value (TFLite requires equal
 * input and output quantization), no arithmetic.
 */
#include "exec/int8/int8_kernels.h"

#include <math.h>

typedef struct reduce_prep {
  float s_in, s_out;
  int32_t zp_in, zp_out;
  nq_qmul m;    /* s_in / s_out, for path 1 (int8) */
  nq_qmul m_u8; /* s_in / (H * W * s_out), for path 1 (uint8) */
  int32_t bias_u8;
} reduce_prep;

nq_status nq_i8_reduce_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in != 2 || a->n_out != 1)
    return nq_i8_fail(a, err, "%d inputs / %d outputs, 2 / 1 expected", a->n_in, a->n_out);
  NQ_TRY(nq_i8_need_qact(a, &a->in[0], "input", err));
  NQ_TRY(nq_i8_need_qact(a, &a->out[0], "output", err));
  if (a->in[0].type != a->out[0].type) return nq_i8_fail(a, err, "input and output types differ");
  reduce_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", &p->s_in, &p->zp_in, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &p->s_out, &p->zp_out, err));
  if (!nq_quantize_multiplier((double)p->s_in / (double)p->s_out, &p->m))
    return nq_i8_fail(a, err, "scale ratio %g cannot be represented", (double)p->s_in / (double)p->s_out);
  const nq_tview *in = &a->in[0];
  if (in->type == NQ_UINT8 && in->rank == 4) {
    /* reference_ops::Mean<uint8>, in float as TFLite writes it. */
    const float cnt = (float)in->shape[1] * (float)in->shape[2];
    volatile float temp = (float)p->zp_in * p->s_in / p->s_out;
    temp = temp > 0 ? temp + 0.5f : temp - 0.5f;
    p->bias_u8 = p->zp_out - nq_round_f32_to_i32(truncf(temp));
    volatile float real = p->s_in / (cnt * p->s_out);
    if (cnt > 0 && !nq_quantize_multiplier((double)real, &p->m_u8))
      return nq_i8_fail(a, err, "mean multiplier %g cannot be represented", (double)real);
  }
  return NQ_OK;
}

size_t nq_i8_reduce_scratch(const nq_kernel_args *a) {
  return nq_i8_align64(nq_tview_elems(&a->out[0]) * sizeof(int64_t));
}

nq_status nq_i8_reduce_axes(const nq_kernel_args *a, bool reduced[NQ_MAX_RANK], bool *spatial,
                            nq_error *err) {
  const nq_tview *in = &a->in[0], *ax = &a->in[1];
  const int r = in->rank;
  for (int d = 0; d < NQ_MAX_RANK; d++) reduced[d] = false;
  const size_t n_ax = nq_tview_elems(ax);
  int raw_axes[2] = {0, 0};
  for (size_t i = 0; i < n_ax; i++) {
    int64_t v;
    if (!nq_i8_const_int(ax, i, &v)) return nq_i8_fail(a, err, "axis input must be int32/int64");
    if (v < -r || v >= r) return nq_i8_fail(a, err, "axis %lld out of range for rank %d", (long long)v, r);
    if (i < 2) raw_axes[i] = (int)v;
    reduced[v < 0 ? v + r : v] = true;
  }
  /* LiteRT hands int8 MEAN to XNNPACK, spatial axes included (see top). */
  const bool xnn_mean = a->node->op == NQ_OP_MEAN && a->single_rounding && in->type == NQ_INT8;
  /* int16 MEAN has one form whatever the axes (below). */
  *spatial = !xnn_mean && in->type != NQ_INT16 && a->node->op == NQ_OP_MEAN && a->p->keep_dims && r == 4 &&
             n_ax == 2 && ((raw_axes[0] == 1 && raw_axes[1] == 2) || (raw_axes[0] == 2 && raw_axes[1] == 1));
  if (*spatial) {
    const int32_t cnt = in->shape[1] * in->shape[2];
    /* The int32 sum: |x| <= 255 (8-bit) or 32768 (int16) per term. */
    if (cnt < 1 || cnt >= (in->type == NQ_INT16 ? (1 << 16) : (1 << 23)) ||
        nq_tview_elems(&a->out[0]) != (size_t)in->shape[0] * in->shape[3])
      return nq_i8_fail(a, err, "spatial mean over %dx%d does not fit", in->shape[1], in->shape[2]);
  }
  return NQ_OK;
}

int32_t nq_i8_reduce_spatial_finish(const nq_kernel_args *a, int32_t raw_sum, int32_t cnt) {
  const reduce_prep *p = a->prepared;
  int32_t qmin, qmax;
  nq_i8_type_range(a->in[0].type, &qmin, &qmax);
  int32_t acc;
  if (a->in[0].type == NQ_UINT8) {
    acc = nq_sat_i32((int64_t)nq_mbqm(raw_sum, p->m_u8, a->single_rounding) + p->bias_u8);
    return nq_clamp_i32(acc, qmin, qmax);
  }
  /* sum of (x - zp_in): exact for 8-bit; saturated for int16 (zero point 0 in 16x8 models) */
  acc = nq_mbqm(nq_sat_i32((int64_t)raw_sum - (int64_t)cnt * p->zp_in), p->m,
                nq_i8_rounding_for(a, a->in[0].type));
  acc = acc > 0 ? (acc + cnt / 2) / cnt : (acc - cnt / 2) / cnt;
  return nq_clamp_i32(nq_sat_i32((int64_t)acc + p->zp_out), qmin, qmax);
}

void nq_i8_reduce_finish(const nq_kernel_args *a, const int64_t *sum, size_t out_n, size_t cnt) {
  const reduce_prep *p = a->prepared;
  const nq_tview *out = &a->out[0];
  const nq_dtype t = a->in[0].type;
  int32_t qmin, qmax;
  nq_i8_type_range(t, &qmin, &qmax);
  const bool is_mean = a->node->op == NQ_OP_MEAN;
  const bool is_max = a->node->op == NQ_OP_REDUCE_MAX, is_min = a->node->op == NQ_OP_REDUCE_MIN;
  const bool xnn_mean = is_mean && a->single_rounding && t == NQ_INT8;
  if (is_max || is_min) {
    for (size_t i = 0; i < out_n; i++) nq_i8_st(out->data, t, i, (int32_t)sum[i]);
    return;
  }
  if (cnt == 0) return;
  const float scale = p->s_in / p->s_out;
  if (xnn_mean) {
    /* Each step rounded to float32 as XNNPACK does (volatile: no wider
     * intermediates, no contraction into a fused multiply-add). */
    volatile float sc = scale * (1.0f / (float)cnt);
    volatile float zp_shift = (float)((int64_t)cnt * p->zp_in) * sc;
    const float zp = (float)p->zp_out - zp_shift;
    for (size_t i = 0; i < out_n; i++) {
      volatile float prod = (float)sum[i] * sc;
      float v = nearbyintf(prod + zp); /* default rounding: half to even */
      /* Written so that a NaN clamps too (prepare bounds the ratio; this
       * keeps the cast defined whatever reaches it). */
      v = !(v >= (float)qmin) ? (float)qmin : v > (float)qmax ? (float)qmax : v;
      nq_i8_st(out->data, t, i, (int32_t)v);
    }
  } else if (is_mean && t == NQ_INT16) {
    /* See the top: the integer QuantizedMeanOrSum of int16 MEAN. */
    int sh = 63;
    while (sh > 0 && !((uint64_t)cnt >> sh)) sh--;
    if (sh > 32) sh = 32;
    if (sh > 31 + p->m.shift) sh = 31 + p->m.shift;
    if (sh < 0) sh = 0;
    const nq_qmul m = {.mult = (int32_t)(((int64_t)p->m.mult << sh) / (int64_t)cnt),
                       .shift = p->m.shift - sh};
    for (size_t i = 0; i < out_n; i++) {
      const int32_t centred = nq_sat_i32(sum[i] - (int64_t)p->zp_in * (int64_t)cnt);
      const int32_t v = nq_sat_i32((int64_t)nq_mbqm_double(centred, m) + p->zp_out);
      nq_i8_st(out->data, t, i, nq_clamp_i32(v, qmin, qmax));
    }
  } else if (is_mean) {
    const float bias = (float)(-p->zp_in) * scale;
    for (size_t i = 0; i < out_n; i++) {
      float mean = (float)sum[i] / (float)cnt;
      float v = roundf(mean * scale + bias) + (float)p->zp_out;
      v = v < (float)qmin ? (float)qmin : v > (float)qmax ? (float)qmax : v;
      nq_i8_st(out->data, t, i, (int32_t)v);
    }
  } else {
    const float bias = (float)(-p->zp_in) * scale * (float)cnt;
    for (size_t i = 0; i < out_n; i++) {
      int32_t v = nq_round_f32_to_i32((float)sum[i] * scale + bias);
      nq_i8_st(out->data, t, i, nq_clamp_i32(nq_sat_i32((int64_t)v + p->zp_out), qmin, qmax));
    }
  }
}

nq_status nq_i8_reduce_run(const nq_kernel_args *a, nq_error *err) {
  const reduce_prep *p = a->prepared;
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  if (!p) return nq_i8_fail(a, err, "not prepared");
  bool reduced[NQ_MAX_RANK], spatial;
  NQ_TRY(nq_i8_reduce_axes(a, reduced, &spatial, err));
  const nq_dtype t = in->type;
  const size_t in_n = nq_tview_elems(in), out_n = nq_tview_elems(out);
  const bool is_max = a->node->op == NQ_OP_REDUCE_MAX, is_min = a->node->op == NQ_OP_REDUCE_MIN;

  if (spatial) {
    const int N = in->shape[0], H = in->shape[1], W = in->shape[2], C = in->shape[3];
    const int32_t cnt = H * W;
    for (int n = 0; n < N; n++)
      for (int c = 0; c < C; c++) {
        int32_t acc = 0; /* |acc| <= 255 * cnt < 2^31 */
        for (int i = 0; i < cnt; i++) acc += nq_i8_ld(in->data, t, ((size_t)n * cnt + i) * C + c);
        nq_i8_st(out->data, t, (size_t)n * C + c, nq_i8_reduce_spatial_finish(a, acc, cnt));
      }
    return NQ_OK;
  }

  if (!a->scratch || a->scratch_size < nq_i8_reduce_scratch(a))
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, nq_i8_reduce_scratch(a));
  /* Output strides over the input's dims (0 on reduced dims). */
  int64_t ost[NQ_MAX_RANK];
  NQ_TRY(nq_i8_reduce_strides(a, in, reduced, out_n, ost, err));
  if (in_n == 0) return nq_i8_fail(a, err, "reduction over an empty tensor");
  int64_t *sum = a->scratch;
  const int64_t init = is_max ? INT64_MIN : is_min ? INT64_MAX : 0;
  for (size_t i = 0; i < out_n; i++) sum[i] = init;
  nq_i8_iter it;
  nq_i8_iter_init(&it, in, ost, NULL);
  for (size_t i = 0; i < in_n; i++, nq_i8_iter_next(&it)) {
    const int64_t v = nq_i8_ld(in->data, t, i);
    int64_t *d = &sum[it.off0];
    if (is_max)
      *d = v > *d ? v : *d;
    else if (is_min)
      *d = v < *d ? v : *d;
    else
      *d += v;
  }
  nq_i8_reduce_finish(a, sum, out_n, out_n ? in_n / out_n : 0);
  return NQ_OK;
}
