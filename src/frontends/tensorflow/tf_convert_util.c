/* Helpers of the TensorFlow converter: values, attributes, emitting nodes. */
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

/* Fail with "<file>: node '<name>' (<op>): <message>". */
nq_status tfc_fail(tf_cv *c, int ni, nq_status code, nq_error *err, const char *fmt, ...) {
  char msg[700];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return nq_fail(err, code, "%s: node '%.200s' (%.60s): %s", c->file, c->f->nodes[ni].name,
                 c->f->nodes[ni].op, msg);
}

nq_status tfc_set_vals(tf_cv *c, int ni, int n, const int *t, nq_error *err) {
  size_t cnt = (size_t)(n > 0 ? n : 1);
  int *v = malloc(sizeof(int) * cnt), *h = malloc(sizeof(int) * cnt);
  if (!v || !h) {
    free(v);
    free(h);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  }
  for (int i = 0; i < n; i++) v[i] = t[i], h[i] = -1;
  free(c->vals[ni]);
  free(c->nhwc[ni]);
  c->vals[ni] = v;
  c->nhwc[ni] = h;
  c->nvals[ni] = n;
  return NQ_OK;
}

nq_status tfc_set_val(tf_cv *c, int ni, int t, nq_error *err) { return tfc_set_vals(c, ni, 1, &t, err); }

/* The nq tensor of input i of node ni (converted already), logical form. */
nq_status tfc_in(tf_cv *c, int ni, int i, int *t, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int src, k;
  *t = -1;
  if (i >= n->n_in)
    return tfc_fail(c, ni, NQ_ERR_FORMAT, err, "expected at least %d inputs, has %d", i + 1, n->n_in);
  if (!tf_flat_ref(c->f, n->in[i], &src, &k))
    return tfc_fail(c, ni, NQ_ERR_FORMAT, err, "input '%.200s' names no node", n->in[i]);
  if (k >= c->nvals[src] || (c->vals[src][k] < 0 && c->nhwc[src][k] < 0))
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err,
                    "input '%.200s': output %d of node '%.200s' (%s) is not available", n->in[i], k,
                    c->f->nodes[src].name, c->f->nodes[src].op);
  return tfc_value(c, src, k, t, err);
}

bool tfc_is_const(tf_cv *c, int t) { return c->g->tensors[t].data != NULL; }

nq_status tfc_const_in(tf_cv *c, int ni, int i, int *t, nq_error *err) {
  NQ_TRY(tfc_in(c, ni, i, t, err));
  if (!tfc_is_const(c, *t)) return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "input %d must be a constant", i);
  return NQ_OK;
}

/* ---- attributes ---- */

int64_t tfc_attr_i(const tf_node *n, const char *name, int64_t def) {
  const Nqtf__AttrValue *a = tf_attr(n, name);
  return a && a->value_case == NQTF__ATTR_VALUE__VALUE_I ? a->i : def;
}
float tfc_attr_f(const tf_node *n, const char *name, float def) {
  const Nqtf__AttrValue *a = tf_attr(n, name);
  return a && a->value_case == NQTF__ATTR_VALUE__VALUE_F ? a->f : def;
}
bool tfc_attr_b(const tf_node *n, const char *name, bool def) {
  const Nqtf__AttrValue *a = tf_attr(n, name);
  return a && a->value_case == NQTF__ATTR_VALUE__VALUE_B ? a->b != 0 : def;
}
int tfc_attr_type(const tf_node *n, const char *name, int def) {
  const Nqtf__AttrValue *a = tf_attr(n, name);
  return a && a->value_case == NQTF__ATTR_VALUE__VALUE_TYPE ? a->type : def;
}
bool tfc_attr_s_is(const tf_node *n, const char *name, const char *want) {
  const Nqtf__AttrValue *a = tf_attr(n, name);
  size_t l = strlen(want);
  return a && a->value_case == NQTF__ATTR_VALUE__VALUE_S && a->s.len == l && memcmp(a->s.data, want, l) == 0;
}
/* Integer list attribute; returns its length (-1 if absent), fills up to max. */
int tfc_attr_ints(const tf_node *n, const char *name, int64_t *out, int max) {
  const Nqtf__AttrValue *a = tf_attr(n, name);
  if (!a || a->value_case != NQTF__ATTR_VALUE__VALUE_LIST || !a->list) return -1;
  for (size_t i = 0; i < a->list->n_i && (int)i < max; i++) out[i] = a->list->i[i];
  return a->list->n_i > (size_t)max ? max + 1 : (int)a->list->n_i;
}

nq_status tfc_data_format(tf_cv *c, int ni, bool *nchw, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  *nchw = false;
  if (!tf_attr(n, "data_format") || tfc_attr_s_is(n, "data_format", "NHWC")) return NQ_OK;
  if (tfc_attr_s_is(n, "data_format", "NCHW")) {
    *nchw = true;
    return NQ_OK;
  }
  return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err,
                  "data_format must be NHWC or NCHW (5-D formats are not supported)");
}

nq_status tfc_padding(tf_cv *c, int ni, nq_padding *p, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  if (tfc_attr_s_is(n, "padding", "SAME"))
    *p = NQ_PAD_SAME;
  else if (tfc_attr_s_is(n, "padding", "VALID"))
    *p = NQ_PAD_VALID;
  else
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "padding must be SAME or VALID");
  return NQ_OK;
}

