/*
 * Integer FULLY_CONNECTED (TFLite reference_integer_ops::FullyConnected and
 * its per-channel variant; uint8 legacy models through the same loop).
 *
 * Input [..., I] is read as [B, I] with B = elements / I (TFLite flattens
 * every leading dimension; keep_num_dims only changes the output shape,
 * which the engine has already inferred). Weights [O, I] (per-tensor or
 * per-channel on axis 0), optional int32 bias [O], output [B, O] in memory.
 * Per-tensor uses GetQuantizedConvolutionMultipler's float product rule,
 * per-channel the double rule (int8_weights.h). Accumulator bound: I terms
 * of at most 255 * w_maxabs each, checked at prepare.
 */
#include "exec/int8/int8_kernels.h"
#include "exec/int8/int8_weights.h"

nq_status nq_i8_fc_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  if (a->n_in < 2) return nq_i8_fail(a, err, "%d inputs, 2 or 3 expected", a->n_in);
  const nq_tview *w = &a->in[1];
  if (w->rank != 2) return nq_i8_fail(a, err, "weights have rank %d, 2 expected", w->rank);
  if (a->in[0].type == NQ_INT16) return nq_s16_fc_prepare(a, prepared, err);
  nq_i8_wspec s = {.input = 0,
                   .weights = 1,
                   .bias = 2,
                   .ch_axis = 0,
                   .k_terms = (size_t)w->shape[1],
                   .legacy_per_tensor_scale = true};
  return nq_i8_weights_prepare(a, &s, prepared, err);
}

size_t nq_i8_fc_scratch(const nq_kernel_args *a) {
  if (a->in[0].type == NQ_INT16) return 0;
  return nq_i8_align64(nq_tview_elems(&a->in[0]) * sizeof(int16_t));
}

nq_status nq_i8_fc_run(const nq_kernel_args *a, nq_error *err) {
  if (a->in[0].type == NQ_INT16) return nq_s16_fc_run(a, err);
  const nq_i8_wprep *p = a->prepared;
  const nq_tview *in = &a->in[0], *w = &a->in[1], *out = &a->out[0];
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const int O = w->shape[0], I = w->shape[1];
  const size_t in_n = nq_tview_elems(in), out_n = nq_tview_elems(out);
  if (I < 1 || O < 1 || in_n % (size_t)I != 0 || out_n != in_n / (size_t)I * (size_t)O)
    return nq_i8_fail(a, err,
                      "input of %zu elements, weights [%d,%d] and output of %zu "
                      "elements do not match",
                      in_n, O, I, out_n);
  if (!a->scratch || a->scratch_size < nq_i8_fc_scratch(a))
    return nq_i8_fail(a, err, "scratch of %zu bytes, %zu expected", a->scratch_size, nq_i8_fc_scratch(a));
  int16_t *x = a->scratch;
  nq_i8_centre(in, p->in_zp, x);
  const size_t B = in_n / (size_t)I;
  size_t o_idx = 0;
  for (size_t b = 0; b < B; b++) {
    const int16_t *xp = x + b * (size_t)I;
    for (int o = 0; o < O; o++, o_idx++) {
      const int16_t *wp = p->w + (size_t)o * I;
      int32_t acc = 0;
      for (int i = 0; i < I; i++) acc += (int32_t)xp[i] * wp[i];
      nq_i8_st(out->data, out->type, o_idx, nq_i8_wfinish(p, o, acc, a->single_rounding));
    }
  }
  return NQ_OK;
}
