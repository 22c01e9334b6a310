/*
 * CONCATENATION, SPLIT, SPLIT_V, PACK, UNPACK: type-generic data movement.
 * Each is a copy of [outer, axis_part, inner] blocks, where outer is the
 * product of the dims before the axis and inner the product after it.
 * CONCATENATION applies its fused activation on float32.
 */
#include <string.h>

#include "exec/float/ref.h"

static size_t prod(const int32_t *d, int from, int to) {
  size_t p = 1;
  for (int i = from; i < to; i++) p *= (size_t)d[i];
  return p;
}

static int norm_axis(int axis, int rank) { return axis < 0 ? axis + rank : axis; }

/* Copies the axis blocks of `n` parts (each with `part[k]` units of `unit`
 * bytes) into or out of one joined tensor. */
static void join(char *joined, char **parts, const size_t *part, int n, size_t outer, size_t unit,
                 bool gather) {
  size_t total = 0;
  for (int k = 0; k < n; k++) total += part[k];
  for (size_t o = 0; o < outer; o++) {
    size_t off = 0;
    for (int k = 0; k < n; k++) {
      char *j = joined + (o * total + off) * unit;
      char *p = parts[k] + o * part[k] * unit;
      if (gather)
        memcpy(j, p, part[k] * unit);
      else
        memcpy(p, j, part[k] * unit);
      off += part[k];
    }
  }
}

#define MAX_PARTS 4096

nq_status nq_ref_concat(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *o = &a->out[0];
  int axis = norm_axis(a->p->axis, o->rank);
  size_t es = nq_dtype_size(o->type), inner = prod(o->shape, axis + 1, o->rank);
  size_t outer = prod(o->shape, 0, axis);
  if (a->n_in > MAX_PARTS) return nq_ref_fail(a, err, NQ_ERR_UNSUPPORTED, "too many inputs");
  char *parts[MAX_PARTS];
  size_t part[MAX_PARTS];
  for (int k = 0; k < a->n_in; k++) {
    parts[k] = a->in[k].data;
    part[k] = (size_t)a->in[k].shape[axis] * inner;
  }
  join(o->data, parts, part, a->n_in, outer, es, true);
  if (o->type == NQ_FLOAT32 && a->p->act != NQ_ACT_NONE) {
    float *f = o->data;
    size_t n = nq_tview_elems(o);
    for (size_t i = 0; i < n; i++) f[i] = nq_ref_act(a->p->act, f[i]);
  }
  return NQ_OK;
}

nq_status nq_ref_split(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = a->node->op == NQ_OP_SPLIT ? &a->in[1] : &a->in[0];
  const nq_tview *ax = a->node->op == NQ_OP_SPLIT ? &a->in[0] : &a->in[2];
  int64_t axv;
  int n;
  if (!nq_ref_ints(ax, &axv, 1, &n) || n != 1)
    return nq_ref_fail(a, err, NQ_ERR_FORMAT, "axis operand must be one int");
  int axis = norm_axis((int)axv, x->rank);
  size_t es = nq_dtype_size(x->type), inner = prod(x->shape, axis + 1, x->rank),
         outer = prod(x->shape, 0, axis);
  if (a->n_out > MAX_PARTS) return nq_ref_fail(a, err, NQ_ERR_UNSUPPORTED, "too many outputs");
  char *parts[MAX_PARTS];
  size_t part[MAX_PARTS];
  for (int k = 0; k < a->n_out; k++) {
    parts[k] = a->out[k].data;
    part[k] = (size_t)a->out[k].shape[axis] * inner;
  }
  join(x->data, parts, part, a->n_out, outer, es, false);
  return NQ_OK;
}

nq_status nq_ref_pack(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *o = &a->out[0];
  int axis = norm_axis(a->p->axis, o->rank);
  size_t es = nq_dtype_size(o->type), inner = prod(o->shape, axis + 1, o->rank),
         outer = prod(o->shape, 0, axis);
  if (a->n_in > MAX_PARTS) return nq_ref_fail(a, err, NQ_ERR_UNSUPPORTED, "too many inputs");
  char *parts[MAX_PARTS];
  size_t part[MAX_PARTS];
  for (int k = 0; k < a->n_in; k++) {
    parts[k] = a->in[k].data;
    part[k] = inner;
  }
  join(o->data, parts, part, a->n_in, outer, es, true);
  return NQ_OK;
}

nq_status nq_ref_unpack(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *x = &a->in[0];
  int axis = norm_axis(a->p->axis, x->rank);
  size_t es = nq_dtype_size(x->type), inner = prod(x->shape, axis + 1, x->rank),
         outer = prod(x->shape, 0, axis);
  if (a->n_out > MAX_PARTS) return nq_ref_fail(a, err, NQ_ERR_UNSUPPORTED, "too many outputs");
  char *parts[MAX_PARTS];
  size_t part[MAX_PARTS];
  for (int k = 0; k < a->n_out; k++) {
    parts[k] = a->out[k].data;
    part[k] = inner;
  }
  join(x->data, parts, part, a->n_out, outer, es, false);
  return NQ_OK;
}
