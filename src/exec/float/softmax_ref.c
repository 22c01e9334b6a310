/*
 * SOFTMAX and LOG_SOFTMAX over the last dimension, float32 reference.
 *   softmax:     e^((x - max) * beta) / sum
 *   log_softmax: (x - max) - log(sum e^(x - max))
 * Subtracting the row maximum keeps exp() in range (TFLite does the same).
 */
#include <math.h>

#include "exec/float/ref.h"

nq_status nq_ref_softmax(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0];
  const float *in = x->data;
  float *out = a->out[0].data;
  size_t depth = x->rank ? (size_t)x->shape[x->rank - 1] : 1;
  size_t rows = depth ? nq_tview_elems(x) / depth : 0;
  bool logsm = a->node->op == NQ_OP_LOG_SOFTMAX;
  float beta = a->p->beta;
  for (size_t r = 0; r < rows; r++) {
    const float *ip = in + r * depth;
    float *op = out + r * depth;
    float mx = ip[0];
    for (size_t i = 1; i < depth; i++)
      if (ip[i] > mx) mx = ip[i];
    float sum = 0.0f;
    if (logsm) {
      for (size_t i = 0; i < depth; i++) sum += expf(ip[i] - mx);
      float ls = logf(sum);
      for (size_t i = 0; i < depth; i++) op[i] = ip[i] - mx - ls;
    } else {
      for (size_t i = 0; i < depth; i++) {
        op[i] = expf((ip[i] - mx) * beta);
        sum += op[i];
      }
      for (size_t i = 0; i < depth; i++) op[i] /= sum;
    }
  }
  (void)err;
  return NQ_OK;
}
