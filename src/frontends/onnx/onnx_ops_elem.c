/*
 * Elementwise ONNX ops: binary arithmetic with broadcasting (kept in the
 * NHWC layout when an operand is NHWC: constants are broadcast to rank 4 and
 * permuted once on the host), activations, Clip, HardSigmoid, PRelu,
 * Softmax/LogSoftmax with the opset-dependent axis rules.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "frontends/onnx/onnx_internal.h"

nq_status ox_place(ox_ctx *cx, const ox_const *c, const char *name, int rank, ox_layout lay, int *t,
                   nq_error *err) {
  if (c->rank > rank) rank = c->rank;
  int64_t dims[NQ_MAX_RANK];
  int lead = rank - c->rank;
  for (int k = 0; k < rank; k++) dims[k] = k < lead ? 1 : c->dims[k - lead];
  if (lay == OX_N1LC) {
    /* [N, C, L] is placed as the NHWC form of [N, C, 1, L]. */
    if (rank != 3)
      return nq_fail(err, NQ_ERR_INTERNAL, "%s: constant '%s' of rank %d placed in a 3-D layout", cx->path,
                     name, rank);
    dims[3] = dims[2];
    dims[2] = 1;
    rank = 4;
    lay = OX_NHWC;
  }
  int perm[NQ_MAX_RANK] = {0, 1, 2, 3, 4, 5};
  if (lay == OX_NHWC && rank == 4) {
    perm[1] = 2;
    perm[2] = 3;
    perm[3] = 1;
  }
  int32_t shape[NQ_MAX_RANK];
  size_t ls[NQ_MAX_RANK], s = 1;
  for (int k = rank - 1; k >= 0; k--) {
    ls[k] = s;
    s *= (size_t)dims[k];
  }
  for (int k = 0; k < rank; k++) shape[k] = (int32_t)dims[perm[k]];
  void *buf = malloc((c->n ? c->n : 1) * 4);
  if (!buf) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  size_t idx[NQ_MAX_RANK] = {0};
  for (size_t o = 0; o < c->n; o++) {
    size_t src = 0;
    for (int k = 0; k < rank; k++) src += idx[k] * ls[perm[k]];
    if (c->is_int) {
      int64_t x = c->i[src];
      ((int32_t *)buf)[o] = x > INT32_MAX ? INT32_MAX : x < INT32_MIN ? INT32_MIN : (int32_t)x;
    } else {
      ((float *)buf)[o] = c->f[src];
    }
    for (int k = rank - 1; k >= 0; k--) {
      if (++idx[k] < (size_t)shape[k]) break;
      idx[k] = 0;
    }
  }
  nq_status st = c->is_int ? ox_const_i32(cx, name, rank, shape, buf, t, err)
                           : ox_const_f32(cx, name, rank, shape, buf, t, err);
  free(buf);
  return st;
}

nq_status ox_scalar(ox_ctx *cx, const char *name, float v, int *t, nq_error *err) {
  int32_t one = 1;
  return ox_const_f32(cx, name, 1, &one, &v, t, err);
}

/* The layout a binary op between a and b works in: channels last (NHWC
 * for rank 4, N1LC for rank 3) when an activation operand already is. */
static ox_layout pick_layout(const ox_value *a, const ox_value *b) {
  int rank = a->rank > b->rank ? a->rank : b->rank;
  ox_layout cl = ox_channels_last_of_rank(rank);
  if (cl == OX_LOGICAL) return OX_LOGICAL;
  const ox_value *v[2] = {a, b};
  bool any = false;
  for (int k = 0; k < 2; k++) {
    if (!v[k]->is_const && v[k]->rank == rank && v[k]->lay == cl) any = true;
    if (!v[k]->is_const && v[k]->rank != rank && !(v[k]->rank <= 1 && v[k]->dims[0] == 1)) return OX_LOGICAL;
  }
  return any ? cl : OX_LOGICAL;
}

static nq_status operand(ox_ctx *cx, ox_value *v, ox_layout lay, int rank, int *t, nq_error *err) {
  if (v->is_const) {
    if (lay == OX_NHWC || lay == OX_N1LC) {
      char name[512];
      snprintf(name, sizeof name, "%.400s/nhwc", v->name);
      return ox_place(cx, &v->c, name, rank, lay, t, err);
    }
    return ox_logical(cx, v, t, err);
  }
  if ((lay == OX_NHWC && v->rank == 4) || (lay == OX_N1LC && v->rank == 3)) return ox_nhwc(cx, v, t, err);
  return ox_logical(cx, v, t, err);
}

