/*
 * Integer RSQRT and SQRT, int8 only (TFLite elementwise.cc; XNNPACK takes
 * neither quantized, so LiteRT runs these kernels). Both are defined only
 * for non-negative inputs: TFLite's Eval fails on a value below the input
 * zero point, and so does ours, naming the node and the element.
 *
 * RSQRT (RsqrtEvalQuantizedInt8): Prepare m = 1 / (sqrtf(s_in) * s_out)
 * (the product in float, the division in double) -> (mult, shift).
 * Per element v = q - zp_in >= 0:
 *   v == 0: 127 (TFLite's stand-in for "very large", the output zero point
 *   is not added);
 *   else (im, ish) = GetInvSqrtQuantizedMultiplierExp(v, -1) (gemmlowp Q3
 *   Newton-Raphson), t = MBQM(1, im, ish + 20), out = MBQM(t, mult,
 *   shift - 20) + zp_out, clamped. The 2^20 keeps 1/sqrt(v) integral.
 *
 * SQRT (SqrtEvalQuantized): y = sqrtf(s_in * v) in float, out =
 * (int)(y / s_out) + zp_out -- a truncation, not a rounding, as TFLite --
 * clamped. No fixed point, so the rounding mode does not apply.
 */
#include <math.h>

#include "exec/int8/int8_kernels.h"

typedef struct unary_math_prep {
  float s_in, s_out;
  int32_t zp_in, zp_out;
  nq_qmul m; /* RSQRT output multiplier */
} unary_math_prep;

static nq_status prepare_common(const nq_kernel_args *a, unary_math_prep **out, nq_error *err) {
  if (a->n_in != 1 || a->n_out != 1)
    return nq_i8_fail(a, err, "%d inputs / %d outputs, 1 / 1 expected", a->n_in, a->n_out);
  NQ_TRY(nq_i8_need_q8(a, &a->in[0], "input", err));
  NQ_TRY(nq_i8_need_q8(a, &a->out[0], "output", err));
  if (a->in[0].type != NQ_INT8 || a->out[0].type != NQ_INT8)
    return nq_i8_fail(a, err, "int8 input and output expected (TFLite has no uint8 form)");
  unary_math_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *out = p;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", &p->s_in, &p->zp_in, err));
  return nq_i8_qparams(a, &a->out[0], "output", &p->s_out, &p->zp_out, err);
}

nq_status nq_i8_unary_math_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  unary_math_prep *p = NULL;
  nq_status st = prepare_common(a, &p, err);
  *prepared = p;
  if (st != NQ_OK || a->node->op != NQ_OP_RSQRT) return st;
  volatile float t = sqrtf(p->s_in) * p->s_out; /* float product, as TFLite */
  const double m = 1.0 / (double)t;
  if (!nq_quantize_multiplier(m, &p->m) || p->m.mult == 0)
    return nq_i8_fail(a, err, "scales %g -> %g give no representable multiplier 1/sqrt(s_in)/s_out",
                      (double)p->s_in, (double)p->s_out);
  return NQ_OK;
}

static nq_status negative_input(const nq_kernel_args *a, size_t i, int32_t q, int32_t zp, nq_error *err) {
  return nq_i8_fail(a, err, "element %zu is %d, below the input zero point %d: %s of a negative value", i,
                    (int)q, (int)zp, nq_op_name(a->node->op));
}

nq_status nq_i8_unary_math_run(const nq_kernel_args *a, nq_error *err) {
  const unary_math_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const size_t n = nq_tview_elems(&a->in[0]);
  if (n != nq_tview_elems(&a->out[0]))
    return nq_i8_fail(a, err, "input has %zu elements, output %zu", n, nq_tview_elems(&a->out[0]));
  const int8_t *x = a->in[0].data;
  int8_t *y = a->out[0].data;
  if (a->node->op == NQ_OP_RSQRT) {
    const nq_qmul m_out = {p->m.mult, p->m.shift - 20};
    for (size_t i = 0; i < n; i++) {
      const int32_t v = x[i] - p->zp_in;
      if (v < 0) return negative_input(a, i, x[i], p->zp_in, err);
      if (v == 0) {
        y[i] = 127;
        continue;
      }
      int32_t im;
      int ish;
      nq_i8_inv_sqrt_multiplier(v, &im, &ish);
      const nq_qmul inv = {im, ish + 20};
      const int32_t t = nq_mbqm(1, inv, a->single_rounding);
      const int32_t o = nq_sat_i32((int64_t)nq_mbqm(t, m_out, a->single_rounding) + p->zp_out);
      y[i] = (int8_t)nq_clamp_i32(o, -128, 127);
    }
    return NQ_OK;
  }
  for (size_t i = 0; i < n; i++) { /* SQRT */
    const int32_t v = x[i] - p->zp_in;
    const float deq = p->s_in * (float)v;
    if (!(deq >= 0.0f)) return negative_input(a, i, x[i], p->zp_in, err);
    const float q = sqrtf(deq) / p->s_out;
    /* q >= 0 and <= sqrt(255 * s_in) / s_out; clamp before the cast so an
     * extreme scale ratio cannot overflow int. */
    const int32_t o = q >= 255.0f ? 255 + p->zp_out : (int32_t)q + p->zp_out;
    y[i] = (int8_t)nq_clamp_i32(o, -128, 127);
  }
  return NQ_OK;
}
