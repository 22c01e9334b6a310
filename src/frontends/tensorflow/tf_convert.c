/*
 * TensorFlow graph -> nq graph with TFLite semantics.
 *
 * Starting from the requested outputs, nodes are converted after their
 * inputs (iterative depth-first walk, so hostile graph depth cannot exhaust
 * the stack; cycles are an error). Every TF output maps to an nq tensor;
 * Identity-like ops and inlined-function aliases just forward tensors.
 * Shapes are inferred node by node (nq_infer_node_shapes) so that Shape ops
 * and the StridedSlice/Pack/Cast/... chains built on them fold into
 * constants right away (tf_fold.c).
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

static nq_status convert_node(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  const tf_op_entry *e = tf_find_op(n->op);
  if (!e)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: node '%.200s' (%.60s): op not supported by npuquant",
                   c->file, n->name, n->op);
  return e->translate(c, ni, e, err);
}

/* ---- inputs ---- */

/* Find "NAME:AxBxC" for input `name` (or a bare "AxBxC" with one input). */
static nq_status user_shape(tf_cv *c, const char *name, const char *key, int *rank, int64_t *dims,
                            bool *found, nq_error *err) {
  *found = false;
  const char *s = c->opts ? c->opts->input_shapes : NULL;
  if (!s || !*s) return NQ_OK;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *colon = strrchr(tok, ':'), *spec = tok;
    if (colon) {
      *colon = 0;
      spec = colon + 1;
      if (strcmp(tok, name) != 0 && !(key && strcmp(tok, key) == 0)) continue;
    } else if (c->io->n_in != 1) {
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "%s: input shape '%s' needs an input name (the model has %d inputs)", c->file, tok,
                     c->io->n_in);
    }
    int r = 0;
    if (strcmp(spec, "scalar") == 0) { /* rank 0 */
      *rank = 0;
      *found = true;
      continue;
    }
    for (char *p = spec; *p && r <= NQ_MAX_RANK;) {
      char *end;
      long v = strtol(p, &end, 10);
      if (end == p || v < 1 || v > INT32_MAX || (*end && *end != 'x'))
        return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: input shape '%s' is not like 1x224x224x3", c->file,
                       spec);
      if (r < NQ_MAX_RANK) dims[r] = v;
      r++;
      p = *end ? end + 1 : end;
    }
    if (r < 1 || r > NQ_MAX_RANK)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: input shape '%s': bad rank", c->file, spec);
    *rank = r;
    *found = true;
  }
  return NQ_OK;
}

static nq_status make_input(tf_cv *c, int idx, int *tensor, nq_error *err) {
  int ni, k;
  if (!tf_flat_ref(c->f, c->io->in[idx], &ni, &k))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: input '%s' names no node", c->file, c->io->in[idx]);
  const tf_node *n = &c->f->nodes[ni];
  nq_dtype t;
  int dt = tfc_attr_type(n, "dtype", tfc_attr_type(n, "T", TF_DT_FLOAT));
  if (!tf_dtype_to_nq(dt, &t))
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "input type %d not supported", dt);
  int rank = -1;
  int64_t dims[NQ_MAX_RANK];
  const Nqtf__AttrValue *a = tf_attr(n, "shape");
  const Nqtf__AttrValue *cv_ = tf_attr(n, "value"); /* a Const cut into an input */
  if (strcmp(n->op, "Const") == 0 && cv_ && cv_->value_case == NQTF__ATTR_VALUE__VALUE_TENSOR &&
      cv_->tensor && !tf_shape_of(cv_->tensor->tensor_shape, &rank, dims))
    rank = -1;
  if (rank < 0 && a && a->value_case == NQTF__ATTR_VALUE__VALUE_SHAPE && !tf_shape_of(a->shape, &rank, dims))
    rank = -1;
  if (rank < 0) {
    a = tf_attr(n, "_output_shapes");
    if (a && a->value_case == NQTF__ATTR_VALUE__VALUE_LIST && a->list && a->list->n_shape > (size_t)k &&
        !tf_shape_of(a->list->shape[k], &rank, dims))
      rank = -1;
  }
  bool found;
  NQ_TRY(user_shape(c, n->name, c->io->in_names ? c->io->in_names[idx] : NULL, &rank, dims, &found, err));
  if (rank < 0)
    return tfc_fail(c, ni, NQ_ERR_INVALID_ARG, err,
                    "the input's rank is unknown: give it with --input-shape");
  int32_t s[NQ_MAX_RANK];
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0 && i == 0) dims[i] = 1; /* unknown batch: 1 */
    if (dims[i] < 0 || dims[i] > INT32_MAX)
      return tfc_fail(c, ni, NQ_ERR_INVALID_ARG, err,
                      "dimension %d of the input is unknown: give it with --input-shape", i);
    s[i] = (int32_t)dims[i];
  }
  char nm[600];
  if (k)
    snprintf(nm, sizeof nm, "%s:%d", n->name, k);
  else
    snprintf(nm, sizeof nm, "%s", n->name);
  int ti = nq_graph_add_tensor(c->g, nm, t, rank, s, err);
  if (ti < 0) return err->code;
  int cnt = k + 1, vals[NQ_MAX_RANK + 64];
  if (cnt > (int)(sizeof vals / sizeof vals[0]))
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "input output index %d", k);
  for (int i = 0; i < cnt; i++) vals[i] = i == k ? ti : -1;
  NQ_TRY(tfc_set_vals(c, ni, cnt, vals, err));
  c->state[ni] = 2;
  *tensor = ti;
  return NQ_OK;
}

