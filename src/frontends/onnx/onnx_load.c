/*
 * ONNX frontend entry points: format probe and nq_onnx_load(). Loading reads
 * the file (bounded), unpacks and validates it (onnx_proto.c), turns
 * initializers into host constants, fixes the inputs' dynamic dimensions
 * (load option input_shapes, batch defaults to 1), translates the nodes in
 * order (constant subgraphs such as exporters' Shape/Gather/Concat chains
 * are folded on the host), and converts outputs back to ONNX's order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/input_file.h"
#include "core/status.h"
#include "frontends/formats.h"
#include "frontends/onnx/onnx_internal.h"
#include "ir/shape.h"
#include "passes/passes.h"

/* ONNX ModelProto fields that may follow ir_version (field 1, varint). */
static bool model_tag(uint8_t t) {
  return t == 0x12 || t == 0x1a || t == 0x22 || t == 0x28 || t == 0x32 || t == 0x3a || t == 0x42 ||
         t == 0x72 || t == 0x7a;
}

bool nq_onnx_probe(const char *path, bool is_dir, const uint8_t *head, size_t head_len) {
  (void)path;
  if (is_dir || head_len < 4 || head[0] != 0x08) return false;
  /* ir_version 3..127 (a one-byte varint; SavedModel's schema version is 1). */
  if (head[1] < 3 || head[1] > 0x7f) return false;
  return model_tag(head[2]);
}

/* Parse "NAME:1x3x224x224,NAME2:..." (or a bare "1x3x..." for the only
 * input) for input `name`; *found false when it is not mentioned. */
static nq_status option_shape(ox_ctx *cx, const char *name, bool only_input, int64_t *dims, int *rank,
                              bool *found, nq_error *err) {
  *found = false;
  const char *s = cx->opts ? cx->opts->input_shapes : NULL;
  while (s && *s) {
    const char *end = strchr(s, ',');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    const char *colon = memchr(s, ':', len);
    /* The name may itself contain ':'; the shape is after the last one. */
    for (const char *c = colon; c && c < s + len; c = memchr(c + 1, ':', (size_t)(s + len - c - 1)))
      colon = c;
    bool match =
        colon ? ((size_t)(colon - s) == strlen(name) && !strncmp(s, name, (size_t)(colon - s))) : only_input;
    if (match) {
      const char *p = colon ? colon + 1 : s;
      int r = 0;
      if ((size_t)(s + len - p) == strlen("scalar") && !strncmp(p, "scalar", strlen("scalar"))) {
        *rank = 0; /* NAME:scalar: a rank-0 input */
        *found = true;
        return NQ_OK;
      }
      while (p < s + len) {
        char *e;
        errno = 0;
        long long v = strtoll(p, &e, 10);
        if (e == p || errno || v <= 0 || v > INT32_MAX || r >= NQ_MAX_RANK || (e < s + len && *e != 'x'))
          return nq_fail(
              err, NQ_ERR_INVALID_ARG,
              "%s: input shape option '%.*s': expected NAME:D1xD2x... with positive dimensions, or "
              "NAME:scalar",
              cx->path, (int)len, s);
        dims[r++] = v;
        p = e < s + len ? e + 1 : e;
      }
      *rank = r;
      *found = true;
      return NQ_OK;
    }
    s = end ? end + 1 : NULL;
  }
  return NQ_OK;
}

/* Every NAME:shape entry of the input shape option must name a model input
 * (a graph input that is not an initializer): a typo would otherwise be
 * ignored and surface later as "dimension is dynamic". */
