/*
 * Activations, float32 reference, any shape:
 *   RELU max(0,x); RELU6 min(6,max(0,x)); RELU_N1_TO_1 clamp(x,-1,1);
 *   LOGISTIC 1/(1+e^-x); TANH; ELU x<0 ? e^x-1 : x;
 *   HARD_SWISH x*relu6(x+3)/6; LEAKY_RELU x>0 ? x : alpha*x;
 *   GELU 0.5x(1+erf(x/sqrt2)), or with `approximate`
 *        0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3)));
 *   ERF erf(x).
 */
#include <math.h>

#include "exec/float/ref.h"

nq_status nq_ref_activation(const nq_kernel_args *a, nq_error *err) {
  const float *in = a->in[0].data;
  float *out = a->out[0].data;
  size_t n = nq_tview_elems(&a->in[0]);
  nq_op op = a->node->op;
  float alpha = a->p->alpha;
  for (size_t i = 0; i < n; i++) {
    float x = in[i], y;
    switch (op) {
      case NQ_OP_RELU:
        y = x < 0.0f ? 0.0f : x;
        break;
      case NQ_OP_RELU6:
        y = x < 0.0f ? 0.0f : x > 6.0f ? 6.0f : x;
        break;
      case NQ_OP_RELU_N1_TO_1:
        y = x < -1.0f ? -1.0f : x > 1.0f ? 1.0f : x;
        break;
      case NQ_OP_LOGISTIC:
        y = 1.0f / (1.0f + expf(-x));
        break;
      case NQ_OP_TANH:
        y = tanhf(x);
        break;
      case NQ_OP_ELU:
        y = x < 0.0f ? expm1f(x) : x;
        break;
      case NQ_OP_HARD_SWISH: {
        float r = x + 3.0f;
        r = r < 0.0f ? 0.0f : r > 6.0f ? 6.0f : r;
        y = x * r / 6.0f;
        break;
      }
      case NQ_OP_LEAKY_RELU:
        y = x > 0.0f ? x : alpha * x;
        break;
      case NQ_OP_GELU:
        if (a->p->approximate)
          y = 0.5f * x * (1.0f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
        else
          y = 0.5f * x * (1.0f + erff(x * 0.7071067811865476f));
        break;
      case NQ_OP_ERF:
        y = erff(x);
        break;
      default:
        return nq_ref_fail(a, err, NQ_ERR_INTERNAL, "not an activation");
    }
    out[i] = y;
  }
  return NQ_OK;
}
