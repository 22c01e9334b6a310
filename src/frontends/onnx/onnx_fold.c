/*
 * Host-side evaluation of ONNX nodes whose inputs are all constants, and of
 * Shape/Size on activations (their shapes are static once inputs are
 * fixed). Exporters emit Shape -> Gather -> Unsqueeze -> Concat -> Reshape
 * chains for what is a constant shape; folding them here lets Reshape see a
 * constant. Integers stay int64 on the host (Slice ends use INT64_MAX).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "frontends/onnx/onnx_internal.h"

static nq_status need_const(ox_ctx *cx, const Onnx__NodeProto *n, size_t k, ox_value **v, nq_error *err) {
  NQ_TRY(ox_input(cx, n, k, v, err));
  if (!(*v)->is_const)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "input '%s' must be a constant", OX_NODE_ARGS(cx, n),
                   n->input[k]);
  return NQ_OK;
}

/* Read an int list: from attribute `attr` (if present) or constant input k. */
nq_status ox_int_list(ox_ctx *cx, const Onnx__NodeProto *n, const char *attr, size_t k, int64_t *out, int cap,
                      int *count, nq_error *err) {
  *count = -1;
  if (attr) {
    NQ_TRY(ox_attr_ints(cx, n, attr, out, cap, count, err));
    if (*count >= 0) return NQ_OK;
  }
  if (k >= n->n_input || !n->input[k][0]) return NQ_OK;
  ox_value *v;
  NQ_TRY(need_const(cx, n, k, &v, err));
  if (v->c.n > (size_t)cap)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "input '%s' has %zu values; at most %d supported",
                   OX_NODE_ARGS(cx, n), n->input[k], v->c.n, cap);
  for (size_t i = 0; i < v->c.n; i++) out[i] = ox_const_geti(&v->c, i);
  *count = (int)v->c.n;
  return NQ_OK;
}

static void strides_of(const int64_t *dims, int rank, size_t *st) {
  size_t s = 1;
  for (int k = rank - 1; k >= 0; k--) {
    st[k] = s;
    s *= (size_t)dims[k];
  }
}

static nq_status fold_size_ok(ox_ctx *cx, const Onnx__NodeProto *n, int rank, const int64_t *dims,
                              nq_error *err) {
  double e = 1;
  for (int k = 0; k < rank; k++) e *= dims[k] < 0 ? 0 : (double)dims[k];
  if (e > (double)OX_MAX_FOLD_ELEMS)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "a constant of %.0f elements; folding stops at %zu",
                   OX_NODE_ARGS(cx, n), e, (size_t)OX_MAX_FOLD_ELEMS);
  return NQ_OK;
}

