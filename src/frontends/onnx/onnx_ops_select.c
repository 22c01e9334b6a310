/*
 * ONNX ops that choose or wrap: Where (SELECT_V2), Mod (FLOOR_MOD) and If
 * with a constant condition (the taken branch is inlined).
 *
 * Where works in the NHWC layout when it selects between feature maps of a
 * conv net (a constant condition is placed in NHWC order), in the logical
 * (ONNX) one otherwise. A constant condition that is all true or all
 * false is the value it picks; all-constant operands fold on the host.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "frontends/onnx/onnx_internal.h"

/* Numpy broadcast of up to three logical shapes. */
static nq_status broadcast_dims(ox_ctx *cx, const Onnx__NodeProto *n, ox_value *const *v, int count,
                                int *rank, int64_t *dims, nq_error *err) {
  *rank = 0;
  for (int k = 0; k < count; k++)
    if (v[k]->rank > *rank) *rank = v[k]->rank;
  for (int d = 0; d < *rank; d++) {
    dims[d] = 1;
    for (int k = 0; k < count; k++) {
      int dv = d - (*rank - v[k]->rank);
      int64_t e = dv >= 0 ? v[k]->dims[dv] : 1;
      if (e == 1) continue;
      if (dims[d] != 1 && dims[d] != e)
        return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "inputs do not broadcast (dimension %d: %lld vs %lld)",
                       OX_NODE_ARGS(cx, n), d, (long long)dims[d], (long long)e);
      dims[d] = e;
    }
  }
  return NQ_OK;
}

/* Offset of output element k (row-major over dims) in value v (broadcast). */
static size_t bcast_offset(const ox_value *v, int rank, const int64_t *dims, size_t k) {
  size_t off = 0, stride = 1;
  for (int d = rank - 1; d >= 0; d--) {
    int64_t i = (int64_t)(k % (size_t)dims[d]);
    k /= (size_t)dims[d];
    int dv = d - (rank - v->rank);
    if (dv < 0) continue;
    if (v->dims[dv] != 1) off += (size_t)i * stride;
    stride *= (size_t)v->dims[dv];
  }
  return off;
}

static bool same_dims(const ox_value *v, int rank, const int64_t *dims) {
  if (v->rank != rank) return false;
  for (int d = 0; d < rank; d++)
    if (v->dims[d] != dims[d]) return false;
  return true;
}

/* v as an IR tensor in layout lay (OX_LOGICAL, or OX_NHWC for an output of
 * rank 4); a constant condition becomes a bool tensor. */
static nq_status place_tensor(ox_ctx *cx, const Onnx__NodeProto *n, ox_value *v, bool as_bool, ox_layout lay,
                              const char *suffix, int *t, nq_error *err) {
  char buf[512];
  if (!v->is_const) {
    NQ_TRY(lay == OX_NHWC ? ox_nhwc(cx, v, t, err) : ox_logical(cx, v, t, err));
    if (as_bool && cx->g->tensors[*t].type != NQ_BOOL)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "the condition must be bool", OX_NODE_ARGS(cx, n));
    return NQ_OK;
  }
  const char *name = ox_name(cx, n->output[0], suffix, buf, sizeof buf);
  if (!as_bool) return ox_place(cx, &v->c, name, lay == OX_NHWC ? 4 : v->rank, lay, t, err);
  /* NHWC: the condition broadcast to rank 4 [N, C, H, W] (leading 1s) and
   * stored [N, H, W, C]. */
  const int rank = lay == OX_NHWC ? 4 : v->rank;
  int32_t shape[NQ_MAX_RANK];
  int64_t ld[NQ_MAX_RANK];
  for (int d = 0; d < rank; d++) ld[d] = d < rank - v->rank ? 1 : v->dims[d - (rank - v->rank)];
  for (int d = 0; d < rank; d++) shape[d] = (int32_t)ld[d];
  if (lay == OX_NHWC) shape[1] = (int32_t)ld[2], shape[2] = (int32_t)ld[3], shape[3] = (int32_t)ld[1];
  int idx = nq_graph_add_tensor(cx->g, name, NQ_BOOL, rank, shape, err);
  if (idx < 0) return err->code;
  uint8_t *b = malloc(v->c.n ? v->c.n : 1);
  if (!b) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < v->c.n; k++) {
    size_t src = k;
    if (lay == OX_NHWC) { /* k walks [N, H, W, C]; src is the [N, C, H, W] element */
      size_t c = k % (size_t)ld[1], w = k / (size_t)ld[1] % (size_t)ld[3];
      size_t h = k / ((size_t)ld[1] * (size_t)ld[3]) % (size_t)ld[2],
             b4 = k / ((size_t)ld[1] * ld[3] * ld[2]);
      src = ((b4 * (size_t)ld[1] + c) * (size_t)ld[2] + h) * (size_t)ld[3] + w;
    }
    b[k] = ox_const_get(&v->c, src) != 0;
  }
  nq_status s = nq_tensor_copy_data(cx->g, idx, b, v->c.n, err);
  free(b);
  *t = idx;
  return s;
}