static nq_status check_option_names(ox_ctx *cx, const Onnx__GraphProto *gp, nq_error *err) {
  const char *s = cx->opts ? cx->opts->input_shapes : NULL;
  while (s && *s) {
    const char *end = strchr(s, ',');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    const char *colon = NULL;
    for (const char *c = memchr(s, ':', len); c; c = memchr(c + 1, ':', (size_t)(s + len - c - 1))) colon = c;
    if (colon) {
      size_t nlen = (size_t)(colon - s);
      bool known = false;
      for (size_t k = 0; !known && k < gp->n_input; k++) {
        const char *in = gp->input[k]->name;
        known = in && !ox_find(cx, in) && strlen(in) == nlen && !strncmp(in, s, nlen);
      }
      if (!known) {
        char names[512] = "";
        size_t used = 0;
        for (size_t k = 0; k < gp->n_input && used < sizeof names; k++) {
          const char *in = gp->input[k]->name;
          if (!in || ox_find(cx, in)) continue;
          int w = snprintf(names + used, sizeof names - used, "%s'%s'", used ? ", " : "", in);
          if (w < 0) break;
          used += (size_t)w;
        }
        return nq_fail(err, NQ_ERR_INVALID_ARG,
                       "%s: input shape option names '%.*s', which is not an input of the "
                       "model; its inputs are %s",
                       cx->path, (int)nlen, s, names);
      }
      /* The same input twice: which shape was meant? (the first used to win silently) */
      for (const char *t = end ? end + 1 : NULL; t && *t;) {
        const char *tend = strchr(t, ',');
        size_t tlen = tend ? (size_t)(tend - t) : strlen(t);
        const char *tcolon = NULL;
        for (const char *c = memchr(t, ':', tlen); c; c = memchr(c + 1, ':', (size_t)(t + tlen - c - 1)))
          tcolon = c;
        if (tcolon && (size_t)(tcolon - t) == nlen && !strncmp(t, s, nlen))
          return nq_fail(err, NQ_ERR_INVALID_ARG,
                         "%s: input shape option gives input '%.*s' twice ('%.*s' and '%.*s')", cx->path,
                         (int)nlen, s, (int)len, s, (int)tlen, t);
        t = tend ? tend + 1 : NULL;
      }
    }
    s = end ? end + 1 : NULL;
  }
  return NQ_OK;
}

static nq_status add_input(ox_ctx *cx, const Onnx__ValueInfoProto *vi, bool only_input, int *out,
                           nq_error *err) {
  const Onnx__TypeProto *tp = vi->type;
  if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: input '%s' is not a tensor", cx->path, vi->name);
  const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
  nq_dtype type;
  switch (tt->elem_type) {
    case OX_FLOAT:
      type = NQ_FLOAT32;
      break;
    case OX_INT32:
      type = NQ_INT32;
      break;
    case OX_INT64:
      type = NQ_INT64;
      break;
    case OX_BOOL:
      type = NQ_BOOL;
      break;
    default:
      return nq_fail(err, NQ_ERR_UNSUPPORTED,
                     "%s: input '%s' has element type %d; float32 (or int32/int64/bool) "
                     "inputs are supported",
                     cx->path, vi->name, tt->elem_type);
  }
  int64_t dims[NQ_MAX_RANK];
  int rank = 0;
  bool found;
  NQ_TRY(option_shape(cx, vi->name, only_input, dims, &rank, &found, err));
  size_t n_dim = tt->shape ? tt->shape->n_dim : 0;
  if (!tt->shape && !found)
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   "%s: input '%s' has no shape; give one with the input shape option "
                   "(%s:1x3x224x224)",
                   cx->path, vi->name, vi->name);
  if (found && tt->shape && (size_t)rank != n_dim)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s: input shape option gives %d dimensions for '%s', the model has %zu", cx->path, rank,
                   vi->name, n_dim);
  if (!found) {
    if (n_dim > NQ_MAX_RANK)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: input '%s' has rank %zu; at most %d", cx->path, vi->name,
                     n_dim, NQ_MAX_RANK);
    rank = (int)n_dim;
    for (int k = 0; k < rank; k++) {
      const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[k];
      bool known = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value > 0;
      if (known && d->dim_value > INT32_MAX)
        return nq_fail(err, NQ_ERR_FORMAT, "%s: input '%s' dimension %d is %lld", cx->path, vi->name, k,
                       (long long)d->dim_value);
      if (known)
        dims[k] = d->dim_value;
      else if (k == 0)
        dims[k] = 1; /* dynamic batch */
      else
        return nq_fail(
            err, NQ_ERR_UNSUPPORTED,
            "%s: input '%s' dimension %d is dynamic ('%s'); fix it with the input shape option, e.g. "
            "%s:1x3x224x224",
            cx->path, vi->name, k,
            d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && d->dim_param
                ? d->dim_param
                : "?",
            vi->name);
    }
  }
  /* nhwc_input: channels last, [N, H, W, C] for a 4-D input and
   * [N, L, C] for a 3-D one (held [N, 1, L, C], N1LC, after a RESHAPE). */
  bool last = (rank == 4 || rank == 3) && type == NQ_FLOAT32 && cx->opts && cx->opts->nhwc_input;
  int32_t shape[NQ_MAX_RANK];
  for (int k = 0; k < rank; k++) shape[k] = (int32_t)dims[k];
  if (last) {
    for (int k = 1; k < rank - 1; k++) shape[k] = (int32_t)dims[k + 1];
    shape[rank - 1] = (int32_t)dims[1];
  }
  int t = nq_graph_add_tensor(cx->g, vi->name, type, rank, shape, err);
  if (t < 0) return err->code;
  if (last && rank == 3) {
    int32_t n1lc[4] = {shape[0], 1, shape[1], shape[2]};
    char name[512];
    int r;
    snprintf(name, sizeof name, "%.400s/n1lc", vi->name);
    NQ_TRY(ox_reshape_tensor(cx, t, 4, n1lc, name, &r, err));
    NQ_TRY(ox_set_act(cx, vi->name, r, OX_N1LC, err));
    *out = t;
    return NQ_OK;
  }
  NQ_TRY(ox_set_act(cx, vi->name, t, last ? OX_NHWC : OX_LOGICAL, err));
  *out = t;
  return NQ_OK;
}