/* Broadcast binary op on host constants. */
static nq_status fold_binary(ox_ctx *cx, const Onnx__NodeProto *n, const char *op, nq_error *err) {
  ox_value *a, *b;
  NQ_TRY(need_const(cx, n, 0, &a, err));
  NQ_TRY(need_const(cx, n, 1, &b, err));
  int rank = a->rank > b->rank ? a->rank : b->rank;
  int64_t dims[NQ_MAX_RANK], ad[NQ_MAX_RANK], bd[NQ_MAX_RANK];
  for (int k = 0; k < rank; k++) {
    int ka = k - (rank - a->rank), kb = k - (rank - b->rank);
    ad[k] = ka >= 0 ? a->c.dims[ka] : 1;
    bd[k] = kb >= 0 ? b->c.dims[kb] : 1;
    if (ad[k] != bd[k] && ad[k] != 1 && bd[k] != 1)
      return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "operands do not broadcast (dim %d: %lld vs %lld)",
                     OX_NODE_ARGS(cx, n), k, (long long)ad[k], (long long)bd[k]);
    dims[k] = ad[k] == 1 ? bd[k] : ad[k];
  }
  bool is_int = a->c.is_int && b->c.is_int;
  NQ_TRY(fold_size_ok(cx, n, rank, dims, err));
  ox_const r;
  NQ_TRY(ox_const_alloc(&r, is_int, rank, dims, err));
  size_t as[NQ_MAX_RANK], bs[NQ_MAX_RANK];
  strides_of(ad, rank, as);
  strides_of(bd, rank, bs);
  int64_t idx[NQ_MAX_RANK] = {0};
  for (size_t o = 0; o < r.n; o++) {
    size_t ia = 0, ib = 0;
    for (int k = 0; k < rank; k++) {
      if (ad[k] != 1) ia += (size_t)idx[k] * as[k];
      if (bd[k] != 1) ib += (size_t)idx[k] * bs[k];
    }
    if (is_int) {
      int64_t x = a->c.i[ia], y = b->c.i[ib], z = 0;
      if (!strcmp(op, "Add"))
        z = (int64_t)((uint64_t)x + (uint64_t)y);
      else if (!strcmp(op, "Sub"))
        z = (int64_t)((uint64_t)x - (uint64_t)y);
      else if (!strcmp(op, "Mul"))
        z = (int64_t)((uint64_t)x * (uint64_t)y);
      else if (!strcmp(op, "Div"))
        z = y == 0 || (x == INT64_MIN && y == -1) ? 0 : x / y;
      else if (!strcmp(op, "Max"))
        z = x > y ? x : y;
      else if (!strcmp(op, "Min"))
        z = x < y ? x : y;
      else if (!strcmp(op, "Equal"))
        z = x == y;
      r.i[o] = z;
    } else {
      double x = ox_const_get(&a->c, ia), y = ox_const_get(&b->c, ib), z = 0;
      if (!strcmp(op, "Add"))
        z = x + y;
      else if (!strcmp(op, "Sub"))
        z = x - y;
      else if (!strcmp(op, "Mul"))
        z = x * y;
      else if (!strcmp(op, "Div"))
        z = x / y;
      else if (!strcmp(op, "Pow"))
        z = pow(x, y);
      else if (!strcmp(op, "Max"))
        z = x > y ? x : y;
      else if (!strcmp(op, "Min"))
        z = x < y ? x : y;
      else if (!strcmp(op, "Equal"))
        z = x == y;
      r.f[o] = (float)z;
    }
    for (int k = rank - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return ox_set_const(cx, n, 0, &r, err);
}

static nq_status fold_unary(ox_ctx *cx, const Onnx__NodeProto *n, const char *op, nq_error *err) {
  ox_value *a;
  NQ_TRY(need_const(cx, n, 0, &a, err));
  ox_const r;
  NQ_TRY(ox_const_alloc(&r, a->c.is_int, a->rank, a->c.dims, err));
  for (size_t k = 0; k < r.n; k++) {
    if (r.is_int) {
      int64_t x = a->c.i[k];
      r.i[k] = !strcmp(op, "Neg") ? (int64_t)(0 - (uint64_t)x) : !strcmp(op, "Relu") ? (x > 0 ? x : 0) : x;
    } else {
      double x = a->c.f[k];
      double z = !strcmp(op, "Sqrt")         ? sqrt(x)
                 : !strcmp(op, "Neg")        ? -x
                 : !strcmp(op, "Floor")      ? floor(x)
                 : !strcmp(op, "Ceil")       ? ceil(x)
                 : !strcmp(op, "Relu")       ? (x > 0 ? x : 0)
                 : !strcmp(op, "Reciprocal") ? 1.0 / x
                 : !strcmp(op, "Exp")        ? exp(x)
                                             : x;
      r.f[k] = (float)z;
    }
  }
  return ox_set_const(cx, n, 0, &r, err);
}

static nq_status copy_const(const ox_const *src, ox_const *dst, int rank, const int64_t *dims,
                            nq_error *err) {
  NQ_TRY(ox_const_alloc(dst, src->is_int, rank, dims, err));
  if (dst->n != src->n) {
    ox_const_free(dst);
    return nq_fail(err, NQ_ERR_SHAPE, "reshape of %zu elements to %zu", src->n, dst->n);
  }
  if (src->is_int)
    memcpy(dst->i, src->i, src->n * sizeof *src->i);
  else
    memcpy(dst->f, src->f, src->n * sizeof *src->f);
  return NQ_OK;
}

/* Reshape target with ONNX's 0 (copy) and -1 (infer) rules. */
nq_status ox_reshape_dims(ox_ctx *cx, const Onnx__NodeProto *n, const int64_t *in, int in_rank, size_t total,
                          const int64_t *spec, int rank, bool allowzero, int64_t *out, nq_error *err) {
  int infer = -1;
  size_t known = 1;
  for (int k = 0; k < rank; k++) {
    int64_t d = spec[k];
    if (d == 0 && !allowzero) {
      if (k >= in_rank)
        return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "shape entry %d is 0 but the input has rank %d",
                       OX_NODE_ARGS(cx, n), k, in_rank);
      d = in[k];
    }
    if (d == -1) {
      if (infer >= 0)
        return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "more than one -1 in the shape", OX_NODE_ARGS(cx, n));
      infer = k;
      continue;
    }
    if (d < 0 || d > INT32_MAX)
      return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "shape entry %d is %lld", OX_NODE_ARGS(cx, n), k,
                     (long long)d);
    out[k] = d;
    known *= (size_t)d;
    if (known > ((size_t)1 << 40))
      return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "shape too large", OX_NODE_ARGS(cx, n));
  }
  if (infer >= 0) {
    if (known == 0 || total % known)
      return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "cannot infer -1: %zu elements are not divisible by %zu",
                     OX_NODE_ARGS(cx, n), total, known);
    out[infer] = (int64_t)(total / known);
  } else if (known != total) {
    return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "reshape of %zu elements into %zu", OX_NODE_ARGS(cx, n),
                   total, known);
  }
  return NQ_OK;
}

