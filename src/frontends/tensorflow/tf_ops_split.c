/*
 * TensorFlow ops with several outputs: Split (axis input first), SplitV
 * (size_splits with at most one -1) and Unpack. Their outputs are referenced
 * as "node:k" by consumers. On constants (Unpack of a Shape, in shape
 * arithmetic) they fold; on an NCHW value in NHWC form, Split and SplitV cut
 * the NHWC form along the remapped axis and their pieces stay NHWC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "frontends/tensorflow/tf_convert.h"
#include "frontends/tensorflow/tf_fold.h"

/* The single integer of constant input i (an axis). */
static nq_status const_axis(tf_cv *c, int ni, int i, int *axis, nq_error *err) {
  int t;
  NQ_TRY(tfc_const_in(c, ni, i, &t, err));
  if (nq_tensor_elems(&c->g->tensors[t]) != 1)
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "input %d must be one axis", i);
  double v = tf_el_get(&c->g->tensors[t], 0);
  if (v < -NQ_MAX_RANK || v >= NQ_MAX_RANK)
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "axis %g out of range", v);
  *axis = (int)v;
  return NQ_OK;
}

/* Number of outputs from attribute `name`, bounded for hostile files. */
static nq_status out_count(tf_cv *c, int ni, const char *name, int *n, nq_error *err) {
  int64_t v = tfc_attr_i(&c->f->nodes[ni], name, -1);
  if (v < 1 || v > NQ_MAX_NODE_IO)
    return tfc_fail(c, ni, NQ_ERR_FORMAT, err, "attribute '%s' must be in [1, %d], is %lld", name,
                    NQ_MAX_NODE_IO, (long long)v);
  *n = (int)v;
  return NQ_OK;
}

/* Piece sizes along `axis` of extent `dim`: equal parts (sz == NULL) or the
 * size_splits values with one -1 resolved. */
static nq_status piece_sizes(tf_cv *c, int ni, int dim, int k, const nq_tensor *sz, int32_t *out,
                             nq_error *err) {
  if (!sz) {
    if (dim % k)
      return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "dimension of size %d does not split in %d", dim, k);
    for (int i = 0; i < k; i++) out[i] = dim / k;
    return NQ_OK;
  }
  if ((int)nq_tensor_elems(sz) != k)
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "size_splits has %zu values for %d outputs",
                    nq_tensor_elems(sz), k);
  int64_t sum = 0;
  int minus = -1;
  for (int i = 0; i < k; i++) {
    double v = tf_el_get(sz, (size_t)i);
    if (v == -1 && minus < 0)
      minus = i, out[i] = 0;
    else if (v < 0 || v > dim)
      return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "size_splits entry %d is %g", i, v);
    else
      out[i] = (int32_t)v, sum += out[i];
  }
  if (minus >= 0 && sum <= dim) out[minus] = (int32_t)(dim - sum), sum = dim;
  if (sum != dim)
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "size_splits sum to %lld, the dimension has %d", (long long)sum,
                    dim);
  return NQ_OK;
}

/* Cut constant x along axis into pieces of the given sizes (dropping the
 * axis when `squeeze`, for Unpack). */
static nq_status fold_pieces(tf_cv *c, int ni, int x, int axis, int k, const int32_t *sizes, bool squeeze,
                             nq_error *err) {
  const nq_tensor *X = &c->g->tensors[x];
  size_t outer = 1, inner = 1, dim = (size_t)X->shape[axis];
  for (int i = 0; i < axis; i++) outer *= (size_t)X->shape[i];
  for (int i = axis + 1; i < X->rank; i++) inner *= (size_t)X->shape[i];
  int *ts = malloc(sizeof(int) * (size_t)k);
  double *v = malloc(sizeof(double) * (nq_tensor_elems(X) + 1));
  nq_status st = ts && v ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  char nm[600];
  for (int p = 0, off = 0; p < k && st == NQ_OK; off += sizes[p], p++) {
    X = &c->g->tensors[x]; /* the tensor array may have moved */
    size_t m = 0, s = (size_t)sizes[p];
    for (size_t o = 0; o < outer; o++)
      for (size_t j = 0; j < s; j++)
        for (size_t i = 0; i < inner; i++) v[m++] = tf_el_get(X, (o * dim + (size_t)off + j) * inner + i);
    int32_t shape[NQ_MAX_RANK];
    int r = 0;
    for (int d = 0; d < X->rank; d++)
      if (d != axis)
        shape[r++] = X->shape[d];
      else if (!squeeze)
        shape[r++] = sizes[p];
    if (p)
      snprintf(nm, sizeof nm, "%.500s:%d", c->f->nodes[ni].name, p);
    else
      snprintf(nm, sizeof nm, "%.500s", c->f->nodes[ni].name);
    ts[p] = tf_const_from_doubles(c->g, nm, X->type, r, shape, v, err);
    if (ts[p] < 0) st = err->code;
  }
  if (st == NQ_OK) st = tfc_set_vals(c, ni, k, ts, err);
  free(ts);
  free(v);
  return st;
}

