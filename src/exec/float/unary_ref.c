/*
 * Element-wise unary math, float32 reference: ABS NEG EXP LOG SQRT RSQRT
 * SQUARE FLOOR (ABS and NEG also on int32). Any shape; out[i] = f(in[i]).
 */
#include <math.h>
#include <stdlib.h>

#include "exec/float/ref.h"

nq_status nq_ref_unary(const nq_kernel_args *a, nq_error *err) {
  size_t n = nq_tview_elems(&a->in[0]);
  nq_op op = a->node->op;
  if (a->in[0].type == NQ_INT32) {
    const int32_t *in = a->in[0].data;
    int32_t *out = a->out[0].data;
    for (size_t i = 0; i < n; i++) {
      int64_t v = in[i];
      out[i] = (int32_t)(op == NQ_OP_ABS ? (v < 0 ? -v : v) : -v);
    }
    return NQ_OK;
  }
  const float *in = a->in[0].data;
  float *out = a->out[0].data;
  for (size_t i = 0; i < n; i++) {
    float x = in[i], y;
    switch (op) {
      case NQ_OP_ABS:
        y = fabsf(x);
        break;
      case NQ_OP_NEG:
        y = -x;
        break;
      case NQ_OP_EXP:
        y = expf(x);
        break;
      case NQ_OP_LOG:
        y = logf(x);
        break;
      case NQ_OP_SQRT:
        y = sqrtf(x);
        break;
      case NQ_OP_RSQRT:
        y = 1.0f / sqrtf(x);
        break;
      case NQ_OP_SQUARE:
        y = x * x;
        break;
      case NQ_OP_FLOOR:
        y = floorf(x);
        break;
      default:
        return nq_ref_fail(a, err, NQ_ERR_INTERNAL, "not a unary op");
    }
    out[i] = y;
  }
  return NQ_OK;
}