/* Generic gather of a constant along `axis` by index lists per axis
 * (slice/gather/transpose all map output index -> input index). */
static nq_status fold_gather(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *d, *ix;
  NQ_TRY(need_const(cx, n, 0, &d, err));
  NQ_TRY(need_const(cx, n, 1, &ix, err));
  int64_t axis;
  int ax;
  NQ_TRY(ox_attr_int(cx, n, "axis", 0, &axis, err));
  NQ_TRY(ox_axis(cx, n, axis, d->rank, &ax, err));
  int rank = d->rank - 1 + ix->rank;
  if (rank > NQ_MAX_RANK)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "result rank too large", OX_NODE_ARGS(cx, n));
  int64_t dims[NQ_MAX_RANK];
  int r = 0;
  for (int k = 0; k < ax; k++) dims[r++] = d->c.dims[k];
  for (int k = 0; k < ix->rank; k++) dims[r++] = ix->c.dims[k];
  for (int k = ax + 1; k < d->rank; k++) dims[r++] = d->c.dims[k];
  NQ_TRY(fold_size_ok(cx, n, rank, dims, err));
  ox_const o;
  NQ_TRY(ox_const_alloc(&o, d->c.is_int, rank, dims, err));
  size_t outer = 1, inner = 1, len = (size_t)d->c.dims[ax];
  for (int k = 0; k < ax; k++) outer *= (size_t)d->c.dims[k];
  for (int k = ax + 1; k < d->rank; k++) inner *= (size_t)d->c.dims[k];
  size_t p = 0;
  for (size_t a = 0; a < outer; a++)
    for (size_t j = 0; j < ix->c.n; j++) {
      int64_t q = ox_const_geti(&ix->c, j);
      if (q < 0) q += (int64_t)len;
      if (q < 0 || (size_t)q >= len) {
        ox_const_free(&o);
        return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "index %lld is out of range [0, %zu)",
                       OX_NODE_ARGS(cx, n), (long long)ox_const_geti(&ix->c, j), len);
      }
      for (size_t b = 0; b < inner; b++, p++) {
        size_t src = (a * len + (size_t)q) * inner + b;
        if (o.is_int)
          o.i[p] = d->c.i[src];
        else
          o.f[p] = d->c.f[src];
      }
    }
  return ox_set_const(cx, n, 0, &o, err);
}