bool ox_consumers_prefer_logical(ox_ctx *cx, const char *name) {
  static const char *const ok[] = {"Softmax", "LogSoftmax", "Reshape",  "Flatten",
                                   "Gemm",    "MatMul",     "Transpose"};
  int uses = 0;
  /* Readers sit close to their producer; a bounded look-ahead keeps hostile
   * graphs linear (missing a far reader only costs a transpose). */
  size_t end = cx->graph ? cx->graph->n_node : 0;
  if (end > cx->node_index + 256) end = cx->node_index + 256;
  for (size_t k = cx->node_index + 1; k < end; k++) {
    const Onnx__NodeProto *n = cx->graph->node[k];
    for (size_t i = 0; i < n->n_input; i++) {
      if (strcmp(n->input[i], name)) continue;
      bool good = false;
      for (size_t j = 0; j < sizeof ok / sizeof ok[0]; j++) good = good || !strcmp(n->op_type, ok[j]);
      if (!good) return false;
      uses++;
    }
  }
  for (size_t k = 0; cx->graph && k < cx->graph->n_output; k++)
    if (!strcmp(cx->graph->output[k]->name, name)) uses++;
  return uses > 0;
}

static nq_status translate_node(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  cx->node = n;
  if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx"))
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "op domain '%s' is not supported by npuquant",
                   OX_NODE_ARGS(cx, n), n->domain);
  if (n->n_output == 0 || !n->output[0][0])
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "has no (named) first output", OX_NODE_ARGS(cx, n));
  /* ONNX graphs are in SSA form: a name written twice would silently
   * replace the first value for every later reader. */
  for (size_t k = 0; k < n->n_output; k++)
    if (n->output[k][0] && ox_find(cx, n->output[k]))
      return nq_fail(err, NQ_ERR_FORMAT,
                     OX_NODE_FMT "output '%s' is already written by an earlier node, input or initializer",
                     OX_NODE_ARGS(cx, n), n->output[k]);
  bool all_const = true;
  for (size_t k = 0; k < n->n_input; k++) {
    if (!n->input[k][0]) continue;
    ox_value *v;
    NQ_TRY(ox_input(cx, n, k, &v, err));
    if (!v->is_const) all_const = false;
  }
  bool done = false;
  if (all_const || !strcmp(n->op_type, "Shape") || !strcmp(n->op_type, "Size") ||
      !strcmp(n->op_type, "Constant") || !strcmp(n->op_type, "ConstantOfShape"))
    NQ_TRY(ox_fold(cx, n, &done, err));
  if (done) return NQ_OK;
  const ox_op_entry *e = ox_find_op(n->op_type);
  if (!e)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: node '%s' (%s): op not supported by npuquant", cx->path,
                   n->name && n->name[0] ? n->name : "(unnamed)", n->op_type);
  return e->fn(cx, n, err);
}

