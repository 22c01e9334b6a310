/*
 * Shape inference with TFLite's semantics, one function per op (see
 * shape.h). Each function reads the node's input shapes (and constant
 * shape-like operands), checks that they agree, and fills the output shapes
 * of a small context; the driver then writes or compares them.
 */
#include "ir/shape.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/status.h"
#include "ir/custom_ops.h"
#include "ir/strided_slice.h"

typedef struct out_shape {
  int rank;
  int32_t d[NQ_MAX_RANK];
} out_shape;

typedef struct sctx {
  nq_graph *g;
  int n;
  const nq_node *node;
  out_shape *out; /* node->n_out entries */
  nq_error *err;
  char label[192];
} sctx;

typedef nq_status (*shape_fn)(sctx *c);

/* ---- helpers ---- */

static const char *shape_str(const int32_t *d, int rank, char *buf, size_t n) {
  size_t k = 0;
  k += (size_t)snprintf(buf + k, n - k, "[");
  for (int i = 0; i < rank && k < n; i++) k += (size_t)snprintf(buf + k, n - k, i ? ",%d" : "%d", d[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
  return buf;
}

#define SHAPE_FAIL(c, ...) shape_fail((c), __VA_ARGS__)
static nq_status shape_fail(sctx *c, const char *fmt, ...) NQ_PRINTF(2, 3);
static nq_status shape_fail(sctx *c, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return nq_fail(c->err, NQ_ERR_SHAPE, "%s%s%s: %s", c->g->source ? c->g->source : "",
                 c->g->source ? ": " : "", c->label, msg);
}

/* Input k's tensor, or a failure if it is absent or out of range. */
static nq_status input(sctx *c, int k, const nq_tensor **t) {
  if (k >= c->node->n_in || c->node->in[k] < 0 || c->node->in[k] >= c->g->n_tensors)
    return SHAPE_FAIL(c, "input %d is missing (node has %d inputs)", k, c->node->n_in);
  *t = &c->g->tensors[c->node->in[k]];
  return NQ_OK;
}

static bool has_input(const sctx *c, int k) { return k < c->node->n_in && c->node->in[k] >= 0; }

static nq_status need_io(sctx *c, int min_in, int n_out) {
  if (c->node->n_in < min_in)
    return SHAPE_FAIL(c, "has %d inputs, at least %d expected", c->node->n_in, min_in);
  if (n_out >= 0 && c->node->n_out != n_out)
    return SHAPE_FAIL(c, "has %d outputs, %d expected", c->node->n_out, n_out);
  if (c->node->n_out < 1) return SHAPE_FAIL(c, "has no outputs");
  return NQ_OK;
}

static nq_status need_rank(sctx *c, const nq_tensor *t, int k, int lo, int hi) {
  if (t->rank < lo || t->rank > hi) {
    char b[96];
    return SHAPE_FAIL(c, "input %d has shape %s (rank %d), rank %d..%d expected", k,
                      shape_str(t->shape, t->rank, b, sizeof b), t->rank, lo, hi);
  }
  return NQ_OK;
}

/* Read a constant int32/int64 operand (input k) into vals (at most max). */
static nq_status const_ints(sctx *c, int k, int64_t *vals, int max, int *count) {
  const nq_tensor *t = NULL;
  NQ_TRY(input(c, k, &t));
  if (!t->data)
    return nq_fail(c->err, NQ_ERR_UNSUPPORTED, "%s: input %d must be a constant tensor (shapes are static)",
                   c->label, k);
  if (t->type != NQ_INT32 && t->type != NQ_INT64)
    return SHAPE_FAIL(c, "input %d is %s, int32 or int64 expected", k, nq_dtype_name(t->type));
  size_t n = nq_tensor_elems(t), es = nq_dtype_size(t->type);
  if (n > (size_t)max) return SHAPE_FAIL(c, "input %d has %zu values, at most %d expected", k, n, max);
  if (t->nbytes < n * es) return SHAPE_FAIL(c, "input %d has too little data", k);
  for (size_t i = 0; i < n; i++) {
    if (t->type == NQ_INT32) {
      int32_t v;
      memcpy(&v, t->data + i * 4, 4);
      vals[i] = v;
    } else {
      int64_t v;
      memcpy(&v, t->data + i * 8, 8);
      vals[i] = v;
    }
  }
  *count = (int)n;
  return NQ_OK;
}

static void set_out(sctx *c, int k, const int32_t *d, int rank) {
  c->out[k].rank = rank;
  if (rank > 0) memcpy(c->out[k].d, d, sizeof(int32_t) * (size_t)rank);
}

static nq_status norm_axis(sctx *c, int64_t axis, int rank, int *out) {
  if (axis < -rank || axis >= rank)
    return SHAPE_FAIL(c, "axis %lld is out of range for rank %d", (long long)axis, rank);
  *out = (int)(axis < 0 ? axis + rank : axis);
  return NQ_OK;
}

static nq_status check_dim(sctx *c, int64_t v, const char *what) {
  if (v < 0 || v > INT32_MAX) return SHAPE_FAIL(c, "%s would be %lld", what, (long long)v);
  return NQ_OK;
}

/* Broadcast a and b (numpy rules, right-aligned). */
static nq_status broadcast(sctx *c, const nq_tensor *a, const nq_tensor *b, out_shape *o) {
  int r = a->rank > b->rank ? a->rank : b->rank;
  for (int i = 0; i < r; i++) {
    int ia = i - (r - a->rank), ib = i - (r - b->rank);
    int32_t da = ia >= 0 ? a->shape[ia] : 1, db = ib >= 0 ? b->shape[ib] : 1;
    if (da != db && da != 1 && db != 1) {
      char s1[96], s2[96];
      return SHAPE_FAIL(c, "cannot broadcast %s with %s", shape_str(a->shape, a->rank, s1, sizeof s1),
                        shape_str(b->shape, b->rank, s2, sizeof s2));
    }
    o->d[i] = da == 1 ? db : da;
  }
  o->rank = r;
  return NQ_OK;
}

/* Output size of a windowed op (TFLite ComputeOutSize). */
static nq_status window_out(sctx *c, nq_padding pad, int in, int k, int stride, int dil, int *out) {
  if (stride <= 0 || dil <= 0 || k <= 0)
    return SHAPE_FAIL(c, "stride %d, dilation %d and window %d must be positive", stride, dil, k);
  int64_t eff = (int64_t)(k - 1) * dil + 1;
  int64_t o;
  if (pad == NQ_PAD_SAME)
    o = ((int64_t)in + stride - 1) / stride;
  else if (pad == NQ_PAD_VALID)
    o = ((int64_t)in - eff + stride) / stride;
  else
    return SHAPE_FAIL(c, "unknown padding %d", (int)pad);
  if (o <= 0) return SHAPE_FAIL(c, "input size %d is smaller than the window %lld", in, (long long)eff);
  /* Kernels index the input as out * stride - pad + tap * dilation in int:
   * the whole span the windows cover must fit, with room for the padding. */
  int64_t span = (o - 1) * stride + eff;
  if (span > INT32_MAX / 2)
    return SHAPE_FAIL(c,
                      "%lld outputs at stride %d with a window of %lld (dilation %d) span %lld positions, "
                      "at most %d expected",
                      (long long)o, stride, (long long)eff, dil, (long long)span, INT32_MAX / 2);
  *out = (int)o;
  return NQ_OK;
}

/* ---- per-op functions ---- */

static nq_status sh_same(sctx *c) {
  const nq_tensor *x = NULL;
  NQ_TRY(need_io(c, 1, 1));
  NQ_TRY(input(c, 0, &x));
  set_out(c, 0, x->shape, x->rank);
  return NQ_OK;
}

static nq_status sh_binary(sctx *c) {
  const nq_tensor *a = NULL, *b = NULL;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &a));
  NQ_TRY(input(c, 1, &b));
  return broadcast(c, a, b, &c->out[0]);
}

