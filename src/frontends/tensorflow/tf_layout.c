/*
 * NCHW graphs (TF1 frozen graphs trained on GPU) in an NHWC IR.
 *
 * Each TF value may exist in two forms: its logical form (the TF layout,
 * c->vals) and, for a rank-4 NCHW value, an NHWC form (c->nhwc) whose data
 * is the logical tensor transposed by [0, 2, 3, 1]. NCHW ops (Conv2D,
 * BiasAdd, FusedBatchNorm, pools, ... with data_format NCHW) read and write
 * NHWC forms; layout-free ops (activations, elementwise math, Pad, ConcatV2,
 * reductions, Split with remapped axes) keep whichever form their input has.
 * Any other consumer asks for the logical form, and only then is a TRANSPOSE
 * emitted (once per value: both forms are remembered). So a CNN that is NCHW
 * from its input to a global Mean has transposes only at the model input,
 * and a Flatten after an NCHW conv still sees TF's NCHW element order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "frontends/tensorflow/tf_convert.h"
#include "frontends/tensorflow/tf_fold.h"

static const int to_nhwc_perm[4] = {0, 2, 3, 1}; /* NHWC form = transpose(NCHW, this) */
static const int to_nchw_perm[4] = {0, 3, 1, 2};

int tfc_nchw_axis_to_nhwc(int axis) {
  static const int map[4] = {0, 3, 1, 2}; /* N stays, C goes last, H and W move up */
  return axis >= 0 && axis < 4 ? map[axis] : axis;
}

/* Remember that b = a transposed by the perm of direction dir (0: to NHWC,
 * 1: to NCHW), hence a = b transposed by the other one. A tensor may play
 * both roles (a graph input that a Transpose turns NCHW is also the NHWC
 * form of that result), so the two directions are kept apart. */
static nq_status set_twins(tf_cv *c, int a, int b, int dir, nq_error *err) {
  int need = 2 * ((a > b ? a : b) + 1);
  if (need > c->n_twin) {
    int cap = need + need / 2 + 32;
    int *nt = realloc(c->twin, sizeof(int) * (size_t)cap);
    if (!nt) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
    for (int i = c->n_twin; i < cap; i++) nt[i] = -1;
    c->twin = nt;
    c->n_twin = cap;
  }
  c->twin[2 * a + dir] = b;
  c->twin[2 * b + 1 - dir] = a;
  return NQ_OK;
}

static nq_status transpose4_new(tf_cv *c, int ni, int t, const int *perm, const char *suffix, int *out,
                                nq_error *err);

/* TRANSPOSE of tensor t by perm (made once per tensor and direction,
 * whichever alias of its value asks). */
static nq_status transpose4(tf_cv *c, int ni, int t, const int *perm, const char *suffix, int *out,
                            nq_error *err) {
  int dir = perm == to_nhwc_perm ? 0 : 1;
  if (2 * t + dir < c->n_twin && c->twin[2 * t + dir] >= 0) {
    *out = c->twin[2 * t + dir];
    return NQ_OK;
  }
  NQ_TRY(transpose4_new(c, ni, t, perm, suffix, out, err));
  return set_twins(c, t, *out, dir, err);
}

/* A new TRANSPOSE of t by perm: folded for constants, else a node. */
static nq_status transpose4_new(tf_cv *c, int ni, int t, const int *perm, const char *suffix, int *out,
                                nq_error *err) {
  char nb[600];
  const nq_tensor *x = &c->g->tensors[t];
  if (x->rank != 4)
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "an NCHW value must have rank 4, '%.200s' has rank %d",
                    x->name ? x->name : "?", x->rank);
  snprintf(nb, sizeof nb, "%.500s%s", x->name ? x->name : "t", suffix);
  if (tfc_is_const(c, t)) {
    *out = tf_fold_transpose(c->g, nb, t, perm, err);
    return *out < 0 ? err->code : NQ_OK;
  }
  double pv[4];
  for (int i = 0; i < 4; i++) pv[i] = perm[i];
  int32_t four = 4;
  char pn[620];
  snprintf(pn, sizeof pn, "%s/perm", nb);
  int pt = tf_const_from_doubles(c->g, pn, NQ_INT32, 1, &four, pv, err);
  if (pt < 0) return err->code;
  nq_op_params p = nq_op_params_default();
  int in[2] = {t, pt};
  return tfc_emit(c, ni, NQ_OP_TRANSPOSE, nb, c->g->tensors[t].type, 2, in, &p, out, err);
}

