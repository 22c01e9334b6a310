/*
 * Integer element-wise activations: LOGISTIC, TANH (lookup table), RELU,
 * RELU6, RELU_N1_TO_1, LEAKY_RELU, PRELU (requantizing) and HARD_SWISH
 * (16-bit fixed point), TFLite activations.cc semantics for int8/uint8.
 *
 * LOGISTIC, TANH, ELU, GELU, EXP, LOG: TFLite's builtin kernels (kGenericOptimized
 * and kReference alike) build a 256-entry table in Prepare
 * (PopulateLookupTable / LUTPopulate): y = f(s_in * (q - zp_in)) in float
 * (1/(1+expf(-x)), tanhf, x<0 ? expf(x)-1 : x, 0.5x(1+erff(x/sqrt2)) or the
 * tanh approximation, expf, logf with x <= 0 mapped to the lowest output
 * (int8 only, LogLUTPrepare)), q_out = (int)(roundf(y * (1 / s_out)) +
 * zp_out), clamped. XNNPACK's int8 sigmoid/tanh/elu also tabulate f in
 * float, so the table is the target for both; it has no fixed-point step,
 * so the rounding mode does not apply.
 *
 * ABS (elementwise.cc): out = zp_out + MBQM(|q - zp_in|, s_in / s_out).
 *
 * RELU family (ReluPrepare, QuantizedReluX): m = s_in / s_out (float
 * division, as TFLite), out = zp_out + MBQM(q - zp_in, m) clamped to
 * [zp_out + round(lo / s_out), zp_out + round(hi / s_out)] for the
 * activation's real bounds. |q - zp_in| <= 255, so MBQM's input is tiny.
 *
 * LEAKY_RELU: m_id = s_in / s_out, m_alpha = s_in * alpha / s_out (float
 * arithmetic); out = zp_out + MBQM(q - zp_in, q >= zp_in ? m_id : m_alpha).
 * In single-rounding mode, where the scales allow it, the XNNPACK form that
 * LiteRT runs instead: Q8 multipliers p = lrintf(256 * s_in / s_out) and
 * n = lrintf(256 * (s_in / s_out) * alpha), out = clamp(floor((256 * zp_out
 * + 128 + (q - zp_in) * (q >= zp_in ? p : n)) / 256)). Its 8-bit multipliers
 * differ from TFLite's reference by a step on a few percent of elements,
 * which twenty LEAKY_RELU layers amplify (retinaface, id_model).
 * PRELU: m1 = s_in / s_out, m2 = s_in * s_alpha / s_out (float);
 *   v = q - zp_in; out = zp_out + (v >= 0 ? MBQM(v, m1)
 *                                         : MBQM(v * (alpha - zp_alpha), m2)),
 *   |v * (alpha - zp_alpha)| <= 255^2; alpha broadcasts against the input.
 *   Always in double rounding, also in the single-rounding (what-LiteRT-runs)
 *   mode: TFLite's XNNPACK delegate takes float PRELU only, so LiteRT runs
 *   quantized PRELU in TFLite's builtin kernel, built with double rounding.
 *   Measured on every (input, alpha) pair of six parameter sets and on four
 *   MediaPipe PRELU networks: 0 steps (tests/int8_exact). Single rounding was
 *   1 step off where the Q31 high product, left with only a few fractional
 *   bits, rounds onto a half (e.g. 35.4975 -> 4544/128 = 35.5 -> 36), and
 *   13 to 38 steps off after a network's dozen PRELU layers.
 *
 * HARD_SWISH: reference_ops::HardSwish<int8>: the input on a "hires" scale
 * (x - zp) * 2^7 (|.| <= 32640, fits int16), an int16 output multiplier
 * and an int16 "relu-ish" multiplier (TFLite's DownScaleInt32ToInt16),
 * gemmlowp int16 saturating rounding doubling high multiplies, and the
 * truncating SQDMULH-like product TFLite uses to cancel their bias.
 */
#include "exec/int8/int8_kernels.h"

#include <math.h>

static nq_status unary_common(const nq_kernel_args *a, float *s_in, int32_t *zp_in, float *s_out,
                              int32_t *zp_out, nq_error *err) {
  if (a->n_in < 1 || a->n_out < 1) return nq_i8_fail(a, err, "needs one input and one output");
  NQ_TRY(nq_i8_need_q8(a, &a->in[0], "input", err));
  NQ_TRY(nq_i8_need_q8(a, &a->out[0], "output", err));
  if (a->in[0].type != a->out[0].type) return nq_i8_fail(a, err, "input and output types differ");
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", s_in, zp_in, err));
  return nq_i8_qparams(a, &a->out[0], "output", s_out, zp_out, err);
}