nq_status ox_op_where(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  if (n->n_input != 3)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "%zu inputs; Where takes 3", OX_NODE_ARGS(cx, n),
                   n->n_input);
  ox_value *v[3];
  for (int k = 0; k < 3; k++) NQ_TRY(ox_input(cx, n, (size_t)k, &v[k], err));
  v[0] = ox_find(cx, n->input[0]), v[1] = ox_find(cx, n->input[1]); /* the table may have moved */
  int rank;
  int64_t dims[NQ_MAX_RANK];
  NQ_TRY(broadcast_dims(cx, n, v, 3, &rank, dims, err));
  if (v[0]->is_const) {
    size_t on = 0;
    for (size_t k = 0; k < v[0]->c.n; k++) on += ox_const_get(&v[0]->c, k) != 0;
    /* An all-true / all-false condition picks one operand as it is. */
    int pick = on == v[0]->c.n ? 1 : on == 0 ? 2 : 0;
    if (pick && same_dims(v[pick], rank, dims)) return ox_set_alias(cx, n, 0, v[pick], err);
    if (v[1]->is_const && v[2]->is_const) {
      ox_const c;
      NQ_TRY(ox_const_alloc(&c, v[1]->c.is_int && v[2]->c.is_int, rank, dims, err));
      for (size_t k = 0; k < c.n; k++) {
        const ox_value *src = ox_const_get(&v[0]->c, bcast_offset(v[0], rank, dims, k)) != 0 ? v[1] : v[2];
        size_t i = bcast_offset(src, rank, dims, k);
        if (c.is_int)
          c.i[k] = ox_const_geti(&src->c, i);
        else
          c.f[k] = (float)ox_const_get(&src->c, i);
      }
      return ox_set_const(cx, n, 0, &c, err);
    }
  }
  /* NHWC when a value operand is an NHWC activation of rank 4 and the
   * output is rank 4 (a mask over a feature map): no transposes. */
  ox_layout lay =
      rank == 4 && (ox_is_nhwc4(v[1]) || ox_is_nhwc4(v[2])) && v[0]->rank <= 4 ? OX_NHWC : OX_LOGICAL;
  if (lay == OX_NHWC && !v[0]->is_const && !ox_is_nhwc4(v[0])) lay = OX_LOGICAL;
  int in[3];
  static const char *const suffix[3] = {"cond", "x", "y"};
  for (int k = 0; k < 3; k++) {
    NQ_TRY(place_tensor(cx, n, v[k], k == 0, lay, suffix[k], &in[k], err));
    for (int j = 0; j < 3; j++) v[j] = ox_find(cx, n->input[j]);
  }
  nq_dtype tx = cx->g->tensors[in[1]].type, ty = cx->g->tensors[in[2]].type;
  if (tx != ty)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "x is %s and y is %s; one type expected",
                   OX_NODE_ARGS(cx, n), nq_dtype_name(tx), nq_dtype_name(ty));
  nq_op_params p = nq_op_params_default();
  int t;
  NQ_TRY(ox_emit(cx, NQ_OP_SELECT_V2, n->output[0], 3, in, &p, &t, err));
  cx->g->tensors[t].type = tx;
  return ox_set_act(cx, n->output[0], t, lay, err);
}