nq_status tfc_value(tf_cv *c, int src, int k, int *t, nq_error *err) {
  *t = -1;
  if (k < 0 || k >= c->nvals[src] || (c->vals[src][k] < 0 && c->nhwc[src][k] < 0))
    return tfc_fail(c, src, NQ_ERR_UNSUPPORTED, err, "output %d has no value", k);
  if (c->vals[src][k] < 0)
    NQ_TRY(transpose4(c, src, c->nhwc[src][k], to_nchw_perm, "/nchw", &c->vals[src][k], err));
  *t = c->vals[src][k];
  return NQ_OK;
}

/* Resolve input i of ni to (src, k); the value must exist. */
static nq_status input_ref(tf_cv *c, int ni, int i, int *src, int *k, nq_error *err) {
  int t;
  NQ_TRY(tfc_in(c, ni, i, &t, err)); /* checks the reference (and makes the logical form) */
  tf_flat_ref(c->f, c->f->nodes[ni].in[i], src, k);
  return NQ_OK;
}

bool tfc_in_is_nhwc(tf_cv *c, int ni, int i) {
  const tf_node *n = &c->f->nodes[ni];
  int src, k;
  if (i >= n->n_in || !tf_flat_ref(c->f, n->in[i], &src, &k)) return false;
  /* A constant's NHWC form is only a folded copy: constants stay logical. */
  return k < c->nvals[src] && c->nhwc[src][k] >= 0 && !tfc_is_const(c, c->nhwc[src][k]);
}

nq_status tfc_in_nhwc(tf_cv *c, int ni, int i, int *t, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int src, k;
  *t = -1;
  if (i < n->n_in && tf_flat_ref(c->f, n->in[i], &src, &k) && k < c->nvals[src] && c->nhwc[src][k] >= 0) {
    *t = c->nhwc[src][k];
    return NQ_OK;
  }
  NQ_TRY(input_ref(c, ni, i, &src, &k, err));
  NQ_TRY(tfc_to_nhwc(c, ni, c->vals[src][k], &c->nhwc[src][k], err));
  *t = c->nhwc[src][k];
  return NQ_OK;
}

nq_status tfc_to_nhwc(tf_cv *c, int ni, int t, int *out, nq_error *err) {
  return transpose4(c, ni, t, to_nhwc_perm, "/nhwc", out, err);
}

nq_status tfc_const_for_nhwc(tf_cv *c, int ni, int t, int *out, nq_error *err) {
  const nq_tensor *x = &c->g->tensors[t];
  if (!tfc_is_const(c, t) || x->rank > 4)
    return tfc_fail(c, ni, NQ_ERR_INTERNAL, err, "layout: expected a constant of rank <= 4");
  if (nq_tensor_elems(x) == 1 && x->rank <= 1) { /* a scalar broadcasts the same in any layout */
    *out = t;
    return NQ_OK;
  }
  /* Numpy broadcasting aligns trailing dims: pad the shape to rank 4 first. */
  int32_t s[4] = {1, 1, 1, 1};
  for (int i = 0; i < x->rank; i++) s[4 - x->rank + i] = x->shape[i];
  char nb[600];
  snprintf(nb, sizeof nb, "%.500s/r4", x->name ? x->name : "c");
  int r4 = nq_graph_add_tensor(c->g, nb, x->type, 4, s, err);
  if (r4 < 0) return err->code;
  NQ_TRY(nq_tensor_copy_data(c->g, r4, c->g->tensors[t].data, c->g->tensors[t].nbytes, err));
  return tfc_to_nhwc(c, ni, r4, out, err);
}

nq_status tfc_set_nhwc_vals(tf_cv *c, int ni, int n, const int *t, nq_error *err) {
  int *none = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
  if (!none) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  for (int i = 0; i < n; i++) none[i] = -1;
  nq_status st = tfc_set_vals(c, ni, n, none, err);
  free(none);
  if (st != NQ_OK) return st;
  for (int i = 0; i < n; i++) c->nhwc[ni][i] = t[i];
  return NQ_OK;
}

nq_status tfc_forward_val(tf_cv *c, int ni, int k, int src, int src_k, nq_error *err) {
  if (k >= c->nvals[ni] || src_k < 0 || src_k >= c->nvals[src] ||
      (c->vals[src][src_k] < 0 && c->nhwc[src][src_k] < 0))
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "output %d of node '%.200s' is not available", src_k,
                    c->f->nodes[src].name);
  c->vals[ni][k] = c->vals[src][src_k];
  c->nhwc[ni][k] = c->nhwc[src][src_k];
  return NQ_OK;
}