/* unary_common, also taking int16 in and out (TFLite's int16 ABS and
 * LEAKY_RELU are their 8-bit loops with zero points 0). */
static nq_status unary_common_s16(const nq_kernel_args *a, float *s_in, int32_t *zp_in, float *s_out,
                                  int32_t *zp_out, nq_error *err) {
  if (a->n_in < 1 || a->n_out < 1 || a->in[0].type != NQ_INT16)
    return unary_common(a, s_in, zp_in, s_out, zp_out, err);
  NQ_TRY(nq_i8_need_qact(a, &a->in[0], "input", err));
  NQ_TRY(nq_i8_need_qact(a, &a->out[0], "output", err));
  if (a->out[0].type != NQ_INT16) return nq_i8_fail(a, err, "int16 input needs an int16 output");
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", s_in, zp_in, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", s_out, zp_out, err));
  if (*zp_in != 0 || *zp_out != 0)
    return nq_i8_fail(a, err, "int16 zero points %d -> %d, 0 expected (symmetric)", (int)*zp_in,
                      (int)*zp_out);
  return NQ_OK;
}

static nq_status check_same_size(const nq_kernel_args *a, nq_error *err) {
  if (nq_tview_elems(&a->in[0]) != nq_tview_elems(&a->out[0]))
    return nq_i8_fail(a, err, "input has %zu elements, output %zu", nq_tview_elems(&a->in[0]),
                      nq_tview_elems(&a->out[0]));
  return NQ_OK;
}

/* Quantize a possibly negative multiplier: TFLite's frexp path gives the
 * negated mantissa of |m| (round() is symmetric), so negate ours. */
static bool quantize_signed(double m, nq_qmul *q) {
  bool ok = nq_quantize_multiplier(fabs(m), q);
  if (m < 0) q->mult = -q->mult;
  return ok;
}

/* ---- LOGISTIC / TANH / ELU / GELU / EXP / LOG ---- */

static float lut_fn(nq_op op, bool approximate, float x) {
  switch (op) {
    case NQ_OP_LOGISTIC:
      return 1.0f / (1.0f + expf(-x));
    case NQ_OP_TANH:
      return tanhf(x);
    case NQ_OP_ELU:
      return x < 0.0f ? expf(x) - 1.0f : x;
    case NQ_OP_EXP:
      return expf(x);
    case NQ_OP_LOG:
      return logf(x); /* x <= 0 is handled by the caller */
    default:          /* GELU */
      if (approximate) {
        const float k = 0.7978845608028654f; /* sqrt(2 / pi) */
        return 0.5f * x * (1.0f + tanhf(k * (x + 0.044715f * x * x * x)));
      }
      return 0.5f * x * (1.0f + erff(x * 0.7071067811865476f));
  }
}

typedef struct lut_prep {
  int32_t table[256]; /* indexed by q - qmin */
} lut_prep;

nq_status nq_i8_lut_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in >= 1 && a->in[0].type == NQ_INT16) return nq_s16_lut_prepare(a, prepared, err);
  float s_in, s_out;
  int32_t zp_in, zp_out, qmin, qmax;
  NQ_TRY(unary_common(a, &s_in, &zp_in, &s_out, &zp_out, err));
  lut_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  nq_i8_type_range(a->in[0].type, &qmin, &qmax);
  const bool is_log = a->node->op == NQ_OP_LOG;
  if (is_log && a->in[0].type != NQ_INT8)
    return nq_i8_fail(a, err, "int8 input expected (TFLite has no uint8 LOG)");
  /* LOG of x <= 0 gives the lowest output value (LogLUTPrepare). */
  const float log_floor = (float)(qmin - zp_out) * s_out;
  const float inverse_scale = 1.0f / s_out;
  for (int32_t v = qmin; v <= qmax; v++) {
    const float x = s_in * (float)(v - zp_in);
    const float y = is_log && x <= 0.0f ? log_floor : lut_fn(a->node->op, a->p->approximate, x);
    const float r = roundf(y * inverse_scale);
    int32_t q = nq_round_f32_to_i32(r + (float)zp_out); /* integral already: a plain cast */
    p->table[v - qmin] = nq_clamp_i32(q, qmin, qmax);
  }
  return NQ_OK;
}

