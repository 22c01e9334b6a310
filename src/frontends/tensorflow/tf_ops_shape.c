/*
 * TensorFlow shape-manipulating ops: Reshape, Squeeze, ExpandDims,
 * ConcatV2, Pack, Pad*, Resize*, Transpose, StridedSlice, Shape/Size/Rank,
 * Cast, Fill, reductions and Identity-like forwarding. Constant inputs are
 * folded into constants (tf_fold.c) so shape chains disappear.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/status.h"
#include "frontends/tensorflow/tf_convert.h"
#include "frontends/tensorflow/tf_fold.h"
#include "ir/shape.h"

/* A reduction of an NCHW value in NHWC form reduces the remapped axes. The
 * result stays NHWC with keep_dims; without it, it is the logical result
 * when the kept axes have the same order in both forms (Mean over H, W:
 * [N, C] either way), else the reduction runs on the logical form. */
static nq_status reduce_nhwc(tf_cv *c, int ni, nq_op op, int axes, bool keep, bool *done, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  bool red[4] = {false};
  *done = false;
  size_t na = nq_tensor_elems(&c->g->tensors[axes]);
  if (na > 4) return NQ_OK;
  for (size_t i = 0; i < na; i++) {
    double v = tf_el_get(&c->g->tensors[axes], i);
    if (v < -4 || v >= 4) return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "axis %g out of range for rank 4", v);
    red[(int)v < 0 ? (int)v + 4 : (int)v] = true;
  }
  double pax[4];
  int m = 0, last = -1;
  bool same_order = true;
  for (int a = 0; a < 4; a++) {
    int pa = tfc_nchw_axis_to_nhwc(a);
    if (red[a])
      pax[m++] = pa;
    else if (pa < last)
      same_order = false;
    else
      last = pa;
  }
  if (!keep && !same_order) return NQ_OK;
  int x, out;
  NQ_TRY(tfc_in_nhwc(c, ni, 0, &x, err));
  int32_t mm = m;
  int a32 = tf_const_from_doubles(c->g, tfc_sub_name(n->name, "/axes_nhwc", nb, sizeof nb), NQ_INT32, 1, &mm,
                                  pax, err);
  if (a32 < 0) return err->code;
  nq_op_params p = nq_op_params_default();
  p.keep_dims = keep;
  int in[2] = {x, a32};
  NQ_TRY(tfc_emit(c, ni, op, n->name, c->g->tensors[x].type, 2, in, &p, &out, err));
  *done = true;
  return keep ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