nq_status ox_translate_branch(ox_ctx *cx, const Onnx__GraphProto *b, nq_error *err) {
  const Onnx__GraphProto *outer = cx->graph;
  const size_t outer_index = cx->node_index;
  nq_status s = NQ_OK;
  for (size_t k = 0; s == NQ_OK && k < b->n_initializer; k++) {
    const Onnx__TensorProto *t = b->initializer[k];
    char what[600];
    snprintf(what, sizeof what, "%s: branch initializer '%.500s'", cx->path, t->name);
    ox_const c;
    s = ox_tensor_decode(t, cx->dir, what, &c, err);
    if (s != NQ_OK) break;
    Onnx__NodeProto fake = ONNX__NODE_PROTO__INIT;
    char *outs[1] = {t->name};
    fake.n_output = 1;
    fake.output = outs;
    s = ox_find(cx, t->name) ? (ox_const_free(&c), nq_fail(err, NQ_ERR_FORMAT,
                                                           "%s: branch initializer '%s' "
                                                           "shadows an outer value",
                                                           cx->path, t->name))
                             : ox_set_const(cx, &fake, 0, &c, err);
  }
  cx->graph = b;
  for (size_t k = 0; s == NQ_OK && k < b->n_node; k++) {
    cx->node_index = k;
    s = translate_node(cx, b->node[k], err);
  }
  cx->graph = outer;
  cx->node_index = outer_index;
  return s;
}

static nq_status translate(ox_ctx *cx, const Onnx__ModelProto *m, nq_error *err) {
  const Onnx__GraphProto *gp = m->graph;
  /* Opset of the default domain. */
  cx->opset = 0;
  for (size_t k = 0; k < m->n_opset_import; k++) {
    const Onnx__OperatorSetIdProto *o = m->opset_import[k];
    if ((!o->domain || !o->domain[0] || !strcmp(o->domain, "ai.onnx")) && o->has_version)
      cx->opset = o->version;
  }
  if (cx->opset < 7 || cx->opset > 18)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: ONNX opset %lld; npuquant reads opsets 7 to 18", cx->path,
                   (long long)cx->opset);
  for (size_t k = 0; k < gp->n_initializer; k++) {
    const Onnx__TensorProto *t = gp->initializer[k];
    char what[600];
    snprintf(what, sizeof what, "%s: initializer '%.500s'", cx->path, t->name);
    ox_const c;
    NQ_TRY(ox_tensor_decode(t, cx->dir, what, &c, err));
    Onnx__NodeProto fake = ONNX__NODE_PROTO__INIT;
    char *outs[1] = {t->name};
    fake.n_output = 1;
    fake.output = outs;
    NQ_TRY(ox_set_const(cx, &fake, 0, &c, err));
  }
  /* Graph inputs that are not initializers are the model's inputs. */
  int n_real = 0;
  for (size_t k = 0; k < gp->n_input; k++)
    if (!ox_find(cx, gp->input[k]->name)) n_real++;
  int *ins = calloc((size_t)n_real + 1, sizeof *ins);
  int *outs = calloc(gp->n_output + 1, sizeof *outs);
  nq_status s = (!ins || !outs) ? nq_fail(err, NQ_ERR_NOMEM, "out of memory") : NQ_OK;
  if (s == NQ_OK) s = check_option_names(cx, gp, err);
  int ni = 0;
  for (size_t k = 0; s == NQ_OK && k < gp->n_input; k++) {
    if (ox_find(cx, gp->input[k]->name)) continue;
    s = add_input(cx, gp->input[k], n_real == 1, &ins[ni], err);
    ni++;
  }
  cx->graph = gp;
  for (size_t k = 0; s == NQ_OK && k < gp->n_node; k++) {
    cx->node_index = k;
    s = translate_node(cx, gp->node[k], err);
  }
  cx->node = NULL;
  for (size_t k = 0; s == NQ_OK && k < gp->n_output; k++) {
    const char *name = gp->output[k]->name;
    ox_value *v = ox_find(cx, name);
    if (!v) {
      s = nq_fail(err, NQ_ERR_FORMAT, "%s: graph output '%s' is not produced by any node", cx->path, name);
      break;
    }
    int t;
    int before = cx->g->n_tensors;
    s = ox_logical(cx, v, &t, err);
    if (s != NQ_OK) break;
    /* The model output carries the ONNX name; an internal NHWC tensor
     * that was converted gets a suffix. */
    if (t >= before && v->t >= 0 && v->t != t) {
      nq_tensor *x = &cx->g->tensors[v->t];
      nq_tensor *y = &cx->g->tensors[t];
      char *tmp = x->name;
      x->name = y->name;
      y->name = tmp;
    }
    outs[k] = t;
  }
  if (s == NQ_OK) s = nq_graph_set_io(cx->g, ni, ins, (int)gp->n_output, outs, err);
  free(ins);
  free(outs);
  return s;
}