nq_status ox_binary(ox_ctx *cx, const Onnx__NodeProto *n, nq_op op, ox_value *a, ox_value *b,
                    const char *out_name, int *out_t, ox_layout *out_lay, nq_error *err) {
  (void)n;
  ox_layout lay = pick_layout(a, b);
  int rank = a->rank > b->rank ? a->rank : b->rank;
  int ins[2];
  NQ_TRY(operand(cx, a, lay, rank, &ins[0], err));
  NQ_TRY(operand(cx, b, lay, rank, &ins[1], err));
  nq_op_params p = nq_op_params_default();
  *out_lay = lay;
  return ox_emit(cx, op, out_name, 2, ins, &p, out_t, err);
}

nq_status ox_binary_const(ox_ctx *cx, ox_value *x, int x_t, ox_layout lay, nq_op op, const ox_const *c,
                          const char *out_name, int *out_t, nq_error *err) {
  char name[512];
  int ct;
  ox_name(cx, x->name, "const", name, sizeof name);
  bool scalar = c->n == 1;
  if (scalar) {
    float v = (float)ox_const_get(c, 0);
    NQ_TRY(ox_scalar(cx, name, v, &ct, err));
  } else {
    NQ_TRY(ox_place(cx, c, name, x->rank, lay, &ct, err));
  }
  int ins[2] = {x_t, ct};
  nq_op_params p = nq_op_params_default();
  return ox_emit(cx, op, out_name, 2, ins, &p, out_t, err);
}

/* The input value's tensor in its current layout (constants: logical). */
static nq_status as_is(ox_ctx *cx, ox_value *v, int *t, ox_layout *lay, nq_error *err) {
  if (v->is_const || v->lay == OX_LOGICAL) {
    *lay = OX_LOGICAL;
    return ox_logical(cx, v, t, err);
  }
  *lay = v->lay;
  *t = v->t;
  return NQ_OK;
}

static nq_status finish(ox_ctx *cx, const Onnx__NodeProto *n, int t, ox_layout lay, bool nonneg,
                        ox_value *src, nq_error *err) {
  ox_value copy;
  bool flat = src && lay == OX_FLAT_NHWC;
  if (flat) copy = *src;
  NQ_TRY(ox_set_act(cx, n->output[0], t, lay == OX_FLAT_NHWC ? OX_LOGICAL : lay, err));
  ox_value *v = ox_find(cx, n->output[0]);
  if (flat) {
    v->lay = OX_FLAT_NHWC;
    v->fc = copy.fc;
    v->fh = copy.fh;
    v->fw = copy.fw;
    v->t_logical = -1;
  }
  v->nonneg = nonneg;
  return NQ_OK;
}

nq_status ox_op_binary(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  nq_op op = ox_table_op(n);
  if (op >= NQ_OP_COUNT)
    return nq_fail(err, NQ_ERR_INTERNAL, OX_NODE_FMT "no binary mapping", OX_NODE_ARGS(cx, n));
  if (n->n_input == 1) { /* Max/Min of one input */
    ox_value *a;
    NQ_TRY(ox_input(cx, n, 0, &a, err));
    return ox_set_alias(cx, n, 0, a, err);
  }
  if (n->n_input > 2 && (op == NQ_OP_MAXIMUM || op == NQ_OP_MINIMUM) && n->n_input <= 64) {
    /* Variadic Max/Min: a chain of binary ops, left to right. */
    ox_value *a;
    NQ_TRY(ox_input(cx, n, 0, &a, err));
    char prev[512], cur[512];
    snprintf(prev, sizeof prev, "%.500s", a->name);
    for (size_t k = 1; k < n->n_input; k++) {
      ox_value *x = ox_find(cx, prev), *b;
      NQ_TRY(ox_input(cx, n, k, &b, err));
      x = ox_find(cx, prev);
      if (k + 1 == n->n_input)
        snprintf(cur, sizeof cur, "%.500s", n->output[0]);
      else
        ox_name(cx, n->output[0], "chain", cur, sizeof cur);
      int t;
      ox_layout lay;
      NQ_TRY(ox_binary(cx, n, op, x, b, cur, &t, &lay, err));
      NQ_TRY(ox_set_act(cx, cur, t, lay, err));
      memcpy(prev, cur, sizeof prev);
    }
    return NQ_OK;
  }
  if (n->n_input != 2)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "%zu inputs; npuquant supports 2",
                   OX_NODE_ARGS(cx, n), n->n_input);
  ox_value *a, *b;
  NQ_TRY(ox_input(cx, n, 0, &a, err));
  NQ_TRY(ox_input(cx, n, 1, &b, err));
  /* Pow by 2 / 0.5, x * relu6(x + 3) / 6 and division by a constant are
   * rewritten by the pass pipeline (src/passes/), the same for every format. */
  /* x (op) scalar keeps any layout, including a flattened NHWC. */
  if (!a->is_const && b->is_const && b->c.n == 1) {
    int xt, t;
    ox_layout lay;
    NQ_TRY(as_is(cx, a, &xt, &lay, err));
    NQ_TRY(ox_binary_const(cx, a, xt, lay, op, &b->c, n->output[0], &t, err));
    return finish(cx, n, t, lay, false, a, err);
  }
  int t;
  ox_layout lay;
  NQ_TRY(ox_binary(cx, n, op, a, b, n->output[0], &t, &lay, err));
  return finish(cx, n, t, lay, false, NULL, err);
}