/* Slice bounds per ONNX (clamped), shared with the activation Slice. */
nq_status ox_slice_params(ox_ctx *cx, const Onnx__NodeProto *n, int rank, const int64_t *dims, int64_t *start,
                          int64_t *step, int64_t *count, nq_error *err) {
  int64_t st[NQ_MAX_RANK], en[NQ_MAX_RANK], ax[NQ_MAX_RANK], sp[NQ_MAX_RANK];
  int ns, ne, na, np;
  bool attrs = cx->opset < 10;
  NQ_TRY(ox_int_list(cx, n, attrs ? "starts" : NULL, 1, st, NQ_MAX_RANK, &ns, err));
  NQ_TRY(ox_int_list(cx, n, attrs ? "ends" : NULL, 2, en, NQ_MAX_RANK, &ne, err));
  NQ_TRY(ox_int_list(cx, n, attrs ? "axes" : NULL, attrs ? 99 : 3, ax, NQ_MAX_RANK, &na, err));
  np = -1;
  if (!attrs) NQ_TRY(ox_int_list(cx, n, NULL, 4, sp, NQ_MAX_RANK, &np, err));
  if (ns < 0 || ne != ns || (na >= 0 && na != ns) || (np >= 0 && np != ns))
    return nq_fail(err, NQ_ERR_FORMAT,
                   OX_NODE_FMT "starts, ends, axes and steps must be given with equal lengths",
                   OX_NODE_ARGS(cx, n));
  for (int k = 0; k < rank; k++) {
    start[k] = 0;
    step[k] = 1;
    count[k] = dims[k];
  }
  for (int j = 0; j < ns; j++) {
    int a;
    NQ_TRY(ox_axis(cx, n, na >= 0 ? ax[j] : j, rank, &a, err));
    int64_t d = dims[a], s = st[j], e = en[j], p = np >= 0 ? sp[j] : 1;
    if (p == 0) return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "step 0", OX_NODE_ARGS(cx, n));
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (p > 0) {
      s = s < 0 ? 0 : s > d ? d : s;
      e = e < 0 ? 0 : e > d ? d : e;
      count[a] = e > s ? (e - s + p - 1) / p : 0;
    } else {
      s = s < 0 ? -1 : s > d - 1 ? d - 1 : s;
      e = e < -1 ? -1 : e > d - 1 ? d - 1 : e;
      count[a] = s > e ? (s - e + (-p) - 1) / (-p) : 0;
    }
    start[a] = s;
    step[a] = p;
  }
  return NQ_OK;
}

static nq_status fold_slice(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *d;
  NQ_TRY(need_const(cx, n, 0, &d, err));
  int64_t start[NQ_MAX_RANK], step[NQ_MAX_RANK], cnt[NQ_MAX_RANK];
  NQ_TRY(ox_slice_params(cx, n, d->rank, d->c.dims, start, step, cnt, err));
  ox_const o;
  NQ_TRY(ox_const_alloc(&o, d->c.is_int, d->rank, cnt, err));
  size_t st[NQ_MAX_RANK];
  strides_of(d->c.dims, d->rank, st);
  int64_t idx[NQ_MAX_RANK] = {0};
  for (size_t p = 0; p < o.n; p++) {
    size_t src = 0;
    for (int k = 0; k < d->rank; k++) src += (size_t)(start[k] + idx[k] * step[k]) * st[k];
    if (o.is_int)
      o.i[p] = d->c.i[src];
    else
      o.f[p] = d->c.f[src];
    for (int k = d->rank - 1; k >= 0; k--) {
      if (++idx[k] < cnt[k]) break;
      idx[k] = 0;
    }
  }
  return ox_set_const(cx, n, 0, &o, err);
}

