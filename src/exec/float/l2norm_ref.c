/*
 * L2_NORMALIZATION over the last dimension, float32 reference:
 *   out = x / max(sqrt(sum x^2), 1e-6)   (TFLite's epsilon), then the fused
 * activation.
 */
#include <math.h>

#include "exec/float/ref.h"

nq_status nq_ref_l2norm(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0];
  const float *in = x->data;
  float *out = a->out[0].data;
  size_t depth = x->rank ? (size_t)x->shape[x->rank - 1] : 1;
  size_t rows = depth ? nq_tview_elems(x) / depth : 0;
  for (size_t r = 0; r < rows; r++) {
    float ss = 0.0f;
    for (size_t i = 0; i < depth; i++) ss += in[r * depth + i] * in[r * depth + i];
    float norm = sqrtf(ss);
    if (norm < 1e-6f) norm = 1e-6f;
    for (size_t i = 0; i < depth; i++) out[r * depth + i] = nq_ref_act(a->p->act, in[r * depth + i] / norm);
  }
  (void)err;
  return NQ_OK;
}