/* Mod: fmod 0 (the default, integers) is the divisor's sign: FLOOR_MOD.
 * fmod 1 (C's fmod, the dividend's sign; required for floats) has no TFLite
 * op. */
nq_status ox_op_mod(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  int64_t fmod;
  NQ_TRY(ox_attr_int(cx, n, "fmod", 0, &fmod, err));
  if (fmod != 0)
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   OX_NODE_FMT
                   "fmod=1 (remainder with the dividend's sign, C fmod) has no TFLite op; only "
                   "fmod=0 (the divisor's sign, FLOOR_MOD) converts",
                   OX_NODE_ARGS(cx, n));
  if (n->n_input != 2)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "%zu inputs; Mod takes 2", OX_NODE_ARGS(cx, n),
                   n->n_input);
  ox_value *a, *b;
  NQ_TRY(ox_input(cx, n, 0, &a, err));
  NQ_TRY(ox_input(cx, n, 1, &b, err));
  a = ox_find(cx, n->input[0]);
  if (a->is_const && b->is_const) { /* index arithmetic on constants: fold */
    ox_value *v[2] = {a, b};
    int rank;
    int64_t dims[NQ_MAX_RANK];
    NQ_TRY(broadcast_dims(cx, n, v, 2, &rank, dims, err));
    ox_const c;
    NQ_TRY(ox_const_alloc(&c, a->c.is_int && b->c.is_int, rank, dims, err));
    for (size_t k = 0; k < c.n; k++) {
      double x = ox_const_get(&a->c, bcast_offset(a, rank, dims, k));
      double y = ox_const_get(&b->c, bcast_offset(b, rank, dims, k));
      double r = y != 0 ? x - y * floor(x / y) : 0;
      if (c.is_int)
        c.i[k] = (int64_t)r;
      else
        c.f[k] = (float)r;
    }
    return ox_set_const(cx, n, 0, &c, err);
  }
  int t;
  ox_layout lay;
  NQ_TRY(ox_binary(cx, n, NQ_OP_FLOOR_MOD, a, b, n->output[0], &t, &lay, err));
  /* ox_emit types its outputs float32; integer operands keep their type. */
  for (int k = cx->g->n_nodes - 1; k >= 0; k--)
    if (cx->g->nodes[k].n_out == 1 && cx->g->nodes[k].out[0] == t) {
      cx->g->tensors[t].type = cx->g->tensors[cx->g->nodes[k].in[0]].type;
      break;
    }
  return ox_set_act(cx, n->output[0], t, lay == OX_FLAT_NHWC ? OX_LOGICAL : lay, err);
}

/* If with a constant condition (exporters leave them where a shape test was
 * folded): the taken branch's nodes are translated in place, its outputs
 * become the If's outputs. A condition computed at run time is refused. */
nq_status ox_op_if(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *c;
  if (n->n_input != 1)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "%zu inputs; If takes 1", OX_NODE_ARGS(cx, n), n->n_input);
  NQ_TRY(ox_input(cx, n, 0, &c, err));
  if (!c->is_const || c->c.n != 1)
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   OX_NODE_FMT
                   "the condition is computed at run time (control flow): only an If whose "
                   "condition is a constant (after folding) converts",
                   OX_NODE_ARGS(cx, n));
  const char *which = ox_const_get(&c->c, 0) != 0 ? "then_branch" : "else_branch";
  const Onnx__AttributeProto *a = ox_attr(n, which);
  if (!a || !a->g || (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH))
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "no graph attribute '%s'", OX_NODE_ARGS(cx, n), which);
  const Onnx__GraphProto *b = a->g;
  if (b->n_output != n->n_output)
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "%s has %zu outputs, the If %zu", OX_NODE_ARGS(cx, n),
                   which, b->n_output, n->n_output);
  NQ_TRY(ox_translate_branch(cx, b, err));
  cx->node = n;
  for (size_t k = 0; k < n->n_output; k++) {
    ox_value *v = ox_find(cx, b->output[k]->name);
    if (!v)
      return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "%s output '%s' is not produced by the branch",
                     OX_NODE_ARGS(cx, n), which, b->output[k]->name);
    NQ_TRY(ox_set_alias(cx, n, k, v, err));
  }
  return NQ_OK;
}