static nq_status unary(ox_ctx *cx, const Onnx__NodeProto *n, nq_op op, const nq_op_params *p, bool nonneg,
                       nq_error *err) {
  ox_value *a;
  NQ_TRY(ox_input(cx, n, 0, &a, err));
  int xt, t;
  ox_layout lay;
  NQ_TRY(as_is(cx, a, &xt, &lay, err));
  NQ_TRY(ox_emit(cx, op, n->output[0], 1, &xt, p, &t, err));
  return finish(cx, n, t, lay, nonneg, a, err);
}

/* The op comes from the op table; a non-negative output lets a following
 * max-pool pad with 0. */
nq_status ox_op_unary(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  nq_op op = ox_table_op(n);
  if (op >= NQ_OP_COUNT)
    return nq_fail(err, NQ_ERR_INTERNAL, OX_NODE_FMT "no unary mapping", OX_NODE_ARGS(cx, n));
  bool nonneg =
      op == NQ_OP_RELU || op == NQ_OP_LOGISTIC || op == NQ_OP_SQRT || op == NQ_OP_EXP || op == NQ_OP_ABS;
  nq_op_params p = nq_op_params_default();
  return unary(cx, n, op, &p, nonneg, err);
}

nq_status ox_op_leaky(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  nq_op_params p = nq_op_params_default();
  NQ_TRY(ox_attr_float(cx, n, "alpha", 0.01f, &p.alpha, err));
  return unary(cx, n, NQ_OP_LEAKY_RELU, &p, false, err);
}

nq_status ox_op_elu(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  float alpha;
  NQ_TRY(ox_attr_float(cx, n, "alpha", 1.0f, &alpha, err));
  if (alpha != 1.0f)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "alpha %g; only alpha 1 maps to TFLite ELU",
                   OX_NODE_ARGS(cx, n), alpha);
  nq_op_params p = nq_op_params_default();
  return unary(cx, n, NQ_OP_ELU, &p, false, err);
}

/* Clamp to [lo, hi] as MAXIMUM/MINIMUM with scalars; the passes turn the
 * bounds that are a TFLite activation into RELU / RELU6 / RELU_N1_TO_1
 * (src/passes/clip_to_relu.c), the same for every format. */
static nq_status clamp(ox_ctx *cx, const Onnx__NodeProto *n, ox_value *a, int xt, ox_layout lay, float lo,
                       float hi, nq_error *err) {
  nq_op_params p = nq_op_params_default();
  int cur = xt;
  char name[512];
  if (lo > -FLT_MAX) {
    int s;
    NQ_TRY(ox_scalar(cx, ox_name(cx, a->name, "lo", name, sizeof name), lo, &s, err));
    int ins[2] = {cur, s};
    NQ_TRY(ox_emit(cx, NQ_OP_MAXIMUM, hi < FLT_MAX ? NULL : n->output[0], 2, ins, &p, &cur, err));
  }
  if (hi < FLT_MAX) {
    int s;
    NQ_TRY(ox_scalar(cx, ox_name(cx, a->name, "hi", name, sizeof name), hi, &s, err));
    int ins[2] = {cur, s};
    NQ_TRY(ox_emit(cx, NQ_OP_MINIMUM, n->output[0], 2, ins, &p, &cur, err));
  }
  if (cur == xt) { /* no bounds: identity */
    return ox_set_alias(cx, n, 0, a, err);
  }
  return finish(cx, n, cur, lay, lo >= 0, a, err);
}