nq_status nq_i8_lut_run(const nq_kernel_args *a, nq_error *err) {
  if (a->in[0].type == NQ_INT16) return nq_s16_lut_run(a, err);
  const lut_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  NQ_TRY(check_same_size(a, err));
  const nq_dtype t = a->in[0].type;
  const int32_t qmin = t == NQ_UINT8 ? 0 : -128;
  const size_t n = nq_tview_elems(&a->in[0]);
  for (size_t i = 0; i < n; i++)
    nq_i8_st(a->out[0].data, t, i, p->table[nq_i8_ld(a->in[0].data, t, i) - qmin]);
  return NQ_OK;
}

/* ---- RELU / RELU6 / RELU_N1_TO_1 ---- */

typedef struct relu_prep {
  int32_t zp_in, zp_out, lo, hi;
  nq_qmul m;
} relu_prep;

nq_status nq_i8_relu_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  float s_in, s_out;
  int32_t qmin, qmax;
  relu_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  if (a->n_in >= 1 && a->in[0].type == NQ_INT16 && a->node->op != NQ_OP_RELU_N1_TO_1) {
    /* TFLite's int16 RELU / RELU6 are the same requantize-and-clamp loop. */
    NQ_TRY(nq_i8_need_qact(a, &a->in[0], "input", err));
    if (a->n_out < 1 || a->out[0].type != NQ_INT16)
      return nq_i8_fail(a, err, "int16 input needs an int16 output");
    NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", &s_in, &p->zp_in, err));
    NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &s_out, &p->zp_out, err));
  } else {
    NQ_TRY(unary_common(a, &s_in, &p->zp_in, &s_out, &p->zp_out, err));
  }
  volatile float m = s_in / s_out;
  if (!nq_quantize_multiplier((double)m, &p->m))
    return nq_i8_fail(a, err, "scale ratio %g cannot be represented", (double)m);
  int act = a->node->op == NQ_OP_RELU    ? NQ_ACT_RELU
            : a->node->op == NQ_OP_RELU6 ? NQ_ACT_RELU6
                                         : NQ_ACT_RELU_N1_TO_1;
  nq_i8_type_range(a->out[0].type, &qmin, &qmax);
  nq_activation_range(act, s_out, p->zp_out, qmin, qmax, &p->lo, &p->hi);
  return NQ_OK;
}

/* out = clamp(zp_out + MBQM(f(q - zp_in), m), lo, hi), f the identity (RELU
 * family, whose clamp is the activation) or |.| (ABS). */
static nq_status rescale_run(const nq_kernel_args *a, bool absolute, nq_error *err) {
  const relu_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  NQ_TRY(check_same_size(a, err));
  const nq_dtype t = a->in[0].type;
  const size_t n = nq_tview_elems(&a->in[0]);
  for (size_t i = 0; i < n; i++) {
    int32_t v = nq_i8_ld(a->in[0].data, t, i) - p->zp_in;
    if (absolute && v < 0) v = -v;
    v = nq_sat_i32((int64_t)nq_mbqm(v, p->m, nq_i8_rounding_for(a, t)) + p->zp_out);
    nq_i8_st(a->out[0].data, t, i, nq_clamp_i32(v, p->lo, p->hi));
  }
  return NQ_OK;
}

nq_status nq_i8_relu_run(const nq_kernel_args *a, nq_error *err) { return rescale_run(a, false, err); }

/* ---- ABS ---- */

nq_status nq_i8_abs_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  float s_in, s_out;
  relu_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  NQ_TRY(unary_common_s16(a, &s_in, &p->zp_in, &s_out, &p->zp_out, err));
  if (!nq_quantize_multiplier((double)s_in / (double)s_out, &p->m))
    return nq_i8_fail(a, err, "scale ratio cannot be represented");
  nq_i8_type_range(a->out[0].type, &p->lo, &p->hi);
  return NQ_OK;
}

nq_status nq_i8_abs_run(const nq_kernel_args *a, nq_error *err) { return rescale_run(a, true, err); }

/* ---- LEAKY_RELU ---- */

typedef struct leaky_prep {
  int32_t zp_in, zp_out;
  nq_qmul m_id, m_alpha;
  bool xnn_ok;              /* XNNPACK takes these scales (its asserted ranges) */
  int32_t xnn_pos, xnn_neg; /* Q8 multipliers of the XNNPACK form */
} leaky_prep;

