/*
 * Integer ADD, SUB, MUL, MAXIMUM, MINIMUM with numpy broadcasting (any rank
 * up to NQ_MAX_RANK), TFLite reference_integer_ops semantics.
 *
 * ADD/SUB (add.cc / sub.cc Prepare): left_shift = 20,
 *   twice_max = 2 * max(s1, s2); m1 = s1 / twice_max, m2 = s2 / twice_max,
 *   m_out = twice_max / (2^20 * s_out); per element
 *   a_i = MBQM((q_i - zp_i) * 2^20, m_i)    |q_i - zp_i| <= 255 -> < 2^28
 *   out = MBQM(a_1 +- a_2, m_out) + zp_out   m_i <= 1/2 -> |a_i| <= 2^27,
 *                                            the sum fits easily in int32.
 * MUL (mul.cc): m = s1 * s2 / s_out evaluated in float, as TFLite does;
 *   out = MBQM((q1 - zp1) * (q2 - zp2), m) + zp_out, product <= 255^2.
 * Every result is clamped to the fused activation's range.
 * ADD/SUB in single-rounding mode, where the scales allow it, follow the
 * XNNPACK form LiteRT runs: r_i = s_i / s_out (float; negated for SUB's
 * second input), shift = 20 - exponent(max |r_i|) in [12, 30], multipliers
 * m_i = lrintf(r_i * 2^shift) (< 2^21), and per element
 *   out = floor((2^(shift-1) - m_1 zp_1 - m_2 zp_2 + m_1 q_1 + m_2 q_2) / 2^shift) + zp_out,
 * where |m_i q_i| < 2^29, so the int32 sum cannot overflow.
 * MUL in single-rounding mode, where XNNPACK takes it (r = float(float(s1 *
 * s2) / s_out) in [2^-16, 2^8), the delegate's condition), follows XNNPACK's
 * qs8 vmul as LiteRT runs it: out = lrintf(clamp(float((q1 - zp1) *
 * (q2 - zp2)) * r, lo - zp_out, hi - zp_out)) + zp_out, ties to even; the
 * product (<= 255^2) is exact in float. TFLite's single-rounding fixed point
 * differs from it by a step on some elements (a spectrogram net: 29 of 5360).
 * MAXIMUM/MINIMUM compare the raw quantized values (TFLite requires equal
 * scales and zero points on both inputs and the output).
 */
#include "exec/int8/binary_simd.h"
#include "exec/int8/int8_kernels.h"

#include <math.h>

typedef struct binop_prep {
  int32_t zp1, zp2, zpo;
  nq_qmul m1, m2, mo;
  int32_t lo, hi;
  bool xnn_ok;             /* ADD/SUB: XNNPACK takes these scales */
  bool xmul_ok;            /* MUL: XNNPACK takes these scales */
  float xmul_scale;        /* its float product-to-output scale */
  int32_t xm1, xm2, xbias; /* its multipliers and bias */
  int xshift;
} binop_prep;

/* The XNNPACK ADD/SUB parameters (see the header comment); false when the
 * scale ratios are outside what XNNPACK accepts (TFLite's kernel runs). */
static bool xnn_add_params(float s1, float s2, float so, bool sub, binop_prep *p) {
  volatile float r1 = s1 / so, r2v = s2 / so;
  float r2 = sub ? -r2v : r2v;
  float a1 = fabsf(r1), a2 = fabsf(r2);
  if (!(a1 >= 0x1.0p-10f && a2 >= 0x1.0p-10f && a1 < 0x1.0p+8f && a2 < 0x1.0p+8f)) return false;
  float mx = a1 > a2 ? a1 : a2;
  int e;
  frexpf(mx, &e); /* mx = f * 2^e, f in [0.5, 1): IEEE exponent is e - 1 */
  int shift = 20 - (e - 1);
  if (shift < 12 || shift > 30) return false;
  p->xm1 = (int32_t)lrintf(ldexpf(r1, shift));
  p->xm2 = (int32_t)lrintf(ldexpf(r2, shift));
  p->xshift = shift;
  p->xbias = (int32_t)(((int64_t)1 << (shift - 1)) - (int64_t)p->xm1 * p->zp1 - (int64_t)p->xm2 * p->zp2);
  return true;
}

