/*
 * The comparisons (LESS, LESS_EQUAL, GREATER, GREATER_EQUAL, EQUAL,
 * NOT_EQUAL) and the logical ops (LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT):
 * bool results with numpy broadcasting (TFLite comparisons.cc and
 * logical.cc). Comparisons take float32, int32 or int64 operands of one
 * type (EQUAL and NOT_EQUAL also bool); IEEE rules for NaN (every
 * comparison with a NaN is false but NOT_EQUAL). Quantized operands go
 * through compare_s8.c, which rescales them first. The logical ops read
 * any nonzero byte as true and write 0 or 1.
 */
#include "exec/float/ref.h"

/* Walks the output in order, keeping both inputs' offsets (an odometer). */
typedef struct walk {
  int rank;
  int idx[NQ_MAX_RANK];
  int32_t shape[NQ_MAX_RANK];
  size_t s0[NQ_MAX_RANK], s1[NQ_MAX_RANK];
  size_t i0, i1;
} walk;

static void walk_init(walk *w, const nq_tview *x, const nq_tview *y, const nq_tview *o) {
  w->rank = o->rank;
  for (int d = 0; d < o->rank; d++) w->idx[d] = 0, w->shape[d] = o->shape[d];
  nq_ref_broadcast_strides(x, o, w->s0);
  nq_ref_broadcast_strides(y ? y : x, o, w->s1);
  w->i0 = w->i1 = 0;
}

static void walk_next(walk *w) {
  for (int d = w->rank - 1; d >= 0; d--) {
    w->idx[d]++;
    w->i0 += w->s0[d], w->i1 += w->s1[d];
    if (w->idx[d] < w->shape[d]) return;
    w->i0 -= w->s0[d] * (size_t)w->idx[d], w->i1 -= w->s1[d] * (size_t)w->idx[d];
    w->idx[d] = 0;
  }
}

bool nq_ref_compare_result(nq_op op, bool lt, bool eq, bool gt) {
  switch (op) {
    case NQ_OP_LESS:
      return lt;
    case NQ_OP_LESS_EQUAL:
      return lt || eq;
    case NQ_OP_GREATER:
      return gt;
    case NQ_OP_GREATER_EQUAL:
      return gt || eq;
    case NQ_OP_EQUAL:
      return eq;
    default: /* NOT_EQUAL */
      return !eq;
  }
}

#define COMPARE_LOOP(T)                                               \
  do {                                                                \
    const T *x_ = x->data, *y_ = y->data;                             \
    for (size_t k = 0; k < n; k++, walk_next(&w)) {                   \
      const T u = x_[w.i0], v = y_[w.i1];                             \
      out[k] = (uint8_t)nq_ref_compare_result(op, u<v, u == v, u> v); \
    }                                                                 \
  } while (0)

nq_status nq_ref_compare(const nq_kernel_args *a, nq_error *err) {
  (void)err;
  const nq_tview *x = &a->in[0], *y = &a->in[1], *o = &a->out[0];
  const nq_op op = a->node->op;
  const size_t n = nq_tview_elems(o);
  uint8_t *out = o->data;
  walk w;
  walk_init(&w, x, y, o);
  switch (x->type) {
    case NQ_FLOAT32:
      COMPARE_LOOP(float);
      break;
    case NQ_INT32:
      COMPARE_LOOP(int32_t);
      break;
    case NQ_INT64:
      COMPARE_LOOP(int64_t);
      break;
    default: { /* bool (prepare allows it for EQUAL / NOT_EQUAL only) */
      const uint8_t *x_ = x->data, *y_ = y->data;
      for (size_t k = 0; k < n; k++, walk_next(&w))
        out[k] = (uint8_t)nq_ref_compare_result(op, false, (x_[w.i0] != 0) == (y_[w.i1] != 0), false);
      break;
    }
  }
  return NQ_OK;
}

nq_status nq_ref_prep_compare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in != 2 || a->n_out != 1 || !a->in[0].data || !a->in[1].data)
    return nq_ref_type_fail(a, err, "two inputs and one output");
  const nq_dtype t = a->in[0].type;
  const bool eq_op = a->node->op == NQ_OP_EQUAL || a->node->op == NQ_OP_NOT_EQUAL;
  if (a->in[1].type != t || a->out[0].type != NQ_BOOL ||
      !(t == NQ_FLOAT32 || t == NQ_INT32 || t == NQ_INT64 || (eq_op && t == NQ_BOOL)))
    return nq_ref_type_fail(a, err,
                            eq_op ? "two float32, int32, int64 or bool inputs of one type and a bool output"
                                  : "two float32, int32 or int64 inputs of one type and a bool output");
  return NQ_OK;
}

nq_status nq_ref_logical(const nq_kernel_args *a, nq_error *err) {
  (void)err;
  const nq_tview *x = &a->in[0], *o = &a->out[0];
  const nq_tview *y = a->n_in > 1 ? &a->in[1] : NULL;
  const size_t n = nq_tview_elems(o);
  const uint8_t *xd = x->data, *yd = y ? y->data : NULL;
  uint8_t *out = o->data;
  walk w;
  walk_init(&w, x, y, o);
  for (size_t k = 0; k < n; k++, walk_next(&w)) {
    const bool p = xd[w.i0] != 0;
    switch (a->node->op) {
      case NQ_OP_LOGICAL_AND:
        out[k] = p && yd[w.i1] != 0;
        break;
      case NQ_OP_LOGICAL_OR:
        out[k] = p || yd[w.i1] != 0;
        break;
      default: /* LOGICAL_NOT */
        out[k] = !p;
        break;
    }
  }
  return NQ_OK;
}

nq_status nq_ref_prep_logical(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  const int n_in = a->node->op == NQ_OP_LOGICAL_NOT ? 1 : 2;
  if (a->n_in != n_in || a->n_out != 1)
    return nq_ref_type_fail(a, err, n_in == 1 ? "one input and one output" : "two inputs and one output");
  for (int i = 0; i < n_in; i++)
    if (!a->in[i].data || a->in[i].type != NQ_BOOL) return nq_ref_type_fail(a, err, "bool inputs and output");
  if (a->out[0].type != NQ_BOOL) return nq_ref_type_fail(a, err, "bool inputs and output");
  return NQ_OK;
}
