/*
 * The ONNX value table (name -> constant or IR tensor with its layout) and
 * the layout conversions between NCHW (ONNX's logical order) and NHWC (the
 * IR's). Conversions are emitted on first use and cached on the value, so a
 * value needed in both orders is transposed once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/status.h"
#include "frontends/onnx/onnx_internal.h"
#include "ir/shape.h"

static size_t hash_name(const char *s) {
  size_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

ox_value *ox_find(ox_ctx *cx, const char *name) {
  if (!cx->hash_cap || !name) return NULL;
  size_t h = hash_name(name) & (cx->hash_cap - 1);
  for (;;) {
    int k = cx->hash[h];
    if (k < 0) return NULL;
    if (!strcmp(cx->vals[k].name, name)) return &cx->vals[k];
    h = (h + 1) & (cx->hash_cap - 1);
  }
}

static nq_status rehash(ox_ctx *cx, nq_error *err) {
  size_t cap = cx->hash_cap ? cx->hash_cap * 2 : 1024;
  int *h = malloc(cap * sizeof *h);
  if (!h) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the ONNX value table");
  for (size_t k = 0; k < cap; k++) h[k] = -1;
  for (int v = 0; v < cx->n_vals; v++) {
    size_t p = hash_name(cx->vals[v].name) & (cap - 1);
    while (h[p] >= 0) p = (p + 1) & (cap - 1);
    h[p] = v;
  }
  free(cx->hash);
  cx->hash = h;
  cx->hash_cap = cap;
  return NQ_OK;
}

/* A new value named `name`; a later definition of the same name replaces
 * the earlier one in lookups (ONNX is SSA, but be lenient with duplicates). */
static nq_status new_value(ox_ctx *cx, const char *name, ox_value **out, nq_error *err) {
  if (!name || !name[0]) return nq_fail(err, NQ_ERR_FORMAT, "%s: a value has an empty name", cx->path);
  if (cx->n_vals >= OX_MAX_VALUES)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: more than %d values", cx->path, OX_MAX_VALUES);
  if ((size_t)(cx->n_vals + 1) * 2 > cx->hash_cap) NQ_TRY(rehash(cx, err));
  if (cx->n_vals == cx->cap_vals) {
    int cap = cx->cap_vals ? cx->cap_vals * 2 : 256;
    ox_value *v = realloc(cx->vals, (size_t)cap * sizeof *v);
    if (!v) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the ONNX value table");
    cx->vals = v;
    cx->cap_vals = cap;
  }
  ox_value *v = &cx->vals[cx->n_vals];
  memset(v, 0, sizeof *v);
  size_t len = strlen(name) + 1;
  if (!(v->name = malloc(len))) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  memcpy(v->name, name, len);
  v->t = v->t_logical = v->t_nhwc = -1;
  v->producer = cx->node;
  /* Insert into the hash, replacing an older entry of the same name. */
  size_t h = hash_name(name) & (cx->hash_cap - 1);
  while (cx->hash[h] >= 0 && strcmp(cx->vals[cx->hash[h]].name, name)) h = (h + 1) & (cx->hash_cap - 1);
  cx->hash[h] = cx->n_vals++;
  *out = v;
  return NQ_OK;
}

nq_status ox_input(ox_ctx *cx, const Onnx__NodeProto *n, size_t k, ox_value **out, nq_error *err) {
  *out = NULL;
  if (k >= n->n_input || !n->input[k][0])
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "input %zu is missing", OX_NODE_ARGS(cx, n), k);
  ox_value *v = ox_find(cx, n->input[k]);
  if (!v)
    return nq_fail(err, NQ_ERR_FORMAT,
                   OX_NODE_FMT "input '%s' is not a graph input, initializer or earlier output",
                   OX_NODE_ARGS(cx, n), n->input[k]);
  *out = v;
  return NQ_OK;
}

ox_value *ox_opt_input(ox_ctx *cx, const Onnx__NodeProto *n, size_t k) {
  if (k >= n->n_input || !n->input[k][0]) return NULL;
  return ox_find(cx, n->input[k]);
}

