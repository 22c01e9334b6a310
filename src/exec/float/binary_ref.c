/*
 * Element-wise binary ops with numpy broadcasting (rank <= 6), reference.
 *   ADD SUB MUL DIV MAXIMUM MINIMUM POW SQUARED_DIFFERENCE FLOOR_DIV
 *   FLOOR_MOD: float32, and int32 for ADD SUB MUL MAXIMUM MINIMUM FLOOR_DIV
 *   FLOOR_MOD (shape and index arithmetic).
 *   FLOOR_DIV = floor(x / y); FLOOR_MOD = x - y * floor(x / y), the sign of
 *   y (TFLite floor_div.cc / floor_mod.cc: fmod corrected by y). An int32
 *   divisor of 0 is an error naming the node, as in TFLite.
 *   PRELU: out = x >= 0 ? x : alpha * x, alpha broadcast against x.
 * ADD/SUB/MUL/DIV apply the fused activation (float only).
 */
#include <math.h>

#include "exec/float/ref.h"

static float op_f(nq_op op, float x, float y) {
  switch (op) {
    case NQ_OP_ADD:
      return x + y;
    case NQ_OP_SUB:
      return x - y;
    case NQ_OP_MUL:
      return x * y;
    case NQ_OP_DIV:
      return x / y;
    case NQ_OP_MAXIMUM:
      return x > y ? x : y;
    case NQ_OP_MINIMUM:
      return x < y ? x : y;
    case NQ_OP_POW:
      return powf(x, y);
    case NQ_OP_SQUARED_DIFFERENCE:
      return (x - y) * (x - y);
    case NQ_OP_PRELU:
      return x >= 0.0f ? x : x * y;
    case NQ_OP_FLOOR_DIV:
      return floorf(x / y);
    case NQ_OP_FLOOR_MOD: {
      float r = fmodf(x, y);
      return r != 0.0f && ((y < 0.0f) != (r < 0.0f)) ? r + y : r;
    }
    default:
      return 0.0f;
  }
}

static int32_t op_i(nq_op op, int32_t x, int32_t y) {
  switch (op) {
    case NQ_OP_ADD:
      return (int32_t)((uint32_t)x + (uint32_t)y);
    case NQ_OP_SUB:
      return (int32_t)((uint32_t)x - (uint32_t)y);
    case NQ_OP_MUL:
      return (int32_t)((uint32_t)x * (uint32_t)y);
    case NQ_OP_MAXIMUM:
      return x > y ? x : y;
    case NQ_OP_MINIMUM:
      return x < y ? x : y;
    case NQ_OP_FLOOR_DIV: { /* y != 0 is checked before; INT32_MIN / -1 wraps */
      if (y == -1) return (int32_t)(0u - (uint32_t)x);
      int32_t q = x / y;
      return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
    }
    case NQ_OP_FLOOR_MOD: {
      if (y == -1) return 0;
      int32_t r = x % y;
      return (r != 0 && ((y < 0) != (r < 0))) ? r + y : r;
    }
    default:
      return 0;
  }
}

nq_status nq_ref_binary(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0], *y = &a->in[1], *o = &a->out[0];
  size_t sx[NQ_MAX_RANK], sy[NQ_MAX_RANK];
  int idx[NQ_MAX_RANK] = {0};
  nq_ref_broadcast_strides(x, o, sx);
  nq_ref_broadcast_strides(y, o, sy);
  size_t n = nq_tview_elems(o), ix = 0, iy = 0;
  nq_op op = a->node->op;
  bool is_int = o->type == NQ_INT32;
  bool fused = op == NQ_OP_ADD || op == NQ_OP_SUB || op == NQ_OP_MUL || op == NQ_OP_DIV;
  if (is_int && (op == NQ_OP_FLOOR_DIV || op == NQ_OP_FLOOR_MOD)) {
    const int32_t *d = y->data;
    for (size_t k = 0, m = nq_tview_elems(y); k < m; k++)
      if (d[k] == 0)
        return nq_ref_fail(a, err, NQ_ERR_INVALID_ARG, "int32 division by 0 (divisor element %zu)", k);
  }
  for (size_t k = 0; k < n; k++) {
    if (is_int) {
      ((int32_t *)o->data)[k] = op_i(op, ((const int32_t *)x->data)[ix], ((const int32_t *)y->data)[iy]);
    } else {
      float v = op_f(op, ((const float *)x->data)[ix], ((const float *)y->data)[iy]);
      ((float *)o->data)[k] = fused ? nq_ref_act(a->p->act, v) : v;
    }
    /* Advance the multi-index (odometer), keeping both input offsets. */
    for (int d = o->rank - 1; d >= 0; d--) {
      ix += sx[d];
      iy += sy[d];
      if (++idx[d] < o->shape[d]) break;
      ix -= sx[d] * (size_t)o->shape[d];
      iy -= sy[d] * (size_t)o->shape[d];
      idx[d] = 0;
    }
  }
  (void)err;
  return NQ_OK;
}