typedef enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_MAX, BIN_MIN } bin_kind;

static bin_kind kind_of(const nq_kernel_args *a) {
  switch (a->node->op) {
    case NQ_OP_SUB:
      return BIN_SUB;
    case NQ_OP_MUL:
      return BIN_MUL;
    case NQ_OP_MAXIMUM:
      return BIN_MAX;
    case NQ_OP_MINIMUM:
      return BIN_MIN;
    default:
      return BIN_ADD;
  }
}

nq_status nq_i8_binary_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in != 2 || a->n_out != 1)
    return nq_i8_fail(a, err, "%d inputs / %d outputs, 2 / 1 expected", a->n_in, a->n_out);
  if (a->in[0].type == NQ_INT16) return nq_s16_binary_prepare(a, prepared, err);
  NQ_TRY(nq_i8_need_q8(a, &a->in[0], "input 0", err));
  NQ_TRY(nq_i8_need_q8(a, &a->in[1], "input 1", err));
  NQ_TRY(nq_i8_need_q8(a, &a->out[0], "output", err));
  if (a->in[0].type != a->out[0].type || a->in[1].type != a->out[0].type)
    return nq_i8_fail(a, err, "input and output types differ");
  bin_kind k = kind_of(a);
  binop_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  if (k == BIN_MAX || k == BIN_MIN) {
    nq_i8_type_range(a->out[0].type, &p->lo, &p->hi);
    return NQ_OK;
  }
  float s1, s2, so;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input 0", &s1, &p->zp1, err));
  NQ_TRY(nq_i8_qparams(a, &a->in[1], "input 1", &s2, &p->zp2, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &so, &p->zpo, err));
  int32_t qmin, qmax;
  nq_i8_type_range(a->out[0].type, &qmin, &qmax);
  if (!nq_activation_range((int)a->p->act, so, p->zpo, qmin, qmax, &p->lo, &p->hi))
    return nq_i8_fail(a, err, "fused activation %d has no integer form", (int)a->p->act);
  bool ok;
  if (k == BIN_MUL) {
    volatile float prod = s1 * s2; /* float arithmetic, as mul.cc (and XNNPACK) */
    volatile float m = prod / so;
    ok = nq_quantize_multiplier((double)m, &p->mo);
    p->xmul_scale = m;
    p->xmul_ok = m >= 0x1.0p-16f && m < 0x1.0p+8f;
  } else {
    /* 2 * max(float, float) is exact in float; the rest in double. */
    const double twice_max = 2.0 * (double)(s1 > s2 ? s1 : s2);
    ok = nq_quantize_multiplier((double)s1 / twice_max, &p->m1) &&
         nq_quantize_multiplier((double)s2 / twice_max, &p->m2) &&
         nq_quantize_multiplier(twice_max / ((double)(1 << 20) * (double)so), &p->mo);
    p->xnn_ok = xnn_add_params(s1, s2, so, k == BIN_SUB, p);
  }
  if (!ok)
    return nq_i8_fail(a, err, "scales %g, %g -> %g give no representable multiplier", (double)s1, (double)s2,
                      (double)so);
  return NQ_OK;
}