static void ctx_free(ox_ctx *cx) {
  for (int k = 0; k < cx->n_vals; k++) {
    free(cx->vals[k].name);
    ox_const_free(&cx->vals[k].c);
  }
  free(cx->vals);
  free(cx->hash);
  free(cx->dir);
}

nq_status nq_onnx_load_memory(const uint8_t *data, size_t size, const char *path, const nq_load_options *opts,
                              nq_graph **out, nq_error *err) {
  *out = NULL;
  Onnx__ModelProto *m;
  NQ_TRY(ox_model_read_memory(data, size, path, &m, err));
  ox_ctx cx;
  memset(&cx, 0, sizeof cx);
  cx.path = path;
  cx.opts = opts;
  nq_status s = NQ_OK;
  /* The model's folder, for external data. */
  const char *slash = strrchr(path, '/');
  size_t dl = slash ? (size_t)(slash - path) : 1;
  if ((cx.dir = malloc(dl + 1))) {
    memcpy(cx.dir, slash ? path : ".", dl);
    cx.dir[dl] = '\0';
    if (slash && dl == 0) strcpy(cx.dir, "/");
  } else {
    s = nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  }
  cx.g = nq_graph_new();
  if (s == NQ_OK && !cx.g) s = nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  if (s == NQ_OK) {
    size_t pl = strlen(path) + 1;
    if ((cx.g->source = malloc(pl))) memcpy(cx.g->source, path, pl);
  }
  if (s == NQ_OK) s = translate(&cx, m, err);
  if (s == NQ_OK) s = nq_graph_infer_shapes(cx.g, true, err);
  if (s == NQ_OK) s = nq_passes_optimize(cx.g, err);
  if (s == NQ_OK) s = nq_graph_verify(cx.g, err);
  ox_model_free(m);
  nq_graph *g = cx.g;
  ctx_free(&cx);
  if (s != NQ_OK) {
    nq_graph_free(g);
    return s;
  }
  *out = g;
  return NQ_OK;
}

nq_status nq_onnx_load(const char *path, const nq_load_options *opts, nq_graph **out, nq_error *err) {
  *out = NULL;
  uint8_t *buf;
  size_t n;
  NQ_TRY(nq_input_read(path, NULL, OX_MAX_FILE, &buf, &n, err));
  nq_status s = nq_onnx_load_memory(buf, n, path, opts, out, err);
  free(buf);
  return s;
}