static nq_status sh_conv(sctx *c) {
  const nq_tensor *x = NULL, *w = NULL, *b = NULL;
  const nq_op_params *p = &c->node->p;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(input(c, 1, &w));
  NQ_TRY(need_rank(c, x, 0, 4, 4));
  NQ_TRY(need_rank(c, w, 1, 4, 4));
  char s1[96], s2[96];
  /* Grouped convolution: input channels = groups * filter's I. */
  if (w->shape[3] <= 0 || x->shape[3] % w->shape[3] != 0 || x->shape[3] / w->shape[3] == 0 ||
      w->shape[0] % (x->shape[3] / w->shape[3]) != 0)
    return SHAPE_FAIL(c, "input %s and filter %s (OHWI) disagree on channels",
                      shape_str(x->shape, 4, s1, sizeof s1), shape_str(w->shape, 4, s2, sizeof s2));
  if (has_input(c, 2)) {
    NQ_TRY(input(c, 2, &b));
    if (nq_tensor_elems(b) != (size_t)w->shape[0])
      return SHAPE_FAIL(c, "bias %s has not %d elements", shape_str(b->shape, b->rank, s1, sizeof s1),
                        w->shape[0]);
  }
  int oh = 0, ow = 0;
  NQ_TRY(window_out(c, p->padding, x->shape[1], w->shape[1], p->stride_h, p->dilation_h, &oh));
  NQ_TRY(window_out(c, p->padding, x->shape[2], w->shape[2], p->stride_w, p->dilation_w, &ow));
  int32_t o[4] = {x->shape[0], oh, ow, w->shape[0]};
  set_out(c, 0, o, 4);
  return NQ_OK;
}

static nq_status sh_depthwise(sctx *c) {
  const nq_tensor *x = NULL, *w = NULL, *b = NULL;
  const nq_op_params *p = &c->node->p;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(input(c, 1, &w));
  NQ_TRY(need_rank(c, x, 0, 4, 4));
  NQ_TRY(need_rank(c, w, 1, 4, 4));
  char s1[96], s2[96];
  if (w->shape[0] != 1 || x->shape[3] <= 0 || w->shape[3] % x->shape[3] != 0)
    return SHAPE_FAIL(c, "input %s and filter %s (1,H,W,C*multiplier) disagree on channels",
                      shape_str(x->shape, 4, s1, sizeof s1), shape_str(w->shape, 4, s2, sizeof s2));
  if (has_input(c, 2)) {
    NQ_TRY(input(c, 2, &b));
    if (nq_tensor_elems(b) != (size_t)w->shape[3])
      return SHAPE_FAIL(c, "bias %s has not %d elements", shape_str(b->shape, b->rank, s1, sizeof s1),
                        w->shape[3]);
  }
  int oh = 0, ow = 0;
  NQ_TRY(window_out(c, p->padding, x->shape[1], w->shape[1], p->stride_h, p->dilation_h, &oh));
  NQ_TRY(window_out(c, p->padding, x->shape[2], w->shape[2], p->stride_w, p->dilation_w, &ow));
  int32_t o[4] = {x->shape[0], oh, ow, w->shape[3]};
  set_out(c, 0, o, 4);
  return NQ_OK;
}