static inline int32_t binop(const binop_prep *p, bin_kind k, int32_t x1, int32_t x2, int sr) {
  int32_t v;
  switch (k) {
    case BIN_MAX:
      return x1 > x2 ? x1 : x2;
    case BIN_MIN:
      return x1 < x2 ? x1 : x2;
    case BIN_MUL:
      if (sr && p->xmul_ok) {
        float f = (float)((x1 - p->zp1) * (x2 - p->zp2)) * p->xmul_scale;
        const float lo = (float)(p->lo - p->zpo), hi = (float)(p->hi - p->zpo);
        f = f < lo ? lo : (f > hi ? hi : f);
        return (int32_t)lrintf(f) + p->zpo; /* within [lo, hi] already */
      }
      v = nq_mbqm((x1 - p->zp1) * (x2 - p->zp2), p->mo, sr) + p->zpo;
      break;
    default: {
      if (sr && p->xnn_ok) {
        const int32_t acc = p->xbias + x1 * p->xm1 + x2 * p->xm2;
        /* floor division by 2^shift (XNNPACK's arithmetic shift right) */
        const int32_t q =
            acc >= 0 ? acc >> p->xshift
                     : -(int32_t)(((uint32_t)(-(int64_t)acc) + ((1u << p->xshift) - 1)) >> p->xshift);
        v = q + p->zpo;
        break;
      }
      int32_t a1 = nq_mbqm((x1 - p->zp1) * (1 << 20), p->m1, sr);
      int32_t a2 = nq_mbqm((x2 - p->zp2) * (1 << 20), p->m2, sr);
      int32_t s = k == BIN_SUB ? a1 - a2 : a1 + a2;
      v = nq_sat_i32((int64_t)nq_mbqm(s, p->mo, sr) + p->zpo);
    }
  }
  return nq_clamp_i32(v, p->lo, p->hi);
}

int32_t nq_i8_binary_eval(const nq_kernel_args *a, const void *prepared, int32_t x1, int32_t x2) {
  return binop(prepared, kind_of(a), x1, x2, a->single_rounding);
}

bool nq_i8_binary_vec_params(const nq_kernel_args *a, const void *prepared, nq_i8_binary_vec *v) {
  const binop_prep *p = prepared;
  const bin_kind k = kind_of(a);
  const int sr = a->single_rounding;
  *v = (nq_i8_binary_vec){.u8 = a->out[0].type == NQ_UINT8, .zp_out = p->zpo, .lo = p->lo, .hi = p->hi};
  switch (k) {
    case BIN_MAX:
    case BIN_MIN:
      v->kind = k == BIN_MAX ? NQ_I8_VEC_MAX : NQ_I8_VEC_MIN;
      return true;
    case BIN_MUL:
      v->kind = NQ_I8_VEC_MUL;
      v->zp1 = p->zp1;
      v->zp2 = p->zp2;
      v->scale = p->xmul_scale;
      return sr && p->xmul_ok;
    default:
      v->kind = NQ_I8_VEC_ADD;
      v->m1 = p->xm1;
      v->m2 = p->xm2;
      v->bias = p->xbias;
      v->shift = p->xshift;
      return sr && p->xnn_ok;
  }
}

nq_status nq_i8_binary_run(const nq_kernel_args *a, nq_error *err) {
  if (a->in[0].type == NQ_INT16) return nq_s16_binary_run(a, err);
  const binop_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const nq_tview *i0 = &a->in[0], *i1 = &a->in[1], *out = &a->out[0];
  const bin_kind k = kind_of(a);
  const int sr = a->single_rounding;
  const size_t n = nq_tview_elems(out);
  const nq_dtype t = out->type;
  if (nq_tview_elems(i0) == n && nq_tview_elems(i1) == n && i0->rank == out->rank && i1->rank == out->rank) {
    for (size_t i = 0; i < n; i++)
      nq_i8_st(out->data, t, i, binop(p, k, nq_i8_ld(i0->data, t, i), nq_i8_ld(i1->data, t, i), sr));
    return NQ_OK;
  }
  int64_t st0[NQ_MAX_RANK], st1[NQ_MAX_RANK];
  NQ_TRY(nq_i8_bcast_strides(a, i0, out, st0, err));
  NQ_TRY(nq_i8_bcast_strides(a, i1, out, st1, err));
  nq_i8_iter it;
  nq_i8_iter_init(&it, out, st0, st1);
  for (size_t i = 0; i < n; i++, nq_i8_iter_next(&it))
    nq_i8_st(out->data, t, i,
             binop(p, k, nq_i8_ld(i0->data, t, (size_t)it.off0), nq_i8_ld(i1->data, t, (size_t)it.off1), sr));
  return NQ_OK;
}