nq_status nq_i8_leaky_relu_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  float s_in, s_out;
  leaky_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  NQ_TRY(unary_common_s16(a, &s_in, &p->zp_in, &s_out, &p->zp_out, err));
  volatile float m_alpha = s_in * a->p->alpha / s_out;
  volatile float m_id = s_in / s_out;
  if (!quantize_signed((double)m_alpha, &p->m_alpha) || !nq_quantize_multiplier((double)m_id, &p->m_id))
    return nq_i8_fail(a, err, "alpha %g with scales %g -> %g cannot be represented", (double)a->p->alpha,
                      (double)s_in, (double)s_out);
  /* XNNPACK's ranges: 2^-8 <= positive <= 2^7, 2^-8 <= |negative| <= ~2^7. */
  volatile float pos = s_in / s_out;
  volatile float neg = pos * a->p->alpha;
  /* XNNPACK takes no int16 op. */
  p->xnn_ok = a->in[0].type != NQ_INT16 && pos >= 0x1.0p-8f && pos <= 0x1.0p+7f && neg <= 0x1.0p+7f &&
              neg >= -0x1.FFFC00p+6f && fabsf(neg) >= 0x1.0p-8f;
  if (p->xnn_ok) {
    p->xnn_pos = (int32_t)lrintf(256.0f * pos);
    p->xnn_neg = (int32_t)lrintf(256.0f * neg);
  }
  return NQ_OK;
}

/* floor(x / 256) for any sign (an arithmetic shift, spelled portably). */
static inline int32_t floor_div256(int32_t x) { return x >= 0 ? x / 256 : -((-x + 255) / 256); }

nq_status nq_i8_leaky_relu_run(const nq_kernel_args *a, nq_error *err) {
  const leaky_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  NQ_TRY(check_same_size(a, err));
  const nq_dtype t = a->in[0].type;
  int32_t qmin, qmax;
  nq_i8_type_range(t, &qmin, &qmax);
  const size_t n = nq_tview_elems(&a->in[0]);
  if (a->single_rounding && p->xnn_ok) {
    /* |v| <= 255 and |multiplier| <= 32768: the sum fits int32 easily. */
    const int32_t bias = p->zp_out * 256 + 128;
    for (size_t i = 0; i < n; i++) {
      const int32_t v = nq_i8_ld(a->in[0].data, t, i) - p->zp_in;
      const int32_t o = floor_div256(bias + v * (v >= 0 ? p->xnn_pos : p->xnn_neg));
      nq_i8_st(a->out[0].data, t, i, nq_clamp_i32(o, qmin, qmax));
    }
    return NQ_OK;
  }
  for (size_t i = 0; i < n; i++) {
    const int32_t v = nq_i8_ld(a->in[0].data, t, i) - p->zp_in;
    int32_t o = nq_mbqm(v, v >= 0 ? p->m_id : p->m_alpha, nq_i8_rounding_for(a, t));
    o = nq_sat_i32((int64_t)o + p->zp_out);
    nq_i8_st(a->out[0].data, t, i, nq_clamp_i32(o, qmin, qmax));
  }
  return NQ_OK;
}

/* ---- PRELU ---- */

typedef struct prelu_prep {
  int32_t zp_in, zp_alpha, zp_out;
  nq_qmul m1, m2;
} prelu_prep;

nq_status nq_i8_prelu_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in != 2) return nq_i8_fail(a, err, "%d inputs, 2 expected", a->n_in);
  float s_in, s_out, s_alpha;
  prelu_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  NQ_TRY(unary_common(a, &s_in, &p->zp_in, &s_out, &p->zp_out, err));
  NQ_TRY(nq_i8_need_q8(a, &a->in[1], "alpha", err));
  if (a->in[1].type != a->in[0].type) return nq_i8_fail(a, err, "alpha and input types differ");
  NQ_TRY(nq_i8_qparams(a, &a->in[1], "alpha", &s_alpha, &p->zp_alpha, err));
  volatile float m1 = s_in / s_out;
  volatile float m2 = s_in * s_alpha / s_out;
  if (!nq_quantize_multiplier((double)m1, &p->m1) || !nq_quantize_multiplier((double)m2, &p->m2))
    return nq_i8_fail(a, err, "scales cannot be represented");
  return NQ_OK;
}