static nq_status sh_fc(sctx *c) {
  const nq_tensor *x = NULL, *w = NULL, *b = NULL;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(input(c, 1, &w));
  NQ_TRY(need_rank(c, w, 1, 2, 2));
  char s1[96], s2[96];
  size_t n = nq_tensor_elems(x);
  int32_t in_dim = w->shape[1], units = w->shape[0];
  if (in_dim <= 0 || n % (size_t)in_dim != 0 ||
      (x->rank > 0 && x->shape[x->rank - 1] != in_dim && c->node->p.keep_dims))
    return SHAPE_FAIL(c, "input %s cannot be flattened to rows of %d (weights %s)",
                      shape_str(x->shape, x->rank, s1, sizeof s1), in_dim,
                      shape_str(w->shape, 2, s2, sizeof s2));
  if (has_input(c, 2)) {
    NQ_TRY(input(c, 2, &b));
    if (nq_tensor_elems(b) != (size_t)units)
      return SHAPE_FAIL(c, "bias %s has not %d elements", shape_str(b->shape, b->rank, s1, sizeof s1), units);
  }
  if (c->node->p.keep_dims) {
    if (x->rank < 1) return SHAPE_FAIL(c, "keep_num_dims needs an input of rank >= 1");
    set_out(c, 0, x->shape, x->rank);
    c->out[0].d[x->rank - 1] = units;
  } else {
    int32_t o[2] = {(int32_t)(n / (size_t)in_dim), units};
    set_out(c, 0, o, 2);
  }
  return NQ_OK;
}

static nq_status sh_transpose_conv(sctx *c) {
  const nq_tensor *x = NULL, *w = NULL;
  int64_t os[8];
  int n = 0;
  NQ_TRY(need_io(c, 3, 1));
  NQ_TRY(input(c, 1, &w));
  NQ_TRY(input(c, 2, &x));
  NQ_TRY(need_rank(c, w, 1, 4, 4));
  NQ_TRY(need_rank(c, x, 2, 4, 4));
  NQ_TRY(const_ints(c, 0, os, 8, &n));
  char s1[96], s2[96];
  if (n != 4) return SHAPE_FAIL(c, "output_shape has %d values, 4 expected", n);
  if (w->shape[3] != x->shape[3] || os[3] != w->shape[0] || os[0] != x->shape[0])
    return SHAPE_FAIL(c, "input %s, filter %s (OHWI) and output_shape disagree",
                      shape_str(x->shape, 4, s1, sizeof s1), shape_str(w->shape, 4, s2, sizeof s2));
  if (has_input(c, 3)) {
    const nq_tensor *b = NULL;
    NQ_TRY(input(c, 3, &b));
    if (nq_tensor_elems(b) != (size_t)w->shape[0])
      return SHAPE_FAIL(c, "bias has not %d elements", w->shape[0]);
  }
  int32_t o[4];
  for (int i = 0; i < 4; i++) {
    NQ_TRY(check_dim(c, os[i], "output_shape entry"));
    o[i] = (int32_t)os[i];
  }
  /* The input must be what a forward conv of the output would produce. */
  const nq_op_params *p = &c->node->p;
  int eh = 0, ew = 0;
  NQ_TRY(window_out(c, p->padding, o[1], w->shape[1], p->stride_h, 1, &eh));
  NQ_TRY(window_out(c, p->padding, o[2], w->shape[2], p->stride_w, 1, &ew));
  if (eh != x->shape[1] || ew != x->shape[2])
    return SHAPE_FAIL(c, "output_shape %s does not produce input %s by a forward convolution",
                      shape_str(o, 4, s1, sizeof s1), shape_str(x->shape, 4, s2, sizeof s2));
  set_out(c, 0, o, 4);
  return NQ_OK;
}

