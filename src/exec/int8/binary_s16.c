/*
 * ADD, SUB, MUL, MAXIMUM, MINIMUM on int16 activations (TFLite's 16x8 mode:
 * symmetric int16, zero point 0), with numpy broadcasting.
 *
 * ADD/SUB (add.cc / sub.cc Prepare): when the three scales are powers of two
 * (CheckedLog2: |log2(s) - round(log2(s))| < 1e-3) and the op's
 * pot_scale_int16 option keeps its default (true; npuquant's writer never
 * sets it), TFLite takes its power-of-two path: shift_i = log2(s_i) -
 * log2(s_out) must be <= 0 with one of them 0, and per element the other
 * input is divided by 2^-shift (gemmlowp RoundingDivideByPOT, ties away from
 * zero) and the two added or subtracted with int16 saturation. Otherwise the
 * general path: that of int8 (elementwise_s8.c) with left_shift 15 instead
 * of 20, |q_i| * 2^15 < 2^31.
 * MUL (mul.cc): m = s1 * s2 / s_out in float; out = MBQM(q1 * q2, m), the
 * product fits int32.
 * XNNPACK takes none of these on int16, so LiteRT runs TFLite's builtin
 * kernels in its default build: double rounding in both of our modes.
 */
#include "exec/int8/int8_kernels.h"

#include <math.h>

typedef enum { S16_ADD, S16_SUB, S16_MUL, S16_MAX, S16_MIN } s16_kind;

typedef struct s16_binop_prep {
  s16_kind kind;
  bool pot;           /* ADD/SUB power-of-two path */
  int pot_shift;      /* right shift of the shifted input */
  bool pot_shift_in1; /* which input is shifted */
  nq_qmul m1, m2, mo; /* general path */
  int32_t lo, hi;     /* fused activation clamp */
} s16_binop_prep;

/* TFLite CheckedLog2: log2 of x computed in float, and whether it is within
 * 1e-3 of an integer. */
static bool checked_log2(float x, int *log2_rounded) {
  const float l = logf(x) * (1.0f / logf(2.0f));
  const float r = roundf(l);
  *log2_rounded = (int)r;
  return fabsf(l - r) < 1e-3f;
}

static nq_status need_sym16(const nq_kernel_args *a, const nq_tview *v, const char *what, float *s,
                            nq_error *err) {
  if (!v->data) return nq_i8_fail(a, err, "%s is missing", what);
  if (v->type != NQ_INT16)
    return nq_i8_fail(a, err, "%s has type %s, int16 expected (16x8 node)", what, nq_dtype_name(v->type));
  int32_t zp;
  NQ_TRY(nq_i8_qparams(a, v, what, s, &zp, err));
  if (zp != 0)
    return nq_i8_fail(a, err, "%s is int16 with zero point %d, 0 expected (symmetric)", what, (int)zp);
  return NQ_OK;
}

nq_status nq_s16_binary_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in != 2 || a->n_out != 1)
    return nq_i8_fail(a, err, "%d inputs / %d outputs, 2 / 1 expected", a->n_in, a->n_out);
  float s1, s2, so;
  NQ_TRY(need_sym16(a, &a->in[0], "input 0", &s1, err));
  NQ_TRY(need_sym16(a, &a->in[1], "input 1", &s2, err));
  NQ_TRY(need_sym16(a, &a->out[0], "output", &so, err));
  s16_binop_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  switch (a->node->op) {
    case NQ_OP_SUB:
      p->kind = S16_SUB;
      break;
    case NQ_OP_MUL:
      p->kind = S16_MUL;
      break;
    case NQ_OP_MAXIMUM:
      p->kind = S16_MAX;
      break;
    case NQ_OP_MINIMUM:
      p->kind = S16_MIN;
      break;
    default:
      p->kind = S16_ADD;
  }
  if (p->kind == S16_MAX || p->kind == S16_MIN) {
    p->lo = INT16_MIN;
    p->hi = INT16_MAX;
    return NQ_OK;
  }
  if (!nq_activation_range((int)a->p->act, so, 0, INT16_MIN, INT16_MAX, &p->lo, &p->hi))
    return nq_i8_fail(a, err, "fused activation %d has no integer form", (int)a->p->act);
  bool ok;
  if (p->kind == S16_MUL) {
    volatile float prod = s1 * s2; /* float arithmetic, as mul.cc */
    volatile float m = prod / so;
    ok = nq_quantize_multiplier((double)m, &p->mo);
  } else {
    int l1, l2, lo;
    if (checked_log2(s1, &l1) && checked_log2(s2, &l2) && checked_log2(so, &lo)) {
      const int sh1 = l1 - lo, sh2 = l2 - lo;
      if (!((sh1 == 0 || sh2 == 0) && sh1 <= 0 && sh2 <= 0))
        return nq_i8_fail(
            a, err,
            "power-of-two scales %g, %g -> %g: TFLite's int16 path needs one input at the output "
            "scale and the other at most as large",
            (double)s1, (double)s2, (double)so);
      p->pot = true;
      p->pot_shift_in1 = sh1 != 0;
      p->pot_shift = sh1 != 0 ? -sh1 : -sh2;
      if (p->pot_shift > 31) p->pot_shift = 31;
      return NQ_OK;
    }
    const double twice_max = 2.0 * (double)(s1 > s2 ? s1 : s2);
    ok = nq_quantize_multiplier((double)s1 / twice_max, &p->m1) &&
         nq_quantize_multiplier((double)s2 / twice_max, &p->m2) &&
         nq_quantize_multiplier(twice_max / ((double)(1 << 15) * (double)so), &p->mo);
  }
  if (!ok)
    return nq_i8_fail(a, err, "scales %g, %g -> %g give no representable multiplier", (double)s1, (double)s2,
                      (double)so);
  return NQ_OK;
}