nq_status ox_op_clip(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *a;
  NQ_TRY(ox_input(cx, n, 0, &a, err));
  float lo = -FLT_MAX, hi = FLT_MAX;
  if (cx->opset < 11) {
    NQ_TRY(ox_attr_float(cx, n, "min", -FLT_MAX, &lo, err));
    NQ_TRY(ox_attr_float(cx, n, "max", FLT_MAX, &hi, err));
  } else {
    for (size_t k = 1; k <= 2; k++) {
      ox_value *b = ox_opt_input(cx, n, k);
      if (!b) continue;
      if (!b->is_const || b->c.n != 1)
        return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "min/max must be constant scalars",
                       OX_NODE_ARGS(cx, n));
      float v = (float)ox_const_get(&b->c, 0);
      if (k == 1)
        lo = v;
      else
        hi = v;
    }
  }
  int xt;
  ox_layout lay;
  NQ_TRY(as_is(cx, a, &xt, &lay, err));
  return clamp(cx, n, a, xt, lay, lo, hi, err);
}

/* HardSigmoid = clamp(alpha*x + beta, 0, 1) = RELU6(6*alpha*x + 6*beta) / 6:
 * the MUL/ADD fold into a preceding conv, the RELU6 fuses. */
nq_status ox_op_hardsigmoid(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *a;
  NQ_TRY(ox_input(cx, n, 0, &a, err));
  float alpha, beta;
  NQ_TRY(ox_attr_float(cx, n, "alpha", 0.2f, &alpha, err));
  NQ_TRY(ox_attr_float(cx, n, "beta", 0.5f, &beta, err));
  int xt, t1, t2, t3, t4, s;
  ox_layout lay;
  NQ_TRY(as_is(cx, a, &xt, &lay, err));
  char name[512];
  nq_op_params p = nq_op_params_default();
  NQ_TRY(ox_scalar(cx, ox_name(cx, a->name, "hs_a", name, sizeof name), 6.0f * alpha, &s, err));
  int i1[2] = {xt, s};
  NQ_TRY(ox_emit(cx, NQ_OP_MUL, NULL, 2, i1, &p, &t1, err));
  NQ_TRY(ox_scalar(cx, ox_name(cx, a->name, "hs_b", name, sizeof name), 6.0f * beta, &s, err));
  int i2[2] = {t1, s};
  NQ_TRY(ox_emit(cx, NQ_OP_ADD, NULL, 2, i2, &p, &t2, err));
  NQ_TRY(ox_emit(cx, NQ_OP_RELU6, NULL, 1, &t2, &p, &t3, err));
  NQ_TRY(ox_scalar(cx, ox_name(cx, a->name, "hs_c", name, sizeof name), 1.0f / 6.0f, &s, err));
  int i4[2] = {t3, s};
  NQ_TRY(ox_emit(cx, NQ_OP_MUL, n->output[0], 2, i4, &p, &t4, err));
  return finish(cx, n, t4, lay, true, a, err);
}

nq_status ox_op_prelu(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *a, *s;
  NQ_TRY(ox_input(cx, n, 0, &a, err));
  NQ_TRY(ox_input(cx, n, 1, &s, err));
  if (!s->is_const)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "slope must be constant", OX_NODE_ARGS(cx, n));
  int xt, st, t;
  ox_layout lay = ox_channels_last(a);
  if (lay != OX_LOGICAL)
    NQ_TRY(ox_nhwc(cx, a, &xt, err));
  else
    NQ_TRY(ox_logical(cx, a, &xt, err));
  ox_const c = s->c;
  /* Opset <= 8 models often give a [C] slope for NCHW data: per channel. */
  int64_t cdims[NQ_MAX_RANK];
  if (c.rank == 1 && a->rank >= 3 && c.dims[0] == a->dims[1] && c.dims[0] != a->dims[a->rank - 1]) {
    cdims[0] = c.dims[0];
    for (int k = 1; k < a->rank - 1; k++) cdims[k] = 1;
    memcpy(c.dims, cdims, sizeof(int64_t) * (size_t)(a->rank - 1));
    c.rank = a->rank - 1;
  }
  char name[512];
  NQ_TRY(ox_place(cx, &c, ox_name(cx, a->name, "slope", name, sizeof name), a->rank, lay, &st, err));
  int ins[2] = {xt, st};
  nq_op_params p = nq_op_params_default();
  NQ_TRY(ox_emit(cx, NQ_OP_PRELU, n->output[0], 2, ins, &p, &t, err));
  return finish(cx, n, t, lay, false, NULL, err);
}