/* Split(axis, value) when !sizes, SplitV(value, size_splits, axis) when sizes. */
nq_status tfo_split(tf_cv *c, int ni, bool sizes, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int k = 0, axis = 0, x, sz = -1;
  NQ_TRY(out_count(c, ni, "num_split", &k, err));
  NQ_TRY(const_axis(c, ni, sizes ? 2 : 0, &axis, err));
  if (sizes) NQ_TRY(tfc_const_in(c, ni, 1, &sz, err));
  int vi = sizes ? 0 : 1;
  /* An NCHW value in NHWC form is cut in that form (channel splits of
   * grouped convolutions stay free of transposes). */
  int nhwc_t = -1;
  if (tfc_in_is_nhwc(c, ni, vi)) NQ_TRY(tfc_in_nhwc(c, ni, vi, &nhwc_t, err));
  if (nhwc_t >= 0) {
    x = nhwc_t;
    if (axis < 0) axis += 4;
    if (axis < 0 || axis >= 4)
      return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "axis out of range for a rank-4 value");
    axis = tfc_nchw_axis_to_nhwc(axis);
  } else {
    NQ_TRY(tfc_in(c, ni, vi, &x, err));
    int r = c->g->tensors[x].rank;
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "axis out of range for rank %d", r);
  }
  int32_t *pieces = malloc(sizeof(int32_t) * (size_t)k);
  int *outs = malloc(sizeof(int) * (size_t)k);
  nq_status st = pieces && outs ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  if (st == NQ_OK)
    st =
        piece_sizes(c, ni, c->g->tensors[x].shape[axis], k, sz >= 0 ? &c->g->tensors[sz] : NULL, pieces, err);
  if (st == NQ_OK && tfc_is_const(c, x)) {
    st = fold_pieces(c, ni, x, axis, k, pieces, false, err);
    free(pieces);
    free(outs);
    return st;
  }
  int at = -1, in[3];
  double av = axis;
  if (st == NQ_OK) {
    at = tf_const_from_doubles(c->g, tfc_sub_name(n->name, "/axis", nb, sizeof nb), NQ_INT32, 0, NULL, &av,
                               err);
    if (at < 0) st = err->code;
  }
  nq_op_params p = nq_op_params_default();
  p.num = k;
  if (st == NQ_OK && !sizes) {
    in[0] = at, in[1] = x;
    st = tfc_emit_multi(c, ni, NQ_OP_SPLIT, n->name, c->g->tensors[x].type, 2, in, &p, k, outs, err);
  } else if (st == NQ_OK) {
    double *dv = malloc(sizeof(double) * (size_t)k);
    int32_t kk = k;
    if (!dv) st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
    for (int i = 0; st == NQ_OK && i < k; i++) dv[i] = pieces[i];
    int st32 = st == NQ_OK ? tf_const_from_doubles(c->g, tfc_sub_name(n->name, "/size_splits", nb, sizeof nb),
                                                   NQ_INT32, 1, &kk, dv, err)
                           : -1;
    free(dv);
    if (st == NQ_OK && st32 < 0) st = err->code;
    in[0] = x, in[1] = st32, in[2] = at;
    if (st == NQ_OK)
      st = tfc_emit_multi(c, ni, NQ_OP_SPLIT_V, n->name, c->g->tensors[x].type, 3, in, &p, k, outs, err);
  }
  if (st == NQ_OK)
    st = nhwc_t >= 0 ? tfc_set_nhwc_vals(c, ni, k, outs, err) : tfc_set_vals(c, ni, k, outs, err);
  free(pieces);
  free(outs);
  return st;
}

/* Unpack(value): `num` tensors, each value[..., i, ...] along `axis`. */
nq_status tfo_unpack(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int k = 0, x;
  NQ_TRY(out_count(c, ni, "num", &k, err));
  NQ_TRY(tfc_in(c, ni, 0, &x, err));
  int r = c->g->tensors[x].rank, axis = (int)tfc_attr_i(n, "axis", 0);
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "axis out of range for rank %d", r);
  if (c->g->tensors[x].shape[axis] != k)
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "num is %d but dimension %d has size %d", k, axis,
                    c->g->tensors[x].shape[axis]);
  int32_t *ones = malloc(sizeof(int32_t) * (size_t)k);
  int *outs = malloc(sizeof(int) * (size_t)k);
  nq_status st = ones && outs ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  for (int i = 0; st == NQ_OK && i < k; i++) ones[i] = 1;
  if (st == NQ_OK && tfc_is_const(c, x)) {
    st = fold_pieces(c, ni, x, axis, k, ones, true, err);
  } else if (st == NQ_OK) {
    nq_op_params p = nq_op_params_default();
    p.axis = axis;
    p.num = k;
    st = tfc_emit_multi(c, ni, NQ_OP_UNPACK, n->name, c->g->tensors[x].type, 1, &x, &p, k, outs, err);
    if (st == NQ_OK) st = tfc_set_vals(c, ni, k, outs, err);
  }
  free(ones);
  free(outs);
  return st;
}