nq_status ox_set_const(ox_ctx *cx, const Onnx__NodeProto *n, size_t k, ox_const *c, nq_error *err) {
  if (k >= n->n_output || !n->output[k][0]) {
    ox_const_free(c);
    return NQ_OK;
  }
  ox_value *v;
  nq_status s = new_value(cx, n->output[k], &v, err);
  if (s != NQ_OK) {
    ox_const_free(c);
    return s;
  }
  v->is_const = true;
  v->c = *c;
  v->rank = c->rank;
  memcpy(v->dims, c->dims, sizeof v->dims);
  memset(c, 0, sizeof *c);
  return NQ_OK;
}

nq_status ox_set_act(ox_ctx *cx, const char *name, int t, ox_layout lay, nq_error *err) {
  ox_value *v;
  NQ_TRY(new_value(cx, name, &v, err));
  const nq_tensor *x = &cx->g->tensors[t];
  v->t = t;
  v->lay = lay;
  v->rank = x->rank;
  for (int k = 0; k < x->rank; k++) v->dims[k] = x->shape[k];
  if (lay == OX_NHWC) {
    if (x->rank != 4 && x->rank != 5)
      return nq_fail(err, NQ_ERR_INTERNAL, "%s: value '%s': NHWC layout needs rank 4 or 5", cx->path, name);
    for (int k = 0; k < x->rank; k++) v->dims[k] = x->shape[ox_phys_axis(OX_NHWC, x->rank, k)];
  }
  if (lay == OX_N1LC) {
    if (x->rank != 4 || x->shape[1] != 1)
      return nq_fail(err, NQ_ERR_INTERNAL, "%s: value '%s': N1LC layout needs a [N, 1, L, C] tensor",
                     cx->path, name);
    v->rank = 3;
    v->dims[1] = x->shape[3];
    v->dims[2] = x->shape[2];
    v->dims[3] = 0;
    v->t_nhwc = t;
  }
  if (lay == OX_NHWC && x->rank == 4) v->t_nhwc = t;
  if (lay == OX_LOGICAL) v->t_logical = t;
  return NQ_OK;
}

nq_status ox_set_alias(ox_ctx *cx, const Onnx__NodeProto *n, size_t k, const ox_value *src, nq_error *err) {
  if (k >= n->n_output || !n->output[k][0]) return NQ_OK;
  ox_value copy = *src; /* src may move when the table grows */
  ox_value *v;
  if (copy.is_const) {
    ox_const c;
    NQ_TRY(ox_const_alloc(&c, copy.c.is_int, copy.c.rank, copy.c.dims, err));
    if (c.is_int)
      memcpy(c.i, copy.c.i, c.n * sizeof *c.i);
    else
      memcpy(c.f, copy.c.f, c.n * sizeof *c.f);
    return ox_set_const(cx, n, k, &c, err);
  }
  NQ_TRY(new_value(cx, n->output[k], &v, err));
  char *name = v->name;
  *v = copy;
  v->name = name;
  memset(&v->c, 0, sizeof v->c);
  return NQ_OK;
}

const char *ox_name(ox_ctx *cx, const char *base, const char *suffix, char *buf, size_t cap) {
  snprintf(buf, cap, "%.400s/%s%d", base && base[0] ? base : "onnx", suffix, cx->uniq++);
  return buf;
}

nq_status ox_emit(ox_ctx *cx, nq_op op, const char *out_name, int n_in, const int *in, const nq_op_params *p,
                  int *out_t, nq_error *err) {
  char buf[512];
  const char *nname = cx->node && cx->node->name && cx->node->name[0] ? cx->node->name
                      : cx->node && cx->node->n_output                ? cx->node->output[0]
                                                                      : "onnx";
  if (!out_name) out_name = ox_name(cx, nname, nq_op_name(op), buf, sizeof buf);
  int t = nq_graph_add_tensor(cx->g, out_name, NQ_FLOAT32, 0, NULL, err);
  if (t < 0) return err->code;
  /* Integer-valued ops keep their input's type. */
  if ((op == NQ_OP_RESHAPE || op == NQ_OP_TRANSPOSE || op == NQ_OP_GATHER || op == NQ_OP_SQUEEZE ||
       op == NQ_OP_CONCATENATION || op == NQ_OP_SLICE || op == NQ_OP_STRIDED_SLICE) &&
      n_in > 0 && in[0] >= 0)
    cx->g->tensors[t].type = cx->g->tensors[in[0]].type;
  if (nq_op_gives_bool(op)) cx->g->tensors[t].type = NQ_BOOL;
  int node = nq_graph_add_node(cx->g, op, nname, n_in, in, 1, &t, p, err);
  if (node < 0) return err->code;
  nq_status s = nq_infer_node_shapes(cx->g, node, true, err);
  if (s != NQ_OK) {
    if (cx->node) return nq_prefix(err, OX_NODE_FMT, OX_NODE_ARGS(cx, cx->node));
    return nq_prefix(err, "%s: ", cx->path);
  }
  *out_t = t;
  return NQ_OK;
}

