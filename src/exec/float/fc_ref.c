/*
 * FULLY_CONNECTED, float32 reference.
 *   input   any shape, read as [B, I] rows (B = elements / I)
 *   weights [O, I]
 *   bias    [O] or absent
 *   output  [B, O] (or the input's shape with the last dim O: keep_num_dims)
 */
#include "exec/float/ref.h"

nq_status nq_ref_fully_connected(const nq_kernel_args *a, nq_error *err) {
  const float *in = a->in[0].data, *wt = a->in[1].data;
  const float *bias = a->n_in > 2 ? a->in[2].data : NULL;
  float *out = a->out[0].data;
  int O = a->in[1].shape[0], I = a->in[1].shape[1];
  size_t B = nq_tview_elems(&a->in[0]) / (size_t)I;
  for (size_t b = 0; b < B; b++)
    for (int o = 0; o < O; o++) {
      float acc = 0.0f;
      const float *ip = in + b * I, *wp = wt + (size_t)o * I;
      for (int i = 0; i < I; i++) acc += ip[i] * wp[i];
      if (bias) acc += bias[o];
      out[b * O + o] = nq_ref_act(a->p->act, acc);
    }
  (void)err;
  return NQ_OK;
}
