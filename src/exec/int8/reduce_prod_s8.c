/*
 * Integer REDUCE_PROD over constant axes (input 1), int8 only (TFLite
 * reduce.cc EvalQuantizedProd; XNNPACK does not take it, so LiteRT runs this).
 *
 * A product of n int8 values would need s_in^n / s_out, far outside int32,
 * so TFLite rescales at every step by m = s_in / s_out^(1/n) (double pow,
 * GetQuantProdScaling) -> (mult, shift), n = input elements per output:
 *   acc = x_0 - zp_in;  acc = MBQM64(acc * (x_k - zp_in), m) for k = 1..n-1;
 *   out = clamp(MBQM64(acc, m) + zp_out, -128, 127),
 * in row-major input order. MBQM64 is TFLite's int64 MultiplyByQuantizedMultiplier
 * (a 16-bit multiplier (mult + 2^15) >> 16, saturated to 0x7FFF, and one
 * rounding: (x * m16 + 2^(14 - shift)) >> (15 - shift)); it has a single
 * variant, so the rounding mode does not apply. TFLite requires shift < 8
 * (checked); |acc * (x - zp)| <= 2^31 * 255 < 2^47 stays in its domain.
 * An intermediate beyond int32 is narrowed as TFLite's cast does (a product
 * that large is far outside any calibrated output range anyway).
 */
#include <math.h>

#include "exec/int8/int8_kernels.h"

typedef struct prod_prep {
  int32_t zp_in, zp_out;
  int32_t m16; /* the 16-bit multiplier */
  int shift;   /* in [-31, 7] */
} prod_prep;

/* TFLite MultiplyByQuantizedMultiplier(int64_t x, ...). */
static int32_t mbqm64(int64_t x, int32_t m16, int shift) {
  const int total = 15 - shift; /* [8, 46] */
  const int64_t r = x * (int64_t)m16 + ((int64_t)1 << (total - 1));
  /* Arithmetic shift right spelled as floor division, then the int32
   * narrowing TFLite's static_cast performs (modulo 2^32). */
  const int64_t d = (int64_t)1 << total;
  const int64_t q = r >= 0 ? r / d : -((-r + d - 1) / d);
  return (int32_t)(uint32_t)(uint64_t)q;
}

/* Marks the dims named by the axis input (negative axes count from the end). */
static nq_status reduced_dims(const nq_kernel_args *a, bool reduced[NQ_MAX_RANK], nq_error *err) {
  const nq_tview *in = &a->in[0], *ax = &a->in[1];
  const int r = in->rank;
  for (int d = 0; d < NQ_MAX_RANK; d++) reduced[d] = false;
  const size_t n_ax = nq_tview_elems(ax);
  for (size_t i = 0; i < n_ax; i++) {
    int64_t v;
    if (!nq_i8_const_int(ax, i, &v)) return nq_i8_fail(a, err, "axis input must be int32/int64");
    if (v < -r || v >= r) return nq_i8_fail(a, err, "axis %lld out of range for rank %d", (long long)v, r);
    reduced[v < 0 ? v + r : v] = true;
  }
  return NQ_OK;
}

nq_status nq_i8_reduce_prod_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in != 2 || a->n_out != 1)
    return nq_i8_fail(a, err, "%d inputs / %d outputs, 2 / 1 expected", a->n_in, a->n_out);
  NQ_TRY(nq_i8_need_q8(a, &a->in[0], "input", err));
  NQ_TRY(nq_i8_need_q8(a, &a->out[0], "output", err));
  if (a->in[0].type != NQ_INT8 || a->out[0].type != NQ_INT8)
    return nq_i8_fail(a, err, "int8 input and output expected (TFLite has no uint8 form)");
  float s_in, s_out;
  prod_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", &s_in, &p->zp_in, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &s_out, &p->zp_out, err));
  const size_t in_n = nq_tview_elems(&a->in[0]), out_n = nq_tview_elems(&a->out[0]);
  if (in_n == 0 || out_n == 0) return NQ_OK; /* TFLite returns early */
  if (in_n % out_n != 0 || in_n / out_n > INT32_MAX)
    return nq_i8_fail(a, err, "input of %zu elements does not reduce to %zu", in_n, out_n);
  const double n = (double)(in_n / out_n);
  const double m = (double)s_in / pow((double)s_out, 1.0 / n);
  nq_qmul q;
  if (!nq_quantize_multiplier(m, &q) || q.shift >= 8 || (q.mult != 0 && q.shift < -31))
    return nq_i8_fail(a, err, "step multiplier %g is outside TFLite's range (shift < 8)", m);
  p->m16 = q.mult < 0x7FFF0000 ? (q.mult + (1 << 15)) >> 16 : 0x7FFF;
  p->shift = q.mult == 0 ? 0 : q.shift;
  return NQ_OK;
}

size_t nq_i8_reduce_prod_scratch(const nq_kernel_args *a) {
  /* One int32 accumulator and one "started" byte per output element. */
  return nq_i8_align64(nq_tview_elems(&a->out[0]) * (sizeof(int32_t) + 1));
}

nq_status nq_i8_reduce_prod_run(const nq_kernel_args *a, nq_error *err) {
  const prod_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  bool reduced[NQ_MAX_RANK];
  NQ_TRY(reduced_dims(a, reduced, err));
  const size_t in_n = nq_tview_elems(in), out_n = nq_tview_elems(out);
  if (in_n == 0 || out_n == 0) return NQ_OK;
  if (!a->scratch || a->scratch_size < nq_i8_reduce_prod_scratch(a))
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size,
                      nq_i8_reduce_prod_scratch(a));
  /* Output strides over the input's dims (0 on reduced dims). */
  int64_t ost[NQ_MAX_RANK];
  NQ_TRY(nq_i8_reduce_strides(a, in, reduced, out_n, ost, err));
  int32_t *acc = a->scratch;
  unsigned char *started = (unsigned char *)(acc + out_n);
  for (size_t i = 0; i < out_n; i++) started[i] = 0;
  const int8_t *x = in->data;
  nq_i8_iter it;
  nq_i8_iter_init(&it, in, ost, NULL);
  for (size_t i = 0; i < in_n; i++, nq_i8_iter_next(&it)) {
    const int32_t v = x[i] - p->zp_in;
    const size_t o = (size_t)it.off0;
    if (!started[o]) {
      acc[o] = v;
      started[o] = 1;
    } else {
      acc[o] = mbqm64((int64_t)acc[o] * v, p->m16, p->shift);
    }
  }
  int8_t *y = out->data;
  for (size_t i = 0; i < out_n; i++) {
    const int32_t v = nq_sat_i32((int64_t)mbqm64(acc[i], p->m16, p->shift) + p->zp_out);
    y[i] = (int8_t)nq_clamp_i32(v, -128, 127);
  }
  return NQ_OK;
}