static inline int16_t s16_binop(const s16_binop_prep *p, int32_t x1, int32_t x2) {
  int32_t v;
  switch (p->kind) {
    case S16_MAX:
      return (int16_t)(x1 > x2 ? x1 : x2);
    case S16_MIN:
      return (int16_t)(x1 < x2 ? x1 : x2);
    case S16_MUL:
      v = nq_mbqm_double(x1 * x2, p->mo);
      break;
    default:
      if (p->pot) {
        if (p->pot_shift_in1)
          x1 = nq_rdbpot(x1, p->pot_shift);
        else
          x2 = nq_rdbpot(x2, p->pot_shift);
        v = nq_clamp_i32(p->kind == S16_SUB ? x1 - x2 : x1 + x2, INT16_MIN, INT16_MAX);
      } else {
        const int32_t a1 = nq_mbqm_double(x1 * (1 << 15), p->m1);
        const int32_t a2 = nq_mbqm_double(x2 * (1 << 15), p->m2);
        v = nq_mbqm_double(p->kind == S16_SUB ? a1 - a2 : a1 + a2, p->mo);
      }
  }
  return (int16_t)nq_clamp_i32(v, p->lo, p->hi);
}

void nq_s16_binary_range(const void *prepared, const int16_t *x1, const int16_t *x2, int16_t *y, size_t n) {
  const s16_binop_prep *p = prepared;
  for (size_t i = 0; i < n; i++) y[i] = s16_binop(p, x1[i], x2[i]);
}

bool nq_s16_binary_same_shape(const nq_kernel_args *a) {
  const nq_tview *i0 = &a->in[0], *i1 = &a->in[1], *out = &a->out[0];
  const size_t n = nq_tview_elems(out);
  return nq_tview_elems(i0) == n && nq_tview_elems(i1) == n && i0->rank == out->rank && i1->rank == out->rank;
}

nq_status nq_s16_binary_run(const nq_kernel_args *a, nq_error *err) {
  const s16_binop_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const nq_tview *i0 = &a->in[0], *i1 = &a->in[1], *out = &a->out[0];
  const int16_t *x1 = i0->data, *x2 = i1->data;
  int16_t *y = out->data;
  const size_t n = nq_tview_elems(out);
  if (nq_s16_binary_same_shape(a)) {
    nq_s16_binary_range(p, x1, x2, y, n);
    return NQ_OK;
  }
  int64_t st0[NQ_MAX_RANK], st1[NQ_MAX_RANK];
  NQ_TRY(nq_i8_bcast_strides(a, i0, out, st0, err));
  NQ_TRY(nq_i8_bcast_strides(a, i1, out, st1, err));
  nq_i8_iter it;
  nq_i8_iter_init(&it, out, st0, st1);
  for (size_t i = 0; i < n; i++, nq_i8_iter_next(&it)) y[i] = s16_binop(p, x1[it.off0], x2[it.off1]);
  return NQ_OK;
}