static nq_status add_const(ox_ctx *cx, const char *name, nq_dtype type, int rank, const int32_t *shape,
                           const void *data, size_t esize, int *t, nq_error *err) {
  int idx = nq_graph_add_tensor(cx->g, name, type, rank, shape, err);
  if (idx < 0) return err->code;
  size_t n;
  if (!nq_shape_elems(shape, rank, NQ_MAX_TENSOR_ELEMS, &n))
    return nq_fail(err, NQ_ERR_NOMEM, "%s: constant '%s' is too large", cx->path, name);
  NQ_TRY(nq_tensor_copy_data(cx->g, idx, data, n * esize, err));
  *t = idx;
  return NQ_OK;
}

nq_status ox_const_f32(ox_ctx *cx, const char *name, int rank, const int32_t *shape, const float *data,
                       int *t, nq_error *err) {
  return add_const(cx, name, NQ_FLOAT32, rank, shape, data, sizeof(float), t, err);
}

nq_status ox_const_i32(ox_ctx *cx, const char *name, int rank, const int32_t *shape, const int32_t *data,
                       int *t, nq_error *err) {
  return add_const(cx, name, NQ_INT32, rank, shape, data, sizeof(int32_t), t, err);
}

/* Place constant v in the IR, permuted by perm (perm[i] = logical axis of
 * IR axis i), as float32 or int32. */
static nq_status place_const(ox_ctx *cx, ox_value *v, const int *perm, const char *suffix, int *t,
                             nq_error *err) {
  const ox_const *c = &v->c;
  int32_t shape[NQ_MAX_RANK];
  size_t lstride[NQ_MAX_RANK];
  size_t s = 1;
  for (int k = c->rank - 1; k >= 0; k--) {
    lstride[k] = s;
    s *= (size_t)c->dims[k];
  }
  for (int k = 0; k < c->rank; k++) shape[k] = (int32_t)c->dims[perm[k]];
  void *buf = malloc((c->n ? c->n : 1) * 4);
  if (!buf) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  size_t idx[NQ_MAX_RANK] = {0};
  for (size_t o = 0; o < c->n; o++) {
    size_t src = 0;
    for (int k = 0; k < c->rank; k++) src += idx[k] * lstride[perm[k]];
    if (c->is_int) {
      int64_t x = c->i[src];
      ((int32_t *)buf)[o] = x > INT32_MAX ? INT32_MAX : x < INT32_MIN ? INT32_MIN : (int32_t)x;
    } else {
      ((float *)buf)[o] = c->f[src];
    }
    for (int k = c->rank - 1; k >= 0; k--) {
      if (++idx[k] < (size_t)shape[k]) break;
      idx[k] = 0;
    }
  }
  char name[512];
  snprintf(name, sizeof name, "%.400s%.60s", v->name, suffix);
  nq_status st = c->is_int ? ox_const_i32(cx, name, c->rank, shape, buf, t, err)
                           : ox_const_f32(cx, name, c->rank, shape, buf, t, err);
  free(buf);
  return st;
}

static nq_status transpose(ox_ctx *cx, int in, const int32_t *perm, const char *name, int *out,
                           nq_error *err) {
  char pn[512];
  int32_t four = 4;
  int pt = -1;
  snprintf(pn, sizeof pn, "%.400s/perm", name);
  NQ_TRY(ox_const_i32(cx, pn, 1, &four, perm, &pt, err));
  int ins[2] = {in, pt};
  nq_op_params p = nq_op_params_default();
  return ox_emit(cx, NQ_OP_TRANSPOSE, name, 2, ins, &p, out, err);
}