nq_status nq_i8_prelu_run(const nq_kernel_args *a, nq_error *err) {
  const prelu_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const nq_tview *in = &a->in[0], *al = &a->in[1], *out = &a->out[0];
  int64_t st0[NQ_MAX_RANK], st1[NQ_MAX_RANK];
  NQ_TRY(nq_i8_bcast_strides(a, in, out, st0, err));
  NQ_TRY(nq_i8_bcast_strides(a, al, out, st1, err));
  const nq_dtype t = in->type;
  int32_t qmin, qmax;
  nq_i8_type_range(t, &qmin, &qmax);
  nq_i8_iter it;
  nq_i8_iter_init(&it, out, st0, st1);
  const size_t n = nq_tview_elems(out);
  for (size_t i = 0; i < n; i++, nq_i8_iter_next(&it)) {
    const int32_t v = nq_i8_ld(in->data, t, (size_t)it.off0) - p->zp_in;
    /* Double rounding in both modes: LiteRT runs TFLite's own kernel here
     * (see the top of this file), so the single-rounding mode takes it too. */
    int32_t o;
    if (v >= 0) {
      o = nq_mbqm_double(v, p->m1);
    } else {
      const int32_t av = nq_i8_ld(al->data, t, (size_t)it.off1) - p->zp_alpha;
      o = nq_mbqm_double(v * av, p->m2);
    }
    o = nq_sat_i32((int64_t)o + p->zp_out);
    nq_i8_st(out->data, t, i, nq_clamp_i32(o, qmin, qmax));
  }
  return NQ_OK;
}

/* ---- HARD_SWISH ---- */

typedef struct hswish_prep {
  int32_t zp_in, zp_out;
  int16_t out_mult16, relu_mult16;
  int out_exp, relu_exp;
} hswish_prep;

nq_status nq_i8_hardswish_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  float s_in, s_out;
  hswish_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  NQ_TRY(unary_common(a, &s_in, &p->zp_in, &s_out, &p->zp_out, err));
  volatile float hires = (1.0f / 128.0f) * s_in;
  const float reluish_scale = 3.0f / 32768.0f;
  volatile float out_m = hires / s_out;
  volatile float relu_m = hires / reluish_scale;
  nq_qmul qo, qr;
  if (!nq_quantize_multiplier((double)out_m, &qo) || !nq_quantize_multiplier((double)relu_m, &qr))
    return nq_i8_fail(a, err, "scales %g -> %g cannot be represented", (double)s_in, (double)s_out);
  if (qo.shift > 0)
    return nq_i8_fail(a, err, "output multiplier %g >= 1 (TFLite requires exponent <= 0)", (double)out_m);
  p->out_mult16 = nq_downscale_mult16(qo.mult);
  p->out_exp = qo.shift;
  p->relu_mult16 = nq_downscale_mult16(qr.mult);
  p->relu_exp = qr.shift;
  return NQ_OK;
}

nq_status nq_i8_hardswish_run(const nq_kernel_args *a, nq_error *err) {
  const hswish_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  NQ_TRY(check_same_size(a, err));
  const nq_dtype t = a->in[0].type;
  int32_t qmin, qmax;
  nq_i8_type_range(t, &qmin, &qmax);
  const size_t n = nq_tview_elems(&a->in[0]);
  for (size_t i = 0; i < n; i++) {
    const int16_t v = (int16_t)(nq_i8_ld(a->in[0].data, t, i) - p->zp_in);
    const int16_t hires = (int16_t)(v * 128);
    const int16_t pre_out = nq_srdhm16(hires, p->out_mult16);
    int16_t r = hires;
    if (p->relu_exp > 0) r = nq_sat_lshift16(r, p->relu_exp - 1);
    r = nq_srdhm16(r, p->relu_mult16);
    if (p->relu_exp > 0) r = nq_sat_lshift16(r, 1);
    if (p->relu_exp < 0) r = nq_rdbpot16(r, -p->relu_exp);
    r = (int16_t)(((int32_t)r + (1 << 15)) >> 1); /* [-1, 1] -> [0, 1] in Q15 */
    const int16_t pre = nq_sdhm16_trunc(r, pre_out);
    int32_t o = nq_rdbpot16(pre, -p->out_exp) + p->zp_out;
    nq_i8_st(a->out[0].data, t, i, nq_clamp_i32(o, qmin, qmax));
  }
  return NQ_OK;
}