nq_status tfo_reduce(tf_cv *c, int ni, nq_op op, char fold_op, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int x, axes, out;
  NQ_TRY(tfc_const_in(c, ni, 1, &axes, err));
  bool keep = tfc_attr_b(n, "keep_dims", false);
  if (tfc_in_is_nhwc(c, ni, 0)) {
    bool done;
    NQ_TRY(reduce_nhwc(c, ni, op, axes, keep, &done, err));
    if (done) return NQ_OK;
  }
  NQ_TRY(tfc_in(c, ni, 0, &x, err));
  if (tfc_is_const(c, x))
    return tfc_folded(c, ni, tf_fold_reduce(c->g, n->name, x, axes, keep, fold_op, err), err);
  int a32 = tfc_as_i32(c, axes, tfc_sub_name(n->name, "/axes", nb, sizeof nb), err);
  if (a32 < 0) return err->code;
  nq_op_params p = nq_op_params_default();
  p.keep_dims = keep;
  int in[2] = {x, a32};
  NQ_TRY(tfc_emit(c, ni, op, n->name, c->g->tensors[x].type, 2, in, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}

/* Reshape-like ops on a constant just relabel its data. */
static nq_status const_reshape(tf_cv *c, int ni, int x, int rank, const int32_t *shape, nq_error *err) {
  const nq_tensor *X = &c->g->tensors[x];
  int t = nq_graph_add_tensor(c->g, c->f->nodes[ni].name, X->type, rank, shape, err);
  if (t < 0) return err->code;
  if (nq_tensor_elems(&c->g->tensors[t]) != nq_tensor_elems(&c->g->tensors[x]))
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "new shape has a different element count");
  NQ_TRY(nq_tensor_copy_data(c->g, t, c->g->tensors[x].data, c->g->tensors[x].nbytes, err));
  return tfc_set_val(c, ni, t, err);
}

nq_status tfo_reshape(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int x, s, out;
  NQ_TRY(tfc_in(c, ni, 0, &x, err));
  NQ_TRY(tfc_const_in(c, ni, 1, &s, err));
  const nq_tensor *S = &c->g->tensors[s];
  size_t r = nq_tensor_elems(S);
  if (S->rank > 1 || r > NQ_MAX_RANK)
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "shape must be a vector of length <= %d", NQ_MAX_RANK);
  /* Resolve -1 here so constants and shape inference see a full shape. */
  int32_t shape[NQ_MAX_RANK];
  size_t known = 1, total = nq_tensor_elems(&c->g->tensors[x]);
  int unknown = -1;
  for (size_t i = 0; i < r; i++) {
    double v = tf_el_get(S, i);
    if (v == -1 && unknown < 0)
      unknown = (int)i, shape[i] = 1;
    else if (v < 0 || v > INT32_MAX)
      return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "invalid shape entry %g", v);
    else
      shape[i] = (int32_t)v, known *= (size_t)v;
  }
  if (unknown >= 0) {
    if (known == 0 || total % known)
      return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "cannot infer the -1 dimension");
    shape[unknown] = (int32_t)(total / known);
  }
  if (tfc_is_const(c, x)) return const_reshape(c, ni, x, (int)r, shape, err);
  double dv[NQ_MAX_RANK];
  for (size_t i = 0; i < r; i++) dv[i] = shape[i];
  int32_t rl = (int32_t)r;
  int s32 =
      tf_const_from_doubles(c->g, tfc_sub_name(n->name, "/shape", nb, sizeof nb), NQ_INT32, 1, &rl, dv, err);
  if (s32 < 0) return err->code;
  nq_op_params p = nq_op_params_default();
  int in[2] = {x, s32};
  NQ_TRY(tfc_emit(c, ni, NQ_OP_RESHAPE, n->name, c->g->tensors[x].type, 2, in, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}

nq_status tfo_squeeze(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int x, out;
  NQ_TRY(tfc_in(c, ni, 0, &x, err));
  int64_t d[NQ_MAX_RANK + 1];
  int nd = tfc_attr_ints(n, "squeeze_dims", d, NQ_MAX_RANK);
  if (nd > NQ_MAX_RANK) return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "too many squeeze_dims");
  nq_op_params p = nq_op_params_default();
  p.num_squeeze_dims = nd < 0 ? 0 : nd;
  for (int i = 0; i < p.num_squeeze_dims; i++) p.squeeze_dims[i] = (int)d[i];
  if (tfc_is_const(c, x)) {
    const nq_tensor *X = &c->g->tensors[x];
    int32_t s[NQ_MAX_RANK];
    int r = 0;
    for (int i = 0; i < X->rank; i++) {
      bool drop = false;
      for (int j = 0; j < p.num_squeeze_dims; j++)
        if (p.squeeze_dims[j] == i || p.squeeze_dims[j] + X->rank == i) drop = true;
      if (p.num_squeeze_dims == 0 && X->shape[i] == 1) drop = true;
      if (!drop) s[r++] = X->shape[i];
    }
    return const_reshape(c, ni, x, r, s, err);
  }
  NQ_TRY(tfc_emit(c, ni, NQ_OP_SQUEEZE, n->name, c->g->tensors[x].type, 1, &x, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}

nq_status tfo_expand_dims(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int x, a, out;
  NQ_TRY(tfc_in(c, ni, 0, &x, err));
  NQ_TRY(tfc_const_in(c, ni, 1, &a, err));
  const nq_tensor *X = &c->g->tensors[x];
  if (nq_tensor_elems(&c->g->tensors[a]) != 1 || X->rank >= NQ_MAX_RANK)
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "axis must be a single value and the rank < %d", NQ_MAX_RANK);
  int axis = (int)tf_el_get(&c->g->tensors[a], 0);
  if (axis < 0) axis += X->rank + 1;
  if (axis < 0 || axis > X->rank) return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "axis out of range");
  if (tfc_is_const(c, x)) {
    int32_t s[NQ_MAX_RANK];
    for (int i = 0, j = 0; i <= X->rank; i++) s[i] = i == axis ? 1 : X->shape[j++];
    return const_reshape(c, ni, x, X->rank + 1, s, err);
  }
  int a32 = tfc_as_i32(c, a, tfc_sub_name(n->name, "/axis", nb, sizeof nb), err);
  if (a32 < 0) return err->code;
  nq_op_params p = nq_op_params_default();
  int in[2] = {x, a32};
  NQ_TRY(tfc_emit(c, ni, NQ_OP_EXPAND_DIMS, n->name, c->g->tensors[x].type, 2, in, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}

/* ConcatV2 with an NCHW value in NHWC form among rank-4 inputs: concatenate
 * the NHWC forms along the remapped axis (channel concats of NCHW nets). */
static nq_status concat_nhwc(tf_cv *c, int ni, int nv, int off, int ai, bool *done, nq_error *err) {
  bool any = false;
  *done = false;
  for (int i = 0; i < nv; i++) {
    if (tfc_in_is_nhwc(c, ni, i + off)) {
      any = true;
      continue;
    }
    int t;
    NQ_TRY(tfc_in(c, ni, i + off, &t, err));
    if (c->g->tensors[t].rank != 4) return NQ_OK;
  }
  if (!any) return NQ_OK;
  int a, out;
  NQ_TRY(tfc_const_in(c, ni, ai, &a, err));
  double av = nq_tensor_elems(&c->g->tensors[a]) == 1 ? tf_el_get(&c->g->tensors[a], 0) : 99;
  if (av < -4 || av >= 4) return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "axis must be one value in [-4, 4)");
  int *ts = malloc(sizeof(int) * (size_t)nv);
  if (!ts) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  nq_status st = NQ_OK;
  for (int i = 0; i < nv && st == NQ_OK; i++) st = tfc_in_nhwc(c, ni, i + off, &ts[i], err);
  nq_op_params p = nq_op_params_default();
  p.axis = tfc_nchw_axis_to_nhwc(av < 0 ? (int)av + 4 : (int)av);
  p.num = nv;
  if (st == NQ_OK)
    st = tfc_emit(c, ni, NQ_OP_CONCATENATION, c->f->nodes[ni].name, c->g->tensors[ts[0]].type, nv, ts, &p,
                  &out, err);
  free(ts);
  if (st != NQ_OK) return st;
  *done = true;
  return tfc_set_nhwc_vals(c, ni, 1, &out, err);
}

nq_status tfo_concat_or_pack(tf_cv *c, int ni, bool pack, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int nv = pack ? n->n_in : n->n_in - 1, out;
  if (nv < 1 || nv > NQ_MAX_NODE_IO)
    return tfc_fail(c, ni, NQ_ERR_FORMAT, err, "bad number of inputs %d", n->n_in);
  /* Concat (v1) takes the axis first, ConcatV2 last. */
  bool v1 = strcmp(n->op, "Concat") == 0;
  int off = v1 ? 1 : 0, ai = v1 ? 0 : nv;
  if (!pack) {
    bool done;
    NQ_TRY(concat_nhwc(c, ni, nv, off, ai, &done, err));
    if (done) return NQ_OK;
  }
  int *ts = malloc(sizeof(int) * (size_t)nv);
  if (!ts) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  nq_status st = NQ_OK;
  bool all_const = true;
  int axis;
  for (int i = 0; i < nv && st == NQ_OK; i++) {
    st = tfc_in(c, ni, i + off, &ts[i], err);
    if (st == NQ_OK && !tfc_is_const(c, ts[i])) all_const = false;
  }
  if (st == NQ_OK && pack) {
    axis = (int)tfc_attr_i(n, "axis", 0);
  } else if (st == NQ_OK) {
    int a;
    st = tfc_const_in(c, ni, ai, &a, err);
    if (st == NQ_OK) axis = (int)tf_el_get(&c->g->tensors[a], 0);
  }
  if (st == NQ_OK && all_const) {
    int t = pack ? tf_fold_pack(c->g, n->name, ts, nv, axis, err)
                 : tf_fold_concat(c->g, n->name, ts, nv, axis, err);
    free(ts);
    return tfc_folded(c, ni, t, err);
  }
  if (st == NQ_OK) {
    nq_op_params p = nq_op_params_default();
    int rank = c->g->tensors[ts[0]].rank + (pack ? 1 : 0);
    p.axis = axis < 0 ? axis + rank : axis;
    p.num = nv;
    st = tfc_emit(c, ni, pack ? NQ_OP_PACK : NQ_OP_CONCATENATION, n->name, c->g->tensors[ts[0]].type, nv, ts,
                  &p, &out, err);
  }
  free(ts);
  if (st != NQ_OK) return st;
  return tfc_set_val(c, ni, out, err);
}

nq_status tfo_pad(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int x, pd, out, in[3], nin = 2;
  NQ_TRY(tfc_const_in(c, ni, 1, &pd, err));
  /* An NCHW value in NHWC form: the paddings rows follow the axes. */
  const nq_tensor *PD = &c->g->tensors[pd];
  bool nhwc = tfc_in_is_nhwc(c, ni, 0) && PD->rank == 2 && PD->shape[0] == 4 && PD->shape[1] == 2;
  NQ_TRY(nhwc ? tfc_in_nhwc(c, ni, 0, &x, err) : tfc_in(c, ni, 0, &x, err));
  int p32;
  if (nhwc) {
    double v[8];
    for (int j = 0; j < 4; j++) {
      int src = j == 0 ? 0 : j == 3 ? 1 : j + 1; /* NHWC axis j holds NCHW axis src */
      v[2 * j] = tf_el_get(&c->g->tensors[pd], (size_t)(2 * src));
      v[2 * j + 1] = tf_el_get(&c->g->tensors[pd], (size_t)(2 * src + 1));
    }
    int32_t s2[2] = {4, 2};
    p32 = tf_const_from_doubles(c->g, tfc_sub_name(n->name, "/paddings_nhwc", nb, sizeof nb), NQ_INT32, 2, s2,
                                v, err);
  } else {
    p32 = tfc_as_i32(c, pd, tfc_sub_name(n->name, "/paddings", nb, sizeof nb), err);
  }
  if (p32 < 0) return err->code;
  nq_op_params p = nq_op_params_default();
  nq_op op = NQ_OP_PAD;
  in[0] = x, in[1] = p32;
  if (strcmp(n->op, "PadV2") == 0) {
    NQ_TRY(tfc_const_in(c, ni, 2, &in[2], err));
    nin = 3;
    op = NQ_OP_PADV2;
  } else if (strcmp(n->op, "MirrorPad") == 0) {
    op = NQ_OP_MIRROR_PAD;
    if (tfc_attr_s_is(n, "mode", "REFLECT"))
      p.mirror_mode = 0;
    else if (tfc_attr_s_is(n, "mode", "SYMMETRIC"))
      p.mirror_mode = 1;
    else
      return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "mode must be REFLECT or SYMMETRIC");
  }
  NQ_TRY(tfc_emit(c, ni, op, n->name, c->g->tensors[x].type, nin, in, &p, &out, err));
  return nhwc ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

nq_status tfo_resize(tf_cv *c, int ni, nq_op op, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int x, s, out;
  NQ_TRY(tfc_in(c, ni, 0, &x, err));
  NQ_TRY(tfc_const_in(c, ni, 1, &s, err));
  int s32 = tfc_as_i32(c, s, tfc_sub_name(n->name, "/size", nb, sizeof nb), err);
  if (s32 < 0) return err->code;
  nq_op_params p = nq_op_params_default();
  p.align_corners = tfc_attr_b(n, "align_corners", false);
  p.half_pixel_centers = tfc_attr_b(n, "half_pixel_centers", false);
  int in[2] = {x, s32};
  NQ_TRY(tfc_emit(c, ni, op, n->name, NQ_FLOAT32, 2, in, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}

/* Transposes between the two layouts cost nothing here: a Transpose of an
 * NCHW value (held NHWC) is one TRANSPOSE of its NHWC form by the composed
 * perm, none at all when that is the identity (NCHW -> NHWC at a GPU
 * graph's end); a Transpose to NCHW by [0, 3, 1, 2] (at its start) has its
 * input as NHWC form. Sets *done when it applied. */
static nq_status transpose_layout(tf_cv *c, int ni, int pm, bool *done, nq_error *err) {
  char nb[600];
  const nq_tensor *P = &c->g->tensors[pm];
  *done = false;
  if (nq_tensor_elems(P) != 4) return NQ_OK;
  int p[4];
  for (int i = 0; i < 4; i++) {
    double v = tf_el_get(P, (size_t)i);
    if (v < 0 || v > 3) return NQ_OK; /* the general path reports it */
    p[i] = (int)v;
  }
  if (tfc_in_is_nhwc(c, ni, 0)) {
    static const int to_nchw[4] = {0, 3, 1, 2};
    int h, q[4], out;
    bool ident = true;
    for (int i = 0; i < 4; i++) q[i] = to_nchw[p[i]], ident = ident && q[i] == i;
    NQ_TRY(tfc_in_nhwc(c, ni, 0, &h, err));
    *done = true;
    if (ident) return tfc_set_val(c, ni, h, err);
    double qv[4] = {q[0], q[1], q[2], q[3]};
    int32_t four = 4;
    int qt = tf_const_from_doubles(c->g, tfc_sub_name(c->f->nodes[ni].name, "/perm_nhwc", nb, sizeof nb),
                                   NQ_INT32, 1, &four, qv, err);
    if (qt < 0) return err->code;
    nq_op_params op = nq_op_params_default();
    int in[2] = {h, qt};
    NQ_TRY(
        tfc_emit(c, ni, NQ_OP_TRANSPOSE, c->f->nodes[ni].name, c->g->tensors[h].type, 2, in, &op, &out, err));
    return tfc_set_val(c, ni, out, err);
  }
  int x;
  NQ_TRY(tfc_in(c, ni, 0, &x, err));
  if (p[0] == 0 && p[1] == 3 && p[2] == 1 && p[3] == 2 && !tfc_is_const(c, x) && c->g->tensors[x].rank == 4) {
    *done = true;
    return tfc_set_nhwc_vals(c, ni, 1, &x, err);
  }
  return NQ_OK;
}

nq_status tfo_transpose(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int x, pm, out;
  NQ_TRY(tfc_const_in(c, ni, 1, &pm, err));
  bool done;
  NQ_TRY(transpose_layout(c, ni, pm, &done, err));
  if (done) return NQ_OK;
  NQ_TRY(tfc_in(c, ni, 0, &x, err));
  const nq_tensor *X = &c->g->tensors[x];
  if ((int)nq_tensor_elems(&c->g->tensors[pm]) != X->rank)
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "perm length != rank");
  if (tfc_is_const(c, x)) {
    int perm[NQ_MAX_RANK];
    bool seen[NQ_MAX_RANK] = {false};
    for (int i = 0; i < X->rank; i++) {
      perm[i] = (int)tf_el_get(&c->g->tensors[pm], (size_t)i);
      if (perm[i] < 0 || perm[i] >= X->rank || seen[perm[i]])
        return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "invalid perm");
      seen[perm[i]] = true;
    }
    return tfc_folded(c, ni, tf_fold_transpose(c->g, n->name, x, perm, err), err);
  }
  int p32 = tfc_as_i32(c, pm, tfc_sub_name(n->name, "/perm", nb, sizeof nb), err);
  if (p32 < 0) return err->code;
  nq_op_params p = nq_op_params_default();
  int in[2] = {x, p32};
  NQ_TRY(tfc_emit(c, ni, NQ_OP_TRANSPOSE, n->name, c->g->tensors[x].type, 2, in, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}

nq_status tfo_strided_slice(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int x, t[3], out;
  NQ_TRY(tfc_in(c, ni, 0, &x, err));
  for (int i = 0; i < 3; i++) NQ_TRY(tfc_const_in(c, ni, i + 1, &t[i], err));
  nq_op_params p = nq_op_params_default();
  p.begin_mask = (int)tfc_attr_i(n, "begin_mask", 0);
  p.end_mask = (int)tfc_attr_i(n, "end_mask", 0);
  p.ellipsis_mask = (int)tfc_attr_i(n, "ellipsis_mask", 0);
  p.new_axis_mask = (int)tfc_attr_i(n, "new_axis_mask", 0);
  p.shrink_axis_mask = (int)tfc_attr_i(n, "shrink_axis_mask", 0);
  if (tfc_is_const(c, x))
    return tfc_folded(c, ni, tf_fold_strided_slice(c->g, n->name, x, t[0], t[1], t[2], &p, err), err);
  static const char *suf[3] = {"/begin", "/end", "/strides"};
  int in[4] = {x, 0, 0, 0};
  for (int i = 0; i < 3; i++)
    if ((in[i + 1] = tfc_as_i32(c, t[i], tfc_sub_name(n->name, suf[i], nb, sizeof nb), err)) < 0)
      return err->code;
  NQ_TRY(tfc_emit(c, ni, NQ_OP_STRIDED_SLICE, n->name, c->g->tensors[x].type, 4, in, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}

nq_status tfo_shape_like(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int x;
  NQ_TRY(tfc_in(c, ni, 0, &x, err));
  const nq_tensor *X = &c->g->tensors[x];
  nq_dtype ot = tfc_attr_type(n, "out_type", TF_DT_INT32) == TF_DT_INT64 ? NQ_INT64 : NQ_INT32;
  double v[NQ_MAX_RANK];
  for (int i = 0; i < X->rank; i++) {
    if (X->shape[i] < 0) return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "the input's shape is not static");
    v[i] = X->shape[i];
  }
  int t;
  if (strcmp(n->op, "Shape") == 0) {
    int32_t r = X->rank;
    t = tf_const_from_doubles(c->g, n->name, ot, 1, &r, v, err);
  } else {
    double s = strcmp(n->op, "Rank") == 0 ? X->rank : (double)nq_tensor_elems(X);
    t = tf_const_from_doubles(c->g, n->name, ot, 0, NULL, &s, err);
  }
  return tfc_folded(c, ni, t, err);
}

nq_status tfo_cast(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int x, out;
  NQ_TRY(tfc_in(c, ni, 0, &x, err));
  nq_dtype to;
  if (!tf_dtype_to_nq(tfc_attr_type(n, "DstT", TF_DT_FLOAT), &to))
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "target type");
  const nq_tensor *X = &c->g->tensors[x];
  if (X->type == to) return tfc_set_val(c, ni, x, err);
  if (tfc_is_const(c, x)) {
    size_t ne = nq_tensor_elems(X);
    double *v = malloc((ne ? ne : 1) * sizeof *v);
    if (!v) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
    for (size_t i = 0; i < ne; i++) v[i] = tf_el_get(X, i);
    int32_t s[NQ_MAX_RANK];
    int r = X->rank;
    memcpy(s, X->shape, sizeof s);
    int t = tf_const_from_doubles(c->g, n->name, to, r, s, v, err);
    free(v);
    return tfc_folded(c, ni, t, err);
  }
  nq_op_params p = nq_op_params_default();
  p.out_type = to;
  NQ_TRY(tfc_emit(c, ni, NQ_OP_CAST, n->name, to, 1, &x, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}

/* Fill(dims, value): a constant of the given shape. */
nq_status tfo_fill(tf_cv *c, int ni, nq_error *err) {
  int d, v;
  NQ_TRY(tfc_const_in(c, ni, 0, &d, err));
  NQ_TRY(tfc_const_in(c, ni, 1, &v, err));
  const nq_tensor *D = &c->g->tensors[d];
  size_t r = nq_tensor_elems(D), n = 1;
  if (r > NQ_MAX_RANK || nq_tensor_elems(&c->g->tensors[v]) != 1)
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "dims must have <= %d entries and value one element",
                    NQ_MAX_RANK);
  int32_t shape[NQ_MAX_RANK];
  for (size_t i = 0; i < r; i++) {
    double x = tf_el_get(D, i);
    if (x < 0 || x > INT32_MAX) return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "invalid dimension %g", x);
    shape[i] = (int32_t)x;
  }
  if (!nq_shape_elems(shape, (int)r, TF_MAX_EXPANDED_ELEMS, &n))
    return tfc_fail(c, ni, NQ_ERR_NOMEM, err, "too large");
  double *vals = malloc((n ? n : 1) * sizeof *vals);
  if (!vals) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  double x = tf_el_get(&c->g->tensors[v], 0);
  for (size_t i = 0; i < n; i++) vals[i] = x;
  int t = tf_const_from_doubles(c->g, c->f->nodes[ni].name, c->g->tensors[v].type, (int)r, shape, vals, err);
  free(vals);
  return tfc_folded(c, ni, t, err);
}

/* Forward input k to output k (Identity, IdentityN, function aliases), in
 * every form the input has (an NCHW value stays NHWC). */
nq_status tfo_forward(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int cnt = n->n_in;
  if (strcmp(n->op, "IdentityN") != 0 && cnt > 1) cnt = 1;
  int *none = calloc((size_t)(cnt > 0 ? cnt : 1), sizeof(int));
  if (!none) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  for (int i = 0; i < cnt; i++) none[i] = -1;
  nq_status st = tfc_set_vals(c, ni, cnt, none, err);
  free(none);
  for (int i = 0; i < cnt && st == NQ_OK; i++) {
    int src, k;
    if (!tf_flat_ref(c->f, n->in[i], &src, &k))
      return tfc_fail(c, ni, NQ_ERR_FORMAT, err, "input '%.200s' names no node", n->in[i]);
    st = tfc_forward_val(c, ni, i, src, k, err);
  }
  return st;
}
