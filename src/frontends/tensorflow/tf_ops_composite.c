/*
 * TensorFlow ops without a TFLite op of their own, built from several IR
 * ops: ClipByValue, Reciprocal/Inv, Softplus and Selu; and Select/SelectV2. All
 * are elementwise,
 * so an NCHW value keeps its NHWC form through them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "frontends/tensorflow/tf_convert.h"
#include "frontends/tensorflow/tf_fold.h"

/* ClipByValue(t, lo, hi) = MINIMUM(MAXIMUM(t, lo), hi); with scalar bounds it
 * keeps an NCHW value's NHWC form. */
nq_status tfo_clip(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int x, lo, hi, mid, out;
  NQ_TRY(tfc_in(c, ni, 1, &lo, err));
  NQ_TRY(tfc_in(c, ni, 2, &hi, err));
  bool scalars = nq_tensor_elems(&c->g->tensors[lo]) == 1 && nq_tensor_elems(&c->g->tensors[hi]) == 1 &&
                 c->g->tensors[lo].rank <= 1 && c->g->tensors[hi].rank <= 1;
  bool nhwc = scalars && tfc_in_is_nhwc(c, ni, 0);
  NQ_TRY(nhwc ? tfc_in_nhwc(c, ni, 0, &x, err) : tfc_in(c, ni, 0, &x, err));
  if (tfc_is_const(c, x) && tfc_is_const(c, lo) && tfc_is_const(c, hi)) {
    mid = tf_fold_binary(c->g, tfc_sub_name(n->name, "/max", nb, sizeof nb), x, lo, 'M', err);
    return tfc_folded(c, ni, mid < 0 ? -1 : tf_fold_binary(c->g, n->name, mid, hi, 'm', err), err);
  }
  nq_op_params p = nq_op_params_default();
  int in[2] = {x, lo};
  NQ_TRY(tfc_emit(c, ni, NQ_OP_MAXIMUM, tfc_sub_name(n->name, "/max", nb, sizeof nb), c->g->tensors[x].type,
                  2, in, &p, &mid, err));
  in[0] = mid, in[1] = hi;
  NQ_TRY(tfc_emit(c, ni, NQ_OP_MINIMUM, n->name, c->g->tensors[x].type, 2, in, &p, &out, err));
  return nhwc ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

/* Reciprocal (Inv) = DIV(1, x). */
nq_status tfo_reciprocal(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int x, out;
  bool nhwc = tfc_in_is_nhwc(c, ni, 0);
  NQ_TRY(nhwc ? tfc_in_nhwc(c, ni, 0, &x, err) : tfc_in(c, ni, 0, &x, err));
  if (c->g->tensors[x].type != NQ_FLOAT32)
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "only float32 is supported");
  const float one = 1.0f;
  int ot = tfc_const_f32(c, tfc_sub_name(n->name, "/one", nb, sizeof nb), 0, NULL, &one, err);
  if (ot < 0) return err->code;
  if (tfc_is_const(c, x)) return tfc_folded(c, ni, tf_fold_binary(c->g, n->name, ot, x, '/', err), err);
  nq_op_params p = nq_op_params_default();
  int in[2] = {ot, x};
  NQ_TRY(tfc_emit(c, ni, NQ_OP_DIV, n->name, NQ_FLOAT32, 2, in, &p, &out, err));
  return nhwc ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

/* One step of a composite: node `suffix` (the node's own name for the last). */
static nq_status step(tf_cv *c, int ni, nq_op op, const char *suffix, int a, int b, int *out, nq_error *err) {
  char nb[600];
  const char *base = c->f->nodes[ni].name;
  nq_op_params p = nq_op_params_default();
  int in[2] = {a, b};
  return tfc_emit(c, ni, op, suffix ? tfc_sub_name(base, suffix, nb, sizeof nb) : base, NQ_FLOAT32,
                  b < 0 ? 1 : 2, in, &p, out, err);
}

static nq_status scalar(tf_cv *c, int ni, const char *suffix, float v, int *out, nq_error *err) {
  char nb[600];
  *out = tfc_const_f32(c, tfc_sub_name(c->f->nodes[ni].name, suffix, nb, sizeof nb), 0, NULL, &v, err);
  return *out < 0 ? err->code : NQ_OK;
}

/* The runtime float input of a composite, in NHWC form when it has one. */
static nq_status composite_in(tf_cv *c, int ni, int *x, bool *nhwc, nq_error *err) {
  *nhwc = tfc_in_is_nhwc(c, ni, 0);
  NQ_TRY(*nhwc ? tfc_in_nhwc(c, ni, 0, x, err) : tfc_in(c, ni, 0, x, err));
  if (c->g->tensors[*x].type != NQ_FLOAT32 || tfc_is_const(c, *x))
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "only a float32 runtime input is supported");
  return NQ_OK;
}