nq_status ox_op_softmax(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  bool logsm = !strcmp(n->op_type, "LogSoftmax");
  nq_op op = logsm ? NQ_OP_LOG_SOFTMAX : NQ_OP_SOFTMAX;
  ox_value *a;
  NQ_TRY(ox_input(cx, n, 0, &a, err));
  int64_t axis64;
  NQ_TRY(ox_attr_int(cx, n, "axis", cx->opset < 13 ? 1 : -1, &axis64, err));
  int axis;
  NQ_TRY(ox_axis(cx, n, axis64, a->rank, &axis, err));
  nq_op_params p = nq_op_params_default();
  int t, xt;
  if (cx->opset < 13 && axis != a->rank - 1) {
    /* Old semantics: softmax over the flattened trailing dims from axis. */
    NQ_TRY(ox_logical(cx, a, &xt, err));
    int32_t two[2] = {1, 1}, back[NQ_MAX_RANK];
    for (int k = 0; k < a->rank; k++) {
      back[k] = (int32_t)a->dims[k];
      two[k < axis ? 0 : 1] *= back[k];
    }
    char name[512];
    int r, sm;
    NQ_TRY(ox_reshape_tensor(cx, xt, 2, two, ox_name(cx, a->name, "sm2d", name, sizeof name), &r, err));
    NQ_TRY(ox_emit(cx, op, NULL, 1, &r, &p, &sm, err));
    NQ_TRY(ox_reshape_tensor(cx, sm, a->rank, back, n->output[0], &t, err));
    return finish(cx, n, t, OX_LOGICAL, !logsm, NULL, err);
  }
  /* Per-axis: direct when the axis is the IR's last (NHWC channels). */
  ox_layout cl = ox_channels_last(a);
  if (cl != OX_LOGICAL && ox_phys_axis(cl, a->rank, axis) == 3) {
    NQ_TRY(ox_emit(cx, op, n->output[0], 1, &a->t, &p, &t, err));
    return finish(cx, n, t, cl, !logsm, NULL, err);
  }
  NQ_TRY(ox_logical(cx, a, &xt, err));
  if (axis == a->rank - 1) {
    NQ_TRY(ox_emit(cx, op, n->output[0], 1, &xt, &p, &t, err));
    return finish(cx, n, t, OX_LOGICAL, !logsm, NULL, err);
  }
  int32_t perm[NQ_MAX_RANK];
  for (int k = 0; k < a->rank; k++) perm[k] = k;
  perm[axis] = a->rank - 1;
  perm[a->rank - 1] = axis;
  char name[512];
  int t1, t2;
  NQ_TRY(
      ox_transpose_tensor(cx, xt, a->rank, perm, ox_name(cx, a->name, "smT", name, sizeof name), &t1, err));
  NQ_TRY(ox_emit(cx, op, NULL, 1, &t1, &p, &t2, err));
  NQ_TRY(ox_transpose_tensor(cx, t2, a->rank, perm, n->output[0], &t, err));
  return finish(cx, n, t, OX_LOGICAL, !logsm, NULL, err);
}

nq_status ox_op_identity(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *a;
  NQ_TRY(ox_input(cx, n, 0, &a, err));
  return ox_set_alias(cx, n, 0, a, err);
}

nq_status ox_op_cast(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  int64_t to;
  NQ_TRY(ox_attr_int(cx, n, "to", OX_FLOAT, &to, err));
  ox_value *a;
  NQ_TRY(ox_input(cx, n, 0, &a, err));
  if (to == OX_FLOAT && cx->g->tensors[a->t].type == NQ_FLOAT32) return ox_set_alias(cx, n, 0, a, err);
  return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "Cast of an activation to type %lld is not supported",
                 OX_NODE_ARGS(cx, n), (long long)to);
}