static nq_status fold_transpose(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *d;
  NQ_TRY(need_const(cx, n, 0, &d, err));
  int64_t perm[NQ_MAX_RANK];
  int np;
  NQ_TRY(ox_attr_ints(cx, n, "perm", perm, NQ_MAX_RANK, &np, err));
  if (np < 0) {
    np = d->rank;
    for (int k = 0; k < np; k++) perm[k] = np - 1 - k;
  }
  if (np != d->rank)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "perm has %d entries for rank %d", OX_NODE_ARGS(cx, n), np,
                   d->rank);
  int64_t dims[NQ_MAX_RANK];
  bool seen[NQ_MAX_RANK] = {false};
  for (int k = 0; k < np; k++) {
    if (perm[k] < 0 || perm[k] >= np || seen[perm[k]])
      return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "perm is not a permutation", OX_NODE_ARGS(cx, n));
    seen[perm[k]] = true;
    dims[k] = d->c.dims[perm[k]];
  }
  ox_const o;
  NQ_TRY(ox_const_alloc(&o, d->c.is_int, np, dims, err));
  size_t st[NQ_MAX_RANK];
  strides_of(d->c.dims, np, st);
  int64_t idx[NQ_MAX_RANK] = {0};
  for (size_t p = 0; p < o.n; p++) {
    size_t src = 0;
    for (int k = 0; k < np; k++) src += (size_t)idx[k] * st[perm[k]];
    if (o.is_int)
      o.i[p] = d->c.i[src];
    else
      o.f[p] = d->c.f[src];
    for (int k = np - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return ox_set_const(cx, n, 0, &o, err);
}

static nq_status fold_concat(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *first;
  NQ_TRY(need_const(cx, n, 0, &first, err));
  int64_t axis;
  int ax;
  NQ_TRY(ox_attr_int(cx, n, "axis", 0, &axis, err));
  NQ_TRY(ox_axis(cx, n, axis, first->rank, &ax, err));
  int64_t dims[NQ_MAX_RANK];
  memcpy(dims, first->c.dims, sizeof dims);
  dims[ax] = 0;
  bool is_int = true;
  for (size_t k = 0; k < n->n_input; k++) {
    ox_value *v;
    NQ_TRY(need_const(cx, n, k, &v, err));
    if (v->rank != first->rank)
      return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "inputs differ in rank", OX_NODE_ARGS(cx, n));
    for (int j = 0; j < v->rank; j++)
      if (j != ax && v->c.dims[j] != first->c.dims[j])
        return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "inputs differ in dimension %d", OX_NODE_ARGS(cx, n),
                       j);
    dims[ax] += v->c.dims[ax];
    if (dims[ax] > INT32_MAX) return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "too large", OX_NODE_ARGS(cx, n));
    is_int = is_int && v->c.is_int;
  }
  ox_const o;
  NQ_TRY(ox_const_alloc(&o, is_int, first->rank, dims, err));
  size_t outer = 1, inner = 1;
  for (int k = 0; k < ax; k++) outer *= (size_t)dims[k];
  for (int k = ax + 1; k < first->rank; k++) inner *= (size_t)dims[k];
  size_t p = 0;
  for (size_t a = 0; a < outer; a++)
    for (size_t k = 0; k < n->n_input; k++) {
      ox_value *v = ox_find(cx, n->input[k]);
      size_t chunk = (size_t)v->c.dims[ax] * inner;
      for (size_t b = 0; b < chunk; b++, p++) {
        if (is_int)
          o.i[p] = v->c.i[a * chunk + b];
        else
          o.f[p] = (float)ox_const_get(&v->c, a * chunk + b);
      }
    }
  return ox_set_const(cx, n, 0, &o, err);
}

static nq_status fold_constant(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_const c;
  memset(&c, 0, sizeof c);
  const Onnx__AttributeProto *a;
  if ((a = ox_attr(n, "value"))) {
    if (!a->t)
      return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "attribute 'value' is not a tensor",
                     OX_NODE_ARGS(cx, n));
    char what[600];
    snprintf(what, sizeof what, OX_NODE_FMT "value", OX_NODE_ARGS(cx, n));
    NQ_TRY(ox_tensor_decode(a->t, cx->dir, what, &c, err));
  } else if ((a = ox_attr(n, "value_float")) || (a = ox_attr(n, "value_int"))) {
    bool isf = !strcmp(a->name, "value_float");
    NQ_TRY(ox_const_alloc(&c, !isf, 0, NULL, err));
    if (isf)
      c.f[0] = a->f;
    else
      c.i[0] = a->i;
  } else if ((a = ox_attr(n, "value_floats")) || (a = ox_attr(n, "value_ints"))) {
    bool isf = !strcmp(a->name, "value_floats");
    int64_t len = (int64_t)(isf ? a->n_floats : a->n_ints);
    NQ_TRY(ox_const_alloc(&c, !isf, 1, &len, err));
    for (size_t k = 0; k < c.n; k++) {
      if (isf)
        c.f[k] = a->floats[k];
      else
        c.i[k] = a->ints[k];
    }
  } else {
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   OX_NODE_FMT "needs a value, value_float(s) or value_int(s) attribute",
                   OX_NODE_ARGS(cx, n));
  }
  return ox_set_const(cx, n, 0, &c, err);
}