/* Softplus = log(1 + exp(x)), computed as relu(x) + log(1 + exp(-|x|)) so
 * that exp never overflows (the form TensorFlow's kernel also uses for large x). */
nq_status tfo_softplus(tf_cv *c, int ni, nq_error *err) {
  int x, a, m1, na, e, one, e1, l, r, out;
  bool nhwc;
  NQ_TRY(composite_in(c, ni, &x, &nhwc, err));
  NQ_TRY(step(c, ni, NQ_OP_ABS, "/abs", x, -1, &a, err));
  NQ_TRY(scalar(c, ni, "/minus_one", -1.0f, &m1, err)); /* MUL, not NEG: NEG has no int8 kernel in TFLite */
  NQ_TRY(step(c, ni, NQ_OP_MUL, "/neg", a, m1, &na, err));
  NQ_TRY(step(c, ni, NQ_OP_EXP, "/exp", na, -1, &e, err));
  NQ_TRY(scalar(c, ni, "/one", 1.0f, &one, err));
  NQ_TRY(step(c, ni, NQ_OP_ADD, "/1p", e, one, &e1, err));
  NQ_TRY(step(c, ni, NQ_OP_LOG, "/log1p", e1, -1, &l, err));
  NQ_TRY(step(c, ni, NQ_OP_RELU, "/relu", x, -1, &r, err));
  NQ_TRY(step(c, ni, NQ_OP_ADD, NULL, r, l, &out, err));
  return nhwc ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

/* Selu = scale * (x > 0 ? x : alpha * (exp(x) - 1)), with TensorFlow's
 * constants, as scale * relu(x) + scale * alpha * min(elu(x), 0). */
nq_status tfo_selu(tf_cv *c, int ni, nq_error *err) {
  const double alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946;
  int x, r, e, zero, m, k1, k2, rs, ms, out;
  bool nhwc;
  NQ_TRY(composite_in(c, ni, &x, &nhwc, err));
  NQ_TRY(step(c, ni, NQ_OP_RELU, "/relu", x, -1, &r, err));
  NQ_TRY(step(c, ni, NQ_OP_ELU, "/elu", x, -1, &e, err));
  NQ_TRY(scalar(c, ni, "/zero", 0.0f, &zero, err));
  NQ_TRY(step(c, ni, NQ_OP_MINIMUM, "/neg_part", e, zero, &m, err));
  NQ_TRY(scalar(c, ni, "/scale", (float)scale, &k1, err));
  NQ_TRY(scalar(c, ni, "/scale_alpha", (float)(scale * alpha), &k2, err));
  NQ_TRY(step(c, ni, NQ_OP_MUL, "/pos", r, k1, &rs, err));
  NQ_TRY(step(c, ni, NQ_OP_MUL, "/neg", m, k2, &ms, err));
  NQ_TRY(step(c, ni, NQ_OP_ADD, NULL, rs, ms, &out, err));
  return nhwc ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

/* SelectV2(cond, x, y) = SELECT_V2 (numpy broadcasting). The older Select
 * broadcasts a vector condition along the first axis instead; it is taken
 * only where the two agree (a scalar condition or one of x's shape). */
nq_status tfo_select(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int in[3], out;
  for (int i = 0; i < 3; i++) NQ_TRY(tfc_in(c, ni, i, &in[i], err));
  const nq_tensor *cond = &c->g->tensors[in[0]], *x = &c->g->tensors[in[1]];
  if (cond->type != NQ_BOOL)
    return tfc_fail(c, ni, NQ_ERR_FORMAT, err, "the condition (input 0) must be bool");
  if (strcmp(n->op, "Select") == 0 && cond->rank != 0) {
    bool same = cond->rank == x->rank;
    for (int d = 0; same && d < x->rank; d++) same = cond->shape[d] == x->shape[d];
    if (!same)
      return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err,
                      "Select with a condition of another shape than x (row selection): use SelectV2");
  }
  nq_op_params p = nq_op_params_default();
  NQ_TRY(tfc_emit(c, ni, NQ_OP_SELECT_V2, n->name, x->type, 3, in, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}