static nq_status reshape(ox_ctx *cx, int in, int rank, const int32_t *shape, const char *name, int *out,
                         nq_error *err) {
  char sn[512];
  int32_t r = rank;
  int st;
  snprintf(sn, sizeof sn, "%.400s/shape", name);
  NQ_TRY(ox_const_i32(cx, sn, 1, &r, shape, &st, err));
  int ins[2] = {in, st};
  nq_op_params p = nq_op_params_default();
  p.new_shape_rank = rank;
  for (int k = 0; k < rank; k++) p.new_shape[k] = shape[k];
  return ox_emit(cx, NQ_OP_RESHAPE, name, 2, ins, &p, out, err);
}

nq_status ox_reshape_tensor(ox_ctx *cx, int in, int rank, const int32_t *shape, const char *name, int *out,
                            nq_error *err) {
  return reshape(cx, in, rank, shape, name, out, err);
}

nq_status ox_transpose_tensor(ox_ctx *cx, int in, int rank, const int32_t *perm, const char *name, int *out,
                              nq_error *err) {
  char pn[512];
  int32_t r = rank;
  int pt = -1;
  snprintf(pn, sizeof pn, "%.400s/perm", name);
  NQ_TRY(ox_const_i32(cx, pn, 1, &r, perm, &pt, err));
  int ins[2] = {in, pt};
  nq_op_params p = nq_op_params_default();
  return ox_emit(cx, NQ_OP_TRANSPOSE, name, 2, ins, &p, out, err);
}

nq_status ox_logical(ox_ctx *cx, ox_value *v, int *t, nq_error *err) {
  if (v->t_logical >= 0) {
    *t = v->t_logical;
    return NQ_OK;
  }
  char name[512];
  int out;
  if (v->is_const) {
    int perm[NQ_MAX_RANK] = {0, 1, 2, 3, 4, 5};
    NQ_TRY(place_const(cx, v, perm, "", &out, err));
  } else if (v->lay == OX_NHWC && v->rank == 5) {
    static const int32_t to_logical[5] = {0, 3, 4, 1, 2};
    snprintf(name, sizeof name, "%.400s/logical", v->name);
    NQ_TRY(ox_transpose_tensor(cx, v->t, 5, to_logical, name, &out, err));
  } else if (v->lay == OX_NHWC) {
    static const int32_t to_nchw[4] = {0, 3, 1, 2};
    snprintf(name, sizeof name, "%.400s/nchw", v->name);
    if (v->dims[1] == 1 || v->dims[2] * v->dims[3] == 1) { /* same memory order: a reshape */
      int32_t shape[4] = {(int32_t)v->dims[0], (int32_t)v->dims[1], (int32_t)v->dims[2], (int32_t)v->dims[3]};
      NQ_TRY(reshape(cx, v->t, 4, shape, name, &out, err));
    } else {
      NQ_TRY(transpose(cx, v->t, to_nchw, name, &out, err));
    }
  } else if (v->lay == OX_N1LC) {
    /* [N, 1, L, C] -> [N, L, C] (same memory) -> [N, C, L]; one reshape
     * when C or L is 1. */
    int32_t N = (int32_t)v->dims[0], C = (int32_t)v->dims[1], L = (int32_t)v->dims[2];
    int32_t ncl[3] = {N, C, L}, nlc[3] = {N, L, C};
    static const int32_t swap[3] = {0, 2, 1};
    snprintf(name, sizeof name, "%.400s/ncl", v->name);
    if (C == 1 || L == 1) {
      NQ_TRY(reshape(cx, v->t, 3, ncl, name, &out, err));
    } else {
      char nn[512];
      int a;
      snprintf(nn, sizeof nn, "%.400s/nlc", v->name);
      NQ_TRY(reshape(cx, v->t, 3, nlc, nn, &a, err));
      NQ_TRY(ox_transpose_tensor(cx, a, 3, swap, name, &out, err));
    }
  } else if (v->lay == OX_FLAT_NHWC) {
    int32_t nhwc[4] = {(int32_t)v->dims[0], v->fh, v->fw, v->fc};
    int32_t flat[2] = {(int32_t)v->dims[0], (int32_t)v->dims[1]};
    static const int32_t to_nchw[4] = {0, 3, 1, 2};
    int a, b;
    snprintf(name, sizeof name, "%.400s/unflat", v->name);
    NQ_TRY(reshape(cx, v->t, 4, nhwc, name, &a, err));
    snprintf(name, sizeof name, "%.400s/nchw", v->name);
    NQ_TRY(transpose(cx, a, to_nchw, name, &b, err));
    snprintf(name, sizeof name, "%.400s/flat_nchw", v->name);
    NQ_TRY(reshape(cx, b, 2, flat, name, &out, err));
  } else {
    out = v->t;
  }
  v->t_logical = out;
  *t = out;
  return NQ_OK;
}