/* strides/dilations/ksize: [1, h, w, 1] in NHWC, [1, 1, h, w] in NCHW (the
 * node's own data_format says which). */
nq_status tfc_hw_attr(tf_cv *c, int ni, const char *name, int *h, int *w, bool required, nq_error *err) {
  int64_t v[8];
  bool nchw;
  NQ_TRY(tfc_data_format(c, ni, &nchw, err));
  int n = tfc_attr_ints(&c->f->nodes[ni], name, v, 8);
  if (n < 0 && !required) {
    *h = *w = 1;
    return NQ_OK;
  }
  int hi = nchw ? 2 : 1, ci = nchw ? 1 : 3;
  if (n != 4 || v[0] != 1 || v[ci] != 1 || v[hi] < 1 || v[hi + 1] < 1 || v[hi] > 65535 || v[hi + 1] > 65535)
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "attribute '%s' must be %s with h, w >= 1", name,
                    nchw ? "[1, 1, h, w] (NCHW)" : "[1, h, w, 1]");
  *h = (int)v[hi];
  *w = (int)v[hi + 1];
  return NQ_OK;
}

/* ---- emitting ---- */

char *tfc_sub_name(const char *base, const char *suffix, char *buf, size_t len) {
  snprintf(buf, len, "%s%s", base, suffix);
  return buf;
}

/* Add a node with one new output tensor called `oname`; infer its shape. */
nq_status tfc_emit(tf_cv *c, int ni, nq_op op, const char *oname, nq_dtype type, int n_in, const int *in,
                   const nq_op_params *p, int *out, nq_error *err) {
  *out = -1;
  if (nq_op_gives_bool(op)) type = NQ_BOOL; /* comparisons: whatever their inputs */
  int t = nq_graph_add_tensor(c->g, oname, type, 0, NULL, err);
  if (t < 0) return err->code;
  int node = nq_graph_add_node(c->g, op, oname, n_in, in, 1, &t, p, err);
  if (node < 0) return err->code;
  nq_status st = nq_infer_node_shapes(c->g, node, true, err);
  if (st != NQ_OK)
    return nq_prefix(err, "%s: node '%s' (%s): ", c->file, c->f->nodes[ni].name, c->f->nodes[ni].op);
  *out = t;
  return NQ_OK;
}

nq_status tfc_emit_multi(tf_cv *c, int ni, nq_op op, const char *oname, nq_dtype type, int n_in,
                         const int *in, const nq_op_params *p, int n_out, int *out, nq_error *err) {
  char nm[600];
  for (int k = 0; k < n_out; k++) {
    if (k)
      snprintf(nm, sizeof nm, "%s:%d", oname, k);
    else
      snprintf(nm, sizeof nm, "%s", oname);
    if ((out[k] = nq_graph_add_tensor(c->g, nm, type, 0, NULL, err)) < 0) return err->code;
  }
  int node = nq_graph_add_node(c->g, op, oname, n_in, in, n_out, out, p, err);
  if (node < 0) return err->code;
  nq_status st = nq_infer_node_shapes(c->g, node, true, err);
  if (st != NQ_OK)
    return nq_prefix(err, "%s: node '%s' (%s): ", c->file, c->f->nodes[ni].name, c->f->nodes[ni].op);
  return NQ_OK;
}

int tfc_const_f32(tf_cv *c, const char *name, int rank, const int32_t *shape, const float *v, nq_error *err) {
  int t = nq_graph_add_tensor(c->g, name, NQ_FLOAT32, rank, shape, err);
  if (t < 0) return -1;
  size_t n = nq_tensor_elems(&c->g->tensors[t]);
  if (nq_tensor_copy_data(c->g, t, v, n * sizeof(float), err) != NQ_OK) return -1;
  return t;
}

int tfc_const_zeros(tf_cv *c, const char *name, int len, nq_error *err) {
  float *z = calloc((size_t)(len > 0 ? len : 1), sizeof *z);
  if (!z) {
    nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
    return -1;
  }
  int32_t s = len;
  int t = tfc_const_f32(c, name, 1, &s, z, err);
  free(z);
  return t;
}

/* A constant int-like tensor converted to an int32 constant (TFLite wants
 * int32 shapes, axes, paddings). */
int tfc_as_i32(tf_cv *c, int t, const char *name, nq_error *err) {
  const nq_tensor *x = &c->g->tensors[t];
  if (x->type == NQ_INT32) return t;
  size_t n = nq_tensor_elems(x);
  double *v = malloc((n ? n : 1) * sizeof *v);
  if (!v) {
    nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
    return -1;
  }
  for (size_t i = 0; i < n; i++) v[i] = tf_el_get(x, i);
  int32_t shape[NQ_MAX_RANK];
  int rank = x->rank;
  memcpy(shape, x->shape, sizeof shape);
  int r = tf_const_from_doubles(c->g, name, NQ_INT32, rank, shape, v, err);
  free(v);
  return r;
}

nq_status tfc_folded(tf_cv *c, int ni, int t, nq_error *err) {
  if (t < 0) return nq_prefix(err, "%s: node '%s' (%s): ", c->file, c->f->nodes[ni].name, c->f->nodes[ni].op);
  return tfc_set_val(c, ni, t, err);
}