static nq_status fold_axes_op(ox_ctx *cx, const Onnx__NodeProto *n, bool squeeze, nq_error *err) {
  ox_value *d;
  NQ_TRY(need_const(cx, n, 0, &d, err));
  int64_t dims[NQ_MAX_RANK];
  int rank;
  NQ_TRY(ox_squeeze_dims(cx, n, squeeze, d->c.dims, d->rank, dims, &rank, err));
  ox_const o;
  NQ_TRY(copy_const(&d->c, &o, rank, dims, err));
  return ox_set_const(cx, n, 0, &o, err);
}

nq_status ox_fold(ox_ctx *cx, const Onnx__NodeProto *n, bool *done, nq_error *err) {
  const char *op = n->op_type;
  *done = true;
  if (!strcmp(op, "Constant")) return fold_constant(cx, n, err);
  if (!strcmp(op, "Shape") || !strcmp(op, "Size")) {
    ox_value *v;
    NQ_TRY(ox_input(cx, n, 0, &v, err));
    ox_const c;
    if (!strcmp(op, "Size")) {
      NQ_TRY(ox_const_alloc(&c, true, 0, NULL, err));
      c.i[0] = 1;
      for (int k = 0; k < v->rank; k++) c.i[0] *= v->dims[k];
      return ox_set_const(cx, n, 0, &c, err);
    }
    int64_t st, en;
    NQ_TRY(ox_attr_int(cx, n, "start", 0, &st, err));
    NQ_TRY(ox_attr_int(cx, n, "end", v->rank, &en, err));
    if (st < 0) st += v->rank;
    if (en < 0) en += v->rank;
    st = st < 0 ? 0 : st > v->rank ? v->rank : st;
    en = en < st ? st : en > v->rank ? v->rank : en;
    int64_t len = en - st;
    NQ_TRY(ox_const_alloc(&c, true, 1, &len, err));
    for (int64_t k = 0; k < len; k++) c.i[k] = v->dims[st + k];
    return ox_set_const(cx, n, 0, &c, err);
  }
  if (!strcmp(op, "ConstantOfShape")) {
    ox_value *s;
    NQ_TRY(need_const(cx, n, 0, &s, err));
    int64_t dims[NQ_MAX_RANK];
    if (s->c.n > NQ_MAX_RANK)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "rank too large", OX_NODE_ARGS(cx, n));
    for (size_t k = 0; k < s->c.n; k++) dims[k] = ox_const_geti(&s->c, k);
    const Onnx__AttributeProto *a = ox_attr(n, "value");
    ox_const val;
    memset(&val, 0, sizeof val);
    if (a && a->t) {
      NQ_TRY(ox_tensor_decode(a->t, NULL, "ConstantOfShape value", &val, err));
      if (val.n != 1) {
        ox_const_free(&val);
        return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "value must have one element", OX_NODE_ARGS(cx, n));
      }
    }
    ox_const c;
    nq_status s2 = fold_size_ok(cx, n, (int)s->c.n, dims, err);
    if (s2 == NQ_OK) s2 = ox_const_alloc(&c, val.n ? val.is_int : false, (int)s->c.n, dims, err);
    if (s2 == NQ_OK)
      for (size_t k = 0; k < c.n; k++) {
        if (c.is_int)
          c.i[k] = val.i[0];
        else
          c.f[k] = val.n ? val.f[0] : 0.0f;
      }
    ox_const_free(&val);
    NQ_TRY(s2);
    return ox_set_const(cx, n, 0, &c, err);
  }
  if (!strcmp(op, "Identity") || !strcmp(op, "Dropout")) {
    ox_value *v;
    NQ_TRY(ox_input(cx, n, 0, &v, err));
    return ox_set_alias(cx, n, 0, v, err);
  }
  if (!strcmp(op, "Cast")) {
    ox_value *v;
    NQ_TRY(ox_input(cx, n, 0, &v, err));
    int64_t to;
    NQ_TRY(ox_attr_int(cx, n, "to", OX_FLOAT, &to, err));
    bool is_int = !(to == OX_FLOAT || to == OX_DOUBLE || to == OX_FLOAT16);
    ox_const c;
    NQ_TRY(ox_const_alloc(&c, is_int, v->rank, v->c.dims, err));
    for (size_t k = 0; k < c.n; k++) {
      if (is_int)
        c.i[k] = to == OX_BOOL ? ox_const_get(&v->c, k) != 0 : ox_const_geti(&v->c, k);
      else
        c.f[k] = (float)ox_const_get(&v->c, k);
    }
    return ox_set_const(cx, n, 0, &c, err);
  }
  static const char *const binary[] = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Equal"};
  for (size_t k = 0; k < sizeof binary / sizeof binary[0]; k++)
    if (!strcmp(op, binary[k]) && n->n_input == 2) return fold_binary(cx, n, op, err);
  static const char *const unary[] = {"Sqrt", "Neg", "Floor", "Ceil", "Relu", "Reciprocal", "Exp"};
  for (size_t k = 0; k < sizeof unary / sizeof unary[0]; k++)
    if (!strcmp(op, unary[k])) return fold_unary(cx, n, op, err);
  if (!strcmp(op, "Gather")) return fold_gather(cx, n, err);
  if (!strcmp(op, "Slice")) return fold_slice(cx, n, err);
  if (!strcmp(op, "Transpose")) return fold_transpose(cx, n, err);
  if (!strcmp(op, "Concat")) return fold_concat(cx, n, err);
  if (!strcmp(op, "Squeeze")) return fold_axes_op(cx, n, true, err);
  if (!strcmp(op, "Unsqueeze")) return fold_axes_op(cx, n, false, err);
  if (!strcmp(op, "Reshape") || !strcmp(op, "Flatten")) {
    ox_value *d;
    NQ_TRY(need_const(cx, n, 0, &d, err));
    int64_t dims[NQ_MAX_RANK];
    int rank;
    if (!strcmp(op, "Flatten")) {
      int64_t axis;
      NQ_TRY(ox_attr_int(cx, n, "axis", 1, &axis, err));
      if (axis < 0) axis += d->rank;
      if (axis < 0 || axis > d->rank)
        return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "bad axis", OX_NODE_ARGS(cx, n));
      dims[0] = 1;
      for (int k = 0; k < axis; k++) dims[0] *= d->c.dims[k];
      dims[1] = (int64_t)d->c.n / (dims[0] ? dims[0] : 1);
      rank = 2;
    } else {
      int64_t spec[NQ_MAX_RANK];
      int ns;
      int64_t allowzero;
      NQ_TRY(ox_int_list(cx, n, cx->opset < 5 ? "shape" : NULL, 1, spec, NQ_MAX_RANK, &ns, err));
      NQ_TRY(ox_attr_int(cx, n, "allowzero", 0, &allowzero, err));
      if (ns < 0) return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "shape is missing", OX_NODE_ARGS(cx, n));
      NQ_TRY(ox_reshape_dims(cx, n, d->c.dims, d->rank, d->c.n, spec, ns, allowzero != 0, dims, err));
      rank = ns;
    }
    ox_const o;
    NQ_TRY(copy_const(&d->c, &o, rank, dims, err));
    return ox_set_const(cx, n, 0, &o, err);
  }
  if (!strcmp(op, "Range")) {
    ox_value *a, *b, *c;
    NQ_TRY(need_const(cx, n, 0, &a, err));
    NQ_TRY(need_const(cx, n, 1, &b, err));
    NQ_TRY(need_const(cx, n, 2, &c, err));
    if (a->c.n != 1 || b->c.n != 1 || c->c.n != 1)
      return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "start, limit and delta must be scalars",
                     OX_NODE_ARGS(cx, n));
    double s = ox_const_get(&a->c, 0), l = ox_const_get(&b->c, 0), d = ox_const_get(&c->c, 0);
    double cnt = d != 0 ? ceil((l - s) / d) : -1;
    if (!(cnt >= 0 && cnt <= (double)OX_MAX_FOLD_ELEMS))
      return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "bad range", OX_NODE_ARGS(cx, n));
    int64_t len = (int64_t)cnt;
    ox_const o;
    NQ_TRY(ox_const_alloc(&o, a->c.is_int, 1, &len, err));
    for (int64_t k = 0; k < len; k++) {
      if (o.is_int)
        o.i[k] = a->c.i[0] + k * c->c.i[0];
      else
        o.f[k] = (float)(s + (double)k * d);
    }
    return ox_set_const(cx, n, 0, &o, err);
  }
  *done = false;
  return NQ_OK;
}