/* A rank-3 [N, C, L] value as [N, 1, L, C]: from logical order a TRANSPOSE
 * to [N, L, C] and a RESHAPE (only the reshape when C or L is 1). */
static nq_status to_n1lc(ox_ctx *cx, ox_value *v, int *t, nq_error *err) {
  char name[512];
  int out;
  snprintf(name, sizeof name, "%.400s/n1lc", v->name);
  if (v->is_const) {
    NQ_TRY(ox_place(cx, &v->c, name, 3, OX_N1LC, &out, err));
  } else {
    int lt;
    NQ_TRY(ox_logical(cx, v, &lt, err));
    int32_t N = (int32_t)v->dims[0], C = (int32_t)v->dims[1], L = (int32_t)v->dims[2];
    int32_t n1lc[4] = {N, 1, L, C};
    if (C != 1 && L != 1) {
      static const int32_t swap[3] = {0, 2, 1};
      char tn[512];
      snprintf(tn, sizeof tn, "%.400s/nlc", v->name);
      NQ_TRY(ox_transpose_tensor(cx, lt, 3, swap, tn, &lt, err));
    }
    NQ_TRY(reshape(cx, lt, 4, n1lc, name, &out, err));
  }
  v->t_nhwc = out;
  *t = out;
  return NQ_OK;
}

nq_status ox_nhwc(ox_ctx *cx, ox_value *v, int *t, nq_error *err) {
  if (v->t_nhwc >= 0) {
    *t = v->t_nhwc;
    return NQ_OK;
  }
  if (v->rank == 3) return to_n1lc(cx, v, t, err);
  if (v->rank != 4)
    return nq_fail(err, NQ_ERR_SHAPE,
                   "%s: value '%s' has rank %d where a 4-D NCHW (or 3-D NCL) tensor is needed", cx->path,
                   v->name, v->rank);
  int out;
  if (v->is_const) {
    int perm[4] = {0, 2, 3, 1};
    NQ_TRY(place_const(cx, v, perm, "/nhwc", &out, err));
  } else {
    int lt;
    NQ_TRY(ox_logical(cx, v, &lt, err));
    static const int32_t to_nhwc[4] = {0, 2, 3, 1};
    char name[512];
    snprintf(name, sizeof name, "%.400s/nhwc", v->name);
    if (v->dims[1] == 1 || v->dims[2] * v->dims[3] == 1) { /* same memory order: a reshape */
      int32_t shape[4] = {(int32_t)v->dims[0], (int32_t)v->dims[2], (int32_t)v->dims[3], (int32_t)v->dims[1]};
      NQ_TRY(reshape(cx, lt, 4, shape, name, &out, err));
    } else {
      NQ_TRY(transpose(cx, lt, to_nhwc, name, &out, err));
    }
  }
  v->t_nhwc = out;
  *t = out;
  return NQ_OK;
}

int ox_phys_axis(ox_layout lay, int rank, int axis) {
  if (lay == OX_NHWC && rank == 4) {
    static const int map[4] = {0, 3, 1, 2};
    return map[axis];
  }
  if (lay == OX_N1LC && rank == 3) {
    static const int map[3] = {0, 3, 2};
    return map[axis];
  }
  if (lay == OX_NHWC && rank == 5) {
    static const int map[5] = {0, 3, 4, 1, 2};
    return map[axis];
  }
  return axis;
}

nq_status ox_axis(ox_ctx *cx, const Onnx__NodeProto *n, int64_t axis, int rank, int *out, nq_error *err) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= (rank ? rank : 1))
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "axis %lld is out of range for rank %d",
                   OX_NODE_ARGS(cx, n), (long long)axis, rank);
  *out = (int)a;
  return NQ_OK;
}
