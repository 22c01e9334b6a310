/*
 * Integer comparisons (LESS, LESS_EQUAL, GREATER, GREATER_EQUAL, EQUAL,
 * NOT_EQUAL) with broadcasting, as TFLite's comparisons.cc runs them on
 * int8/uint8 operands whose scales and zero points may differ: both are
 * brought to one fixed point before comparing. Prepare, per input i:
 * (M_i, shift_i) = QuantizeMultiplierSmallerThanOneExp(scale_i) (so scale_i
 * must be below 1: shift_i <= 0, checked). Per element:
 *   v_i = MultiplyByQuantizedMultiplierSmallerThanOneExp((x_i - zp_i) * 2^8, M_i, shift_i)
 * (double rounding: RoundingDivideByPOT(SRDHM(.), -shift); single rounding:
 * MultiplyByQuantizedMultiplier, both nq_mbqm) and the result is v_1 op v_2.
 * |x - zp| <= 255, so (x - zp) * 2^8 fits int32 easily.
 *
 * The output is bool, not quantized. Operands that are not 8-bit (int32
 * indices, bools in an int8 graph) go to the float reference kernel, which
 * compares them as they are.
 */
#include "exec/float/ref.h"
#include "exec/int8/int8_kernels.h"

typedef struct compare_prep {
  bool quantized;
  int32_t zp1, zp2;
  nq_qmul m1, m2;
} compare_prep;

static nq_status input_multiplier(const nq_kernel_args *a, int i, int32_t *zp, nq_qmul *m, nq_error *err) {
  const char *what = i ? "input 1" : "input 0";
  float s;
  NQ_TRY(nq_i8_qparams(a, &a->in[i], what, &s, zp, err));
  if (!nq_quantize_multiplier((double)s, m) || m->shift > 0)
    return nq_i8_fail(a, err, "%s scale %g: TFLite compares 8-bit values through a multiplier below 1", what,
                      (double)s);
  return NQ_OK;
}

nq_status nq_i8_compare_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in != 2 || a->n_out != 1)
    return nq_i8_fail(a, err, "%d inputs / %d outputs, 2 / 1 expected", a->n_in, a->n_out);
  compare_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  if (!nq_i8_is_q8(a->in[0].type)) {
    void *unused = NULL;
    return nq_ref_prep_compare(a, &unused, err); /* int32, int64, bool: compared as they are */
  }
  NQ_TRY(nq_i8_need_q8(a, &a->in[0], "input 0", err));
  NQ_TRY(nq_i8_need_q8(a, &a->in[1], "input 1", err));
  if (a->in[1].type != a->in[0].type || a->out[0].type != NQ_BOOL)
    return nq_i8_fail(
        a, err, "inputs %s and %s, output %s: two 8-bit inputs of one type and a bool output expected",
        nq_dtype_name(a->in[0].type), nq_dtype_name(a->in[1].type), nq_dtype_name(a->out[0].type));
  p->quantized = true;
  NQ_TRY(input_multiplier(a, 0, &p->zp1, &p->m1, err));
  return input_multiplier(a, 1, &p->zp2, &p->m2, err);
}

nq_status nq_i8_compare_run(const nq_kernel_args *a, nq_error *err) {
  const compare_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  if (!p->quantized) return nq_ref_compare(a, err);
  const nq_tview *i0 = &a->in[0], *i1 = &a->in[1], *out = &a->out[0];
  int64_t st0[NQ_MAX_RANK], st1[NQ_MAX_RANK];
  NQ_TRY(nq_i8_bcast_strides(a, i0, out, st0, err));
  NQ_TRY(nq_i8_bcast_strides(a, i1, out, st1, err));
  const int sr = a->single_rounding;
  const nq_op op = a->node->op;
  uint8_t *y = out->data;
  nq_i8_iter it;
  nq_i8_iter_init(&it, out, st0, st1);
  const size_t n = nq_tview_elems(out);
  for (size_t i = 0; i < n; i++, nq_i8_iter_next(&it)) {
    const int32_t v1 =
        nq_mbqm((nq_i8_ld(i0->data, i0->type, (size_t)it.off0) - p->zp1) * (1 << 8), p->m1, sr);
    const int32_t v2 =
        nq_mbqm((nq_i8_ld(i1->data, i1->type, (size_t)it.off1) - p->zp2) * (1 << 8), p->m2, sr);
    y[i] = (uint8_t)nq_ref_compare_result(op, v1<v2, v1 == v2, v1> v2);
  }
  return NQ_OK;
}