/* ---- the walk ---- */

static nq_status walk(tf_cv *c, int root, nq_error *err) {
  if (c->state[root] == 2) return NQ_OK;
  int cap = 64, sp = 0;
  int *stack = malloc(sizeof(int) * (size_t)cap);
  if (!stack) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  stack[sp++] = root;
  c->state[root] = 1;
  nq_status st = NQ_OK;
  while (sp > 0 && st == NQ_OK) {
    int ni = stack[sp - 1], next = -1;
    const tf_node *n = &c->f->nodes[ni];
    for (int i = 0; i < n->n_in; i++) {
      int src, k;
      if (!tf_flat_ref(c->f, n->in[i], &src, &k)) {
        st = tfc_fail(c, ni, NQ_ERR_FORMAT, err, "input '%.200s' names no node", n->in[i]);
        break;
      }
      if (c->state[src] == 2) continue;
      if (c->state[src] == 1) {
        st = tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err,
                      "the graph has a cycle through '%.200s' (control flow loops are not supported)",
                      c->f->nodes[src].name);
        break;
      }
      next = src;
      break;
    }
    if (st != NQ_OK) break;
    if (next >= 0) {
      if (sp == cap) {
        int *ns = realloc(stack, sizeof(int) * (size_t)cap * 2);
        if (!ns) {
          st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
          break;
        }
        stack = ns;
        cap *= 2;
      }
      c->state[next] = 1;
      stack[sp++] = next;
      continue;
    }
    st = convert_node(c, ni, err);
    c->state[ni] = 2;
    sp--;
  }
  free(stack);
  return st;
}

nq_status tf_convert(const tf_flat *f, const tf_io *io, const nq_load_options *opts, tf_var_fn var_fn,
                     void *var_ctx, nq_graph *g, nq_error *err) {
  tf_cv c = {f, io, opts, var_fn, var_ctx, g, g->source ? g->source : "?", NULL, NULL, NULL, NULL, NULL, 0};
  nq_status st = NQ_OK;
  int *ins = NULL, *outs = NULL;
  c.vals = calloc((size_t)f->n + 1, sizeof *c.vals);
  c.nvals = calloc((size_t)f->n + 1, sizeof *c.nvals);
  c.state = calloc((size_t)f->n + 1, 1);
  c.nhwc = calloc((size_t)f->n + 1, sizeof *c.nhwc);
  ins = calloc((size_t)io->n_in + 1, sizeof *ins);
  outs = calloc((size_t)io->n_out + 1, sizeof *outs);
  if (!c.vals || !c.nvals || !c.state || !c.nhwc || !ins || !outs) {
    st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c.file);
    goto done;
  }
  for (int i = 0; i < io->n_in && st == NQ_OK; i++) st = make_input(&c, i, &ins[i], err);
  for (int i = 0; i < io->n_out && st == NQ_OK; i++) {
    int ni, k;
    if (!tf_flat_ref(f, io->out[i], &ni, &k)) {
      st = nq_fail(err, NQ_ERR_INVALID_ARG, "%s: output '%s' names no node", c.file, io->out[i]);
      break;
    }
    st = walk(&c, ni, err);
    if (st != NQ_OK) break;
    /* An NCHW value leaves the graph in TF's layout (a boundary transpose). */
    if (k >= c.nvals[ni] || tfc_value(&c, ni, k, &outs[i], err) != NQ_OK) {
      st = nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: output '%s' has no value", c.file, io->out[i]);
      break;
    }
    if (g->tensors[outs[i]].data)
      st = nq_fail(err, NQ_ERR_UNSUPPORTED,
                   "%s: output '%s' is a constant (it does not depend on the inputs)", c.file, io->out[i]);
  }
  if (st == NQ_OK) st = nq_graph_set_io(g, io->n_in, ins, io->n_out, outs, err);
done:
  if (c.vals)
    for (int i = 0; i < f->n; i++) free(c.vals[i]);
  if (c.nhwc)
    for (int i = 0; i < f->n; i++) free(c.nhwc[i]);
  free(c.vals);
  free(c.nhwc);
  free(c.twin);
  free(c.nvals);
  free(c.state);
  free(ins);
  free(outs);
  return st;
}
