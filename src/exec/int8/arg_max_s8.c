/*
 * Integer ARG_MAX over a constant axis (input 1); int32 or int64 output.
 * Compares raw quantized values (monotonic in the real value for a positive
 * scale); the first maximum wins, as TFLite's strict greater-than.
 */
#include "exec/int8/int8_kernels.h"

nq_status nq_i8_arg_max_run(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  if (a->n_in != 2) return nq_i8_fail(a, err, "%d inputs, 2 expected", a->n_in);
  NQ_TRY(nq_i8_need_q8(a, in, "input", err));
  int64_t axv;
  if (!nq_i8_const_int(&a->in[1], 0, &axv)) return nq_i8_fail(a, err, "axis must be int32/int64");
  const int r = in->rank;
  if (axv < -r || axv >= r) return nq_i8_fail(a, err, "axis %lld out of range", (long long)axv);
  const int axis = (int)(axv < 0 ? axv + r : axv);
  if (out->type != NQ_INT32 && out->type != NQ_INT64)
    return nq_i8_fail(a, err, "output type %s, int32 or int64 expected", nq_dtype_name(out->type));
  size_t outer = 1, inner = 1;
  for (int d = 0; d < axis; d++) outer *= (size_t)in->shape[d];
  for (int d = axis + 1; d < r; d++) inner *= (size_t)in->shape[d];
  const size_t len = (size_t)in->shape[axis];
  if (nq_tview_elems(out) != outer * inner || len == 0)
    return nq_i8_fail(a, err, "output has %zu elements, %zu expected", nq_tview_elems(out), outer * inner);
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++) {
      size_t best = 0;
      int32_t bv = nq_i8_ld(in->data, in->type, o * len * inner + i);
      for (size_t k = 1; k < len; k++) {
        int32_t v = nq_i8_ld(in->data, in->type, (o * len + k) * inner + i);
        if (v > bv) {
          bv = v;
          best = k;
        }
      }
      if (out->type == NQ_INT32)
        ((int32_t *)out->data)[o * inner + i] = (int32_t)best;
      else
        ((int64_t *)out->data)[o * inner + i] = (int64_t)best;
    }
  return NQ_OK;
}