static nq_status sh_pool(sctx *c) {
  const nq_tensor *x = NULL;
  const nq_op_params *p = &c->node->p;
  NQ_TRY(need_io(c, 1, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(need_rank(c, x, 0, 4, 4));
  int oh = 0, ow = 0;
  NQ_TRY(window_out(c, p->padding, x->shape[1], p->filter_h, p->stride_h, 1, &oh));
  NQ_TRY(window_out(c, p->padding, x->shape[2], p->filter_w, p->stride_w, 1, &ow));
  int32_t o[4] = {x->shape[0], oh, ow, x->shape[3]};
  set_out(c, 0, o, 4);
  return NQ_OK;
}

static nq_status sh_concat(sctx *c) {
  const nq_tensor *x0 = NULL, *x = NULL;
  NQ_TRY(need_io(c, 1, 1));
  NQ_TRY(input(c, 0, &x0));
  int axis = 0;
  NQ_TRY(norm_axis(c, c->node->p.axis, x0->rank, &axis));
  int64_t sum = 0;
  char s1[96], s2[96];
  for (int k = 0; k < c->node->n_in; k++) {
    NQ_TRY(input(c, k, &x));
    bool ok = x->rank == x0->rank;
    for (int i = 0; ok && i < x->rank; i++)
      if (i != axis && x->shape[i] != x0->shape[i]) ok = false;
    if (!ok)
      return SHAPE_FAIL(c, "input %d %s does not match input 0 %s outside axis %d", k,
                        shape_str(x->shape, x->rank, s1, sizeof s1),
                        shape_str(x0->shape, x0->rank, s2, sizeof s2), axis);
    sum += x->shape[axis];
  }
  NQ_TRY(check_dim(c, sum, "concatenated size"));
  set_out(c, 0, x0->shape, x0->rank);
  c->out[0].d[axis] = (int32_t)sum;
  return NQ_OK;
}

static nq_status sh_reshape(sctx *c) {
  const nq_tensor *x = NULL;
  NQ_TRY(need_io(c, 1, 1));
  NQ_TRY(input(c, 0, &x));
  int64_t v[NQ_MAX_RANK + 1] = {0};
  int n = 0;
  const nq_tensor *st = NULL;
  if (has_input(c, 1)) NQ_TRY(input(c, 1, &st));
  if (st && st->data) {
    NQ_TRY(const_ints(c, 1, v, NQ_MAX_RANK, &n));
  } else if (c->node->p.new_shape_rank >= 0) {
    n = c->node->p.new_shape_rank;
    if (n > NQ_MAX_RANK) return SHAPE_FAIL(c, "new_shape has %d entries", n);
    for (int i = 0; i < n; i++) v[i] = c->node->p.new_shape[i];
  } else if (st) {
    return nq_fail(c->err, NQ_ERR_UNSUPPORTED,
                   "%s: the shape operand is not a constant and no new_shape option is given", c->label);
  } else {
    return SHAPE_FAIL(c, "has neither a shape operand nor a new_shape option");
  }
  size_t total = nq_tensor_elems(x), known = 1;
  int minus = -1;
  for (int i = 0; i < n; i++) {
    if (v[i] == -1) {
      if (minus >= 0) return SHAPE_FAIL(c, "new shape has more than one -1");
      minus = i;
    } else if (v[i] < 0 || v[i] > INT32_MAX) {
      return SHAPE_FAIL(c, "new shape entry %d is %lld", i, (long long)v[i]);
    } else if (!nq_mul_size(known, (size_t)v[i], &known)) {
      return SHAPE_FAIL(c, "new shape overflows");
    }
  }
  if (minus >= 0) {
    if (known == 0 || total % known != 0)
      return SHAPE_FAIL(c, "cannot infer -1: %zu elements are not a multiple of %zu", total, known);
    v[minus] = (int64_t)(total / known);
    known = total;
  }
  char s1[96];
  if (known != total)
    return SHAPE_FAIL(c, "input %s has %zu elements, the new shape %zu",
                      shape_str(x->shape, x->rank, s1, sizeof s1), total, known);
  c->out[0].rank = n;
  for (int i = 0; i < n; i++) c->out[0].d[i] = (int32_t)v[i];
  return NQ_OK;
}

static nq_status sh_squeeze(sctx *c) {
  const nq_tensor *x = NULL;
  NQ_TRY(need_io(c, 1, 1));
  NQ_TRY(input(c, 0, &x));
  bool drop[NQ_MAX_RANK] = {false};
  const nq_op_params *p = &c->node->p;
  if (p->num_squeeze_dims > NQ_MAX_RANK) return SHAPE_FAIL(c, "%d squeeze dims", p->num_squeeze_dims);
  if (p->num_squeeze_dims == 0) {
    for (int i = 0; i < x->rank; i++) drop[i] = x->shape[i] == 1;
  } else {
    for (int k = 0; k < p->num_squeeze_dims; k++) {
      int a = 0;
      NQ_TRY(norm_axis(c, p->squeeze_dims[k], x->rank, &a));
      if (x->shape[a] != 1) return SHAPE_FAIL(c, "squeezed dimension %d has size %d", a, x->shape[a]);
      drop[a] = true;
    }
  }
  int r = 0;
  for (int i = 0; i < x->rank; i++)
    if (!drop[i]) c->out[0].d[r++] = x->shape[i];
  c->out[0].rank = r;
  return NQ_OK;
}

static nq_status sh_expand_dims(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t a[1];
  int n = 0;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(const_ints(c, 1, a, 1, &n));
  if (n != 1) return SHAPE_FAIL(c, "axis operand has %d values", n);
  if (x->rank >= NQ_MAX_RANK) return SHAPE_FAIL(c, "rank %d cannot grow", x->rank);
  int axis = 0;
  NQ_TRY(norm_axis(c, a[0], x->rank + 1, &axis));
  int r = 0;
  for (int i = 0; i <= x->rank; i++) {
    if (i == axis) c->out[0].d[r++] = 1;
    if (i < x->rank) c->out[0].d[r++] = x->shape[i];
  }
  c->out[0].rank = r;
  return NQ_OK;
}

static nq_status sh_split(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t a[1];
  int n = 0;
  NQ_TRY(need_io(c, 2, -1));
  NQ_TRY(input(c, 1, &x));
  NQ_TRY(const_ints(c, 0, a, 1, &n));
  if (n != 1) return SHAPE_FAIL(c, "axis operand has %d values", n);
  int axis = 0, k = c->node->n_out;
  NQ_TRY(norm_axis(c, a[0], x->rank, &axis));
  if (c->node->p.num != 0 && c->node->p.num != k)
    return SHAPE_FAIL(c, "num_splits is %d but the node has %d outputs", c->node->p.num, k);
  if (x->shape[axis] % k != 0)
    return SHAPE_FAIL(c, "dimension %d of size %d does not split in %d", axis, x->shape[axis], k);
  for (int i = 0; i < k; i++) {
    set_out(c, i, x->shape, x->rank);
    c->out[i].d[axis] = x->shape[axis] / k;
  }
  return NQ_OK;
}

static nq_status sh_split_v(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t a[1];
  int n = 0, k = c->node->n_out;
  NQ_TRY(need_io(c, 3, -1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(const_ints(c, 2, a, 1, &n));
  if (n != 1) return SHAPE_FAIL(c, "axis operand has %d values", n);
  int axis = 0;
  NQ_TRY(norm_axis(c, a[0], x->rank, &axis));
  int64_t *sz = malloc(sizeof(int64_t) * (size_t)k);
  if (!sz) return nq_fail(c->err, NQ_ERR_NOMEM, "out of memory");
  nq_status s = const_ints(c, 1, sz, k, &n);
  if (s == NQ_OK && n != k) s = SHAPE_FAIL(c, "size_splits has %d values for %d outputs", n, k);
  int minus = -1;
  int64_t sum = 0;
  for (int i = 0; s == NQ_OK && i < k; i++) {
    if (sz[i] == -1 && minus < 0)
      minus = i;
    else if (sz[i] < 0)
      s = SHAPE_FAIL(c, "size_splits entry %d is %lld", i, (long long)sz[i]);
    else
      sum += sz[i];
  }
  if (s == NQ_OK && minus >= 0) sz[minus] = x->shape[axis] - sum, sum = x->shape[axis];
  if (s == NQ_OK && (sum != x->shape[axis] || (minus >= 0 && sz[minus] < 0)))
    s = SHAPE_FAIL(c, "size_splits sum to %lld, dimension %d has %d", (long long)sum, axis, x->shape[axis]);
  for (int i = 0; s == NQ_OK && i < k; i++) {
    set_out(c, i, x->shape, x->rank);
    c->out[i].d[axis] = (int32_t)sz[i];
  }
  free(sz);
  return s;
}

static nq_status sh_slice(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t b[NQ_MAX_RANK], z[NQ_MAX_RANK];
  int nb, nz;
  NQ_TRY(need_io(c, 3, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(const_ints(c, 1, b, NQ_MAX_RANK, &nb));
  NQ_TRY(const_ints(c, 2, z, NQ_MAX_RANK, &nz));
  if (nb != x->rank || nz != x->rank)
    return SHAPE_FAIL(c, "begin/size have %d/%d values for rank %d", nb, nz, x->rank);
  for (int i = 0; i < x->rank; i++) {
    int64_t size = z[i] == -1 ? x->shape[i] - b[i] : z[i];
    if (b[i] < 0 || size < 0 || b[i] + size > x->shape[i])
      return SHAPE_FAIL(c, "dimension %d: begin %lld size %lld exceed %d", i, (long long)b[i],
                        (long long)z[i], x->shape[i]);
    c->out[0].d[i] = (int32_t)size;
  }
  c->out[0].rank = x->rank;
  return NQ_OK;
}

static nq_status sh_strided_slice(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t b[16], e[16], s[16];
  int nb, ne, ns;
  NQ_TRY(need_io(c, 4, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(const_ints(c, 1, b, 16, &nb));
  NQ_TRY(const_ints(c, 2, e, 16, &ne));
  NQ_TRY(const_ints(c, 3, s, 16, &ns));
  if (nb != ne || nb != ns) return SHAPE_FAIL(c, "begin/end/strides have %d/%d/%d values", nb, ne, ns);
  nq_slice_plan plan;
  char why[160];
  if (!nq_strided_slice_plan(x->shape, x->rank, b, e, s, nb, &c->node->p, &plan, why, sizeof why))
    return SHAPE_FAIL(c, "%s", why);
  set_out(c, 0, plan.out_shape, plan.out_rank);
  return NQ_OK;
}

static nq_status sh_transpose(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t perm[NQ_MAX_RANK];
  int n = 0;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(const_ints(c, 1, perm, NQ_MAX_RANK, &n));
  if (n != x->rank) return SHAPE_FAIL(c, "perm has %d values for rank %d", n, x->rank);
  bool seen[NQ_MAX_RANK] = {false};
  for (int i = 0; i < n; i++) {
    int a = 0;
    NQ_TRY(norm_axis(c, perm[i], n, &a));
    if (seen[a]) return SHAPE_FAIL(c, "perm repeats axis %d", a);
    seen[a] = true;
    c->out[0].d[i] = x->shape[a];
  }
  c->out[0].rank = n;
  return NQ_OK;
}

static nq_status sh_pad(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t pads[2 * NQ_MAX_RANK];
  int n = 0;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(const_ints(c, 1, pads, 2 * NQ_MAX_RANK, &n));
  if (n != 2 * x->rank) return SHAPE_FAIL(c, "paddings have %d values for rank %d", n, x->rank);
  for (int i = 0; i < x->rank; i++) {
    if (pads[2 * i] < 0 || pads[2 * i + 1] < 0) return SHAPE_FAIL(c, "negative padding on dimension %d", i);
    if (c->node->op == NQ_OP_MIRROR_PAD) {
      int64_t lim = x->shape[i] - (c->node->p.mirror_mode == 0 ? 1 : 0);
      if (pads[2 * i] > lim || pads[2 * i + 1] > lim)
        return SHAPE_FAIL(c, "mirror padding on dimension %d exceeds its size %d", i, x->shape[i]);
    }
    int64_t d = x->shape[i] + pads[2 * i] + pads[2 * i + 1];
    NQ_TRY(check_dim(c, d, "padded size"));
    c->out[0].d[i] = (int32_t)d;
  }
  c->out[0].rank = x->rank;
  if (c->node->op == NQ_OP_PADV2 && has_input(c, 2)) {
    const nq_tensor *v = NULL;
    NQ_TRY(input(c, 2, &v));
    if (nq_tensor_elems(v) != 1)
      return SHAPE_FAIL(c, "constant_values has %zu elements, 1 expected", nq_tensor_elems(v));
  }
  return NQ_OK;
}

static nq_status sh_resize(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t sz[2];
  int n = 0;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(need_rank(c, x, 0, 4, 4));
  NQ_TRY(const_ints(c, 1, sz, 2, &n));
  if (n != 2 || sz[0] <= 0 || sz[1] <= 0 || sz[0] > INT32_MAX || sz[1] > INT32_MAX)
    return SHAPE_FAIL(c, "size operand must hold 2 positive values");
  if (x->shape[1] <= 0 || x->shape[2] <= 0)
    return SHAPE_FAIL(c, "input height/width must be positive, not %dx%d", x->shape[1], x->shape[2]);
  int32_t o[4] = {x->shape[0], (int32_t)sz[0], (int32_t)sz[1], x->shape[3]};
  set_out(c, 0, o, 4);
  return NQ_OK;
}

static nq_status sh_space_to_depth(sctx *c) {
  const nq_tensor *x = NULL;
  NQ_TRY(need_io(c, 1, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(need_rank(c, x, 0, 4, 4));
  int b = c->node->p.block_size;
  if (b <= 0 || b > 4096) return SHAPE_FAIL(c, "block_size %d", b);
  if (c->node->op == NQ_OP_SPACE_TO_DEPTH) {
    if (x->shape[1] % b || x->shape[2] % b)
      return SHAPE_FAIL(c, "H %d and W %d must be multiples of %d", x->shape[1], x->shape[2], b);
    int64_t ch = (int64_t)x->shape[3] * b * b;
    NQ_TRY(check_dim(c, ch, "channels"));
    int32_t o[4] = {x->shape[0], x->shape[1] / b, x->shape[2] / b, (int32_t)ch};
    set_out(c, 0, o, 4);
  } else {
    if (x->shape[3] % (b * b)) return SHAPE_FAIL(c, "channels %d not a multiple of %d", x->shape[3], b * b);
    int64_t h = (int64_t)x->shape[1] * b, w = (int64_t)x->shape[2] * b;
    NQ_TRY(check_dim(c, h, "height"));
    NQ_TRY(check_dim(c, w, "width"));
    int32_t o[4] = {x->shape[0], (int32_t)h, (int32_t)w, x->shape[3] / (b * b)};
    set_out(c, 0, o, 4);
  }
  return NQ_OK;
}

static nq_status sh_space_batch(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t blk[NQ_MAX_RANK], pads[2 * NQ_MAX_RANK];
  int nb, np;
  NQ_TRY(need_io(c, 3, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(const_ints(c, 1, blk, NQ_MAX_RANK, &nb));
  NQ_TRY(const_ints(c, 2, pads, 2 * NQ_MAX_RANK, &np));
  if (nb < 1 || nb + 1 > x->rank || np != 2 * nb)
    return SHAPE_FAIL(c, "block_shape has %d values, paddings %d, rank %d", nb, np, x->rank);
  bool to_batch = c->node->op == NQ_OP_SPACE_TO_BATCH_ND;
  int64_t prod = 1;
  set_out(c, 0, x->shape, x->rank);
  for (int i = 0; i < nb; i++) {
    if (blk[i] <= 0 || blk[i] > 65536 || pads[2 * i] < 0 || pads[2 * i + 1] < 0)
      return SHAPE_FAIL(c, "block %lld / padding on spatial dimension %d", (long long)blk[i], i);
    prod *= blk[i];
    int64_t d;
    if (to_batch) {
      d = x->shape[1 + i] + pads[2 * i] + pads[2 * i + 1];
      if (d % blk[i])
        return SHAPE_FAIL(c, "padded dimension %d (%lld) is not a multiple of %lld", 1 + i, (long long)d,
                          (long long)blk[i]);
      d /= blk[i];
    } else {
      d = (int64_t)x->shape[1 + i] * blk[i] - pads[2 * i] - pads[2 * i + 1];
    }
    NQ_TRY(check_dim(c, d, "spatial size"));
    c->out[0].d[1 + i] = (int32_t)d;
  }
  if (to_batch) {
    NQ_TRY(check_dim(c, prod * x->shape[0], "batch"));
    c->out[0].d[0] = (int32_t)(prod * x->shape[0]);
  } else {
    if (x->shape[0] % prod)
      return SHAPE_FAIL(c, "batch %d is not a multiple of %lld", x->shape[0], (long long)prod);
    c->out[0].d[0] = (int32_t)(x->shape[0] / prod);
  }
  return NQ_OK;
}

static nq_status sh_gather(sctx *c) {
  const nq_tensor *x = NULL, *idx = NULL;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(input(c, 1, &idx));
  int axis = 0;
  NQ_TRY(norm_axis(c, c->node->p.axis, x->rank, &axis));
  if (x->rank - 1 + idx->rank > NQ_MAX_RANK) return SHAPE_FAIL(c, "output rank exceeds %d", NQ_MAX_RANK);
  int r = 0;
  for (int i = 0; i < axis; i++) c->out[0].d[r++] = x->shape[i];
  for (int i = 0; i < idx->rank; i++) c->out[0].d[r++] = idx->shape[i];
  for (int i = axis + 1; i < x->rank; i++) c->out[0].d[r++] = x->shape[i];
  c->out[0].rank = r;
  return NQ_OK;
}

static nq_status sh_pack(sctx *c) {
  const nq_tensor *x0 = NULL, *x = NULL;
  NQ_TRY(need_io(c, 1, 1));
  NQ_TRY(input(c, 0, &x0));
  if (x0->rank >= NQ_MAX_RANK) return SHAPE_FAIL(c, "rank %d cannot grow", x0->rank);
  int axis = 0;
  NQ_TRY(norm_axis(c, c->node->p.axis, x0->rank + 1, &axis));
  char s1[96], s2[96];
  for (int k = 1; k < c->node->n_in; k++) {
    NQ_TRY(input(c, k, &x));
    if (x->rank != x0->rank || memcmp(x->shape, x0->shape, sizeof(int32_t) * (size_t)x->rank))
      return SHAPE_FAIL(c, "input %d %s differs from input 0 %s", k,
                        shape_str(x->shape, x->rank, s1, sizeof s1),
                        shape_str(x0->shape, x0->rank, s2, sizeof s2));
  }
  /* values_count is written to the file; 0 means a frontend left it unset. */
  if (c->node->p.num != 0 && c->node->p.num != c->node->n_in)
    return SHAPE_FAIL(c, "values_count is %d but the node has %d inputs", c->node->p.num, c->node->n_in);
  int r = 0;
  for (int i = 0; i <= x0->rank; i++) {
    if (i == axis) c->out[0].d[r++] = c->node->n_in;
    if (i < x0->rank) c->out[0].d[r++] = x0->shape[i];
  }
  c->out[0].rank = r;
  return NQ_OK;
}

static nq_status sh_unpack(sctx *c) {
  const nq_tensor *x = NULL;
  NQ_TRY(need_io(c, 1, -1));
  NQ_TRY(input(c, 0, &x));
  int axis = 0;
  NQ_TRY(norm_axis(c, c->node->p.axis, x->rank, &axis));
  if (x->shape[axis] != c->node->n_out)
    return SHAPE_FAIL(c, "dimension %d has size %d but the node has %d outputs", axis, x->shape[axis],
                      c->node->n_out);
  if (c->node->p.num != 0 && c->node->p.num != c->node->n_out)
    return SHAPE_FAIL(c, "num is %d but the node has %d outputs", c->node->p.num, c->node->n_out);
  for (int k = 0; k < c->node->n_out; k++) {
    int r = 0;
    for (int i = 0; i < x->rank; i++)
      if (i != axis) c->out[k].d[r++] = x->shape[i];
    c->out[k].rank = r;
  }
  return NQ_OK;
}

static nq_status sh_arg_max(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t a[1];
  int n = 0, axis = 0;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(const_ints(c, 1, a, 1, &n));
  if (n != 1) return SHAPE_FAIL(c, "axis operand has %d values", n);
  NQ_TRY(norm_axis(c, a[0], x->rank, &axis));
  if (x->shape[axis] <= 0) return SHAPE_FAIL(c, "arg max over an empty dimension %d", axis);
  int r = 0;
  for (int i = 0; i < x->rank; i++)
    if (i != axis) c->out[0].d[r++] = x->shape[i];
  c->out[0].rank = r;
  return NQ_OK;
}

static nq_status sh_reduce(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t a[16];
  int n = 0;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(const_ints(c, 1, a, 16, &n));
  bool red[NQ_MAX_RANK] = {false};
  for (int i = 0; i < n; i++) {
    int ax = 0;
    NQ_TRY(norm_axis(c, a[i], x->rank, &ax));
    red[ax] = true;
  }
  int r = 0;
  for (int i = 0; i < x->rank; i++) {
    if (!red[i])
      c->out[0].d[r++] = x->shape[i];
    else if (c->node->p.keep_dims)
      c->out[0].d[r++] = 1;
  }
  c->out[0].rank = r;
  return NQ_OK;
}

static nq_status sh_tile(sctx *c) {
  const nq_tensor *x = NULL;
  int64_t m[NQ_MAX_RANK];
  int n = 0;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &x));
  NQ_TRY(const_ints(c, 1, m, NQ_MAX_RANK, &n));
  if (n != x->rank) return SHAPE_FAIL(c, "multiples has %d values for rank %d", n, x->rank);
  for (int i = 0; i < n; i++) {
    if (m[i] < 0) return SHAPE_FAIL(c, "multiple %d is negative", i);
    NQ_TRY(check_dim(c, m[i] * x->shape[i], "tiled size"));
    c->out[0].d[i] = (int32_t)(m[i] * x->shape[i]);
  }
  c->out[0].rank = n;
  return NQ_OK;
}

static nq_status sh_batch_matmul(sctx *c) {
  const nq_tensor *a = NULL, *b = NULL;
  NQ_TRY(need_io(c, 2, 1));
  NQ_TRY(input(c, 0, &a));
  NQ_TRY(input(c, 1, &b));
  NQ_TRY(need_rank(c, a, 0, 2, NQ_MAX_RANK));
  NQ_TRY(need_rank(c, b, 1, 2, NQ_MAX_RANK));
  const nq_op_params *p = &c->node->p;
  int32_t m = p->adj_x ? a->shape[a->rank - 1] : a->shape[a->rank - 2];
  int32_t ka = p->adj_x ? a->shape[a->rank - 2] : a->shape[a->rank - 1];
  int32_t kb = p->adj_y ? b->shape[b->rank - 1] : b->shape[b->rank - 2];
  int32_t nn = p->adj_y ? b->shape[b->rank - 2] : b->shape[b->rank - 1];
  char s1[96], s2[96];
  if (ka != kb)
    return SHAPE_FAIL(c, "inner dimensions of %s and %s differ", shape_str(a->shape, a->rank, s1, sizeof s1),
                      shape_str(b->shape, b->rank, s2, sizeof s2));
  nq_tensor ta = *a, tb = *b; /* batch parts only */
  ta.rank -= 2;
  tb.rank -= 2;
  out_shape o;
  NQ_TRY(broadcast(c, &ta, &tb, &o));
  o.d[o.rank++] = m;
  o.d[o.rank++] = nn;
  c->out[0] = o;
  return NQ_OK;
}

static nq_status sh_prelu(sctx *c) { return sh_binary(c); }

/* SELECT_V2: condition, x and y broadcast together (numpy rules). */
static nq_status sh_select(sctx *c) {
  const nq_tensor *cond = NULL, *x = NULL, *y = NULL;
  NQ_TRY(need_io(c, 3, 1));
  NQ_TRY(input(c, 0, &cond));
  NQ_TRY(input(c, 1, &x));
  NQ_TRY(input(c, 2, &y));
  out_shape xy;
  NQ_TRY(broadcast(c, x, y, &xy));
  nq_tensor both = {.rank = xy.rank};
  for (int d = 0; d < xy.rank; d++) both.shape[d] = xy.d[d];
  return broadcast(c, cond, &both, &c->out[0]);
}

/* TFLite_Detection_PostProcess: [1, M, 4], [1, M], [1, M], [1] with M =
 * max_detections * max_classes_per_detection (its options); files leave
 * them unset, as TFLite sizes them when the model is prepared. */
static nq_status sh_detection_postprocess(sctx *c) {
  nq_dpp_options o;
  char why[256];
  NQ_TRY(need_io(c, 3, 4));
  if (!nq_dpp_parse_options(c->node->p.custom_options, c->node->p.custom_options_size, &o, why, sizeof why))
    return SHAPE_FAIL(c, "%s", why);
  const int32_t m = o.max_detections * o.max_classes_per_detection, boxes[3] = {1, m, 4}, per[2] = {1, m},
                one[1] = {1};
  set_out(c, 0, boxes, 3);
  set_out(c, 1, per, 2);
  set_out(c, 2, per, 2);
  set_out(c, 3, one, 1);
  return NQ_OK;
}

/* Other custom ops' semantics are not npuquant's to infer: their outputs keep
 * the shapes the file gives them (nothing can run them, exec/float/
 * custom_ref.c). */
static nq_status sh_custom(sctx *c) {
  if (nq_is_detection_postprocess(c->node)) return sh_detection_postprocess(c);
  for (int k = 0; k < c->node->n_out; k++) {
    const nq_tensor *t = &c->g->tensors[c->node->out[k]];
    set_out(c, k, t->shape, t->rank);
  }
  return NQ_OK;
}

/* ops.def column SHAPE, in enum order. */
static const shape_fn shape_table[] = {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) shape,
#include "ir/ops.def"
#undef NQ_OP
};

nq_status nq_infer_node_shapes(nq_graph *g, int n, bool write, nq_error *err) {
  if (n < 0 || n >= g->n_nodes) return nq_fail(err, NQ_ERR_INVALID_ARG, "node %d of %d", n, g->n_nodes);
  const nq_node *node = &g->nodes[n];
  sctx c = {.g = g, .n = n, .node = node, .err = err};
  nq_node_label(g, n, c.label, sizeof c.label);
  if ((unsigned)node->op >= NQ_OP_COUNT || !shape_table[node->op])
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: no shape function", c.label);
  for (int k = 0; k < node->n_out; k++)
    if (node->out[k] < 0 || node->out[k] >= g->n_tensors)
      return SHAPE_FAIL(&c, "output %d refers to tensor %d", k, node->out[k]);
  for (int k = 0; k < node->n_in; k++)
    if (node->in[k] < -1 || node->in[k] >= g->n_tensors)
      return SHAPE_FAIL(&c, "input %d refers to tensor %d", k, node->in[k]);
  c.out = calloc((size_t)(node->n_out ? node->n_out : 1), sizeof(out_shape));
  if (!c.out) return nq_fail(err, NQ_ERR_NOMEM, "out of memory inferring shapes");
  nq_status s = shape_table[node->op](&c);
  for (int k = 0; s == NQ_OK && k < node->n_out; k++) {
    nq_tensor *t = &g->tensors[node->out[k]];
    const out_shape *o = &c.out[k];
    if (write) {
      t->rank = o->rank;
      memcpy(t->shape, o->d, sizeof(int32_t) * (size_t)o->rank);
    } else if (t->rank != o->rank || memcmp(t->shape, o->d, sizeof(int32_t) * (size_t)o->rank) != 0) {
      char s1[96], s2[96], tb[96];
      s = SHAPE_FAIL(&c, "output %d, tensor %s, has shape %s but the inputs give %s", k,
                     nq_tensor_label(g, node->out[k], tb, sizeof tb),
                     shape_str(t->shape, t->rank, s1, sizeof s1), shape_str(o->d, o->rank, s2, sizeof s2));
    }
  }
  free(c.out);
  return s;
}

nq_status nq_graph_infer_shapes(nq_graph *g, bool write, nq_error *err) {
  for (int i = 0; i < g->n_nodes; i++) NQ_TRY(nq_infer_node_shapes(g, i, write, err));
  return NQ_OK;
}
