/*
 * Flatten a GraphDef and its function library into one list of nodes.
 *
 * TF2 and Keras SavedModels keep the model in library functions called
 * through (Stateful)PartitionedCall nodes. Inlining them gives a graph that
 * the converter handles exactly like a frozen GraphDef: a call node P of
 * function F becomes
 *   - one Identity alias "P/<arg>" per argument, fed by the call's input,
 *   - F's body nodes renamed "P/<node>", with function-form inputs
 *     ("node:out_arg:idx") rewritten to graph form ("P/node:k"),
 *   - an IdentityN alias named P whose outputs are F's return values, so
 *     consumers of "P:k" need no change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/status.h"
#include "frontends/tensorflow/tf_internal.h"

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return h;
}

static nq_status rehash(tf_flat *f, nq_error *err) {
  size_t cap = f->hcap ? f->hcap * 2 : 1024;
  int *h = malloc(cap * sizeof *h);
  if (!h) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory flattening the graph", f->file);
  for (size_t i = 0; i < cap; i++) h[i] = -1;
  for (int i = 0; i < f->n; i++) {
    size_t j = hash_str(f->nodes[i].name) & (cap - 1);
    while (h[j] >= 0) j = (j + 1) & (cap - 1);
    h[j] = i;
  }
  free(f->hash);
  f->hash = h;
  f->hcap = cap;
  return NQ_OK;
}

int tf_flat_find(const tf_flat *f, const char *name) {
  if (!f->hcap) return -1;
  size_t j = hash_str(name) & (f->hcap - 1);
  while (f->hash[j] >= 0) {
    if (strcmp(f->nodes[f->hash[j]].name, name) == 0) return f->hash[j];
    j = (j + 1) & (f->hcap - 1);
  }
  return -1;
}

bool tf_flat_ref(const tf_flat *f, const char *ref, int *node, int *k) {
  const char *colon = strrchr(ref, ':');
  *k = 0;
  if (colon && colon[1]) {
    const char *p = colon + 1;
    long v = 0;
    for (; *p; p++) {
      if (*p < '0' || *p > '9' || v > 100000) return false;
      v = v * 10 + (*p - '0');
    }
    *k = (int)v;
    size_t len = (size_t)(colon - ref);
    char buf[512];
    if (len >= sizeof buf) return false;
    memcpy(buf, ref, len);
    buf[len] = 0;
    *node = tf_flat_find(f, buf);
  } else {
    *node = tf_flat_find(f, ref);
  }
  return *node >= 0;
}

const Nqtf__AttrValue *tf_attr(const tf_node *n, const char *name) {
  if (!n->def) return NULL;
  for (size_t i = 0; i < n->def->n_attr; i++)
    if (n->def->attr[i]->key && strcmp(n->def->attr[i]->key, name) == 0) return n->def->attr[i]->value;
  return NULL;
}

/* Takes ownership of name and in[]. */
static nq_status push(tf_flat *f, char *name, const char *op, int n_in, char **in, const Nqtf__NodeDef *def,
                      nq_error *err) {
  nq_status st = NQ_OK;
  if (f->n >= TF_MAX_FLAT_NODES) {
    st = nq_fail(err, NQ_ERR_NOMEM, "%s: more than %d nodes after inlining functions", f->file,
                 TF_MAX_FLAT_NODES);
    goto fail;
  }
  if (tf_flat_find(f, name) >= 0) {
    st = nq_fail(err, NQ_ERR_FORMAT, "%s: node name '%s' is used twice", f->file, name);
    goto fail;
  }
  if (f->n == f->cap) {
    int cap = f->cap ? f->cap * 2 : 256;
    tf_node *nn = realloc(f->nodes, (size_t)cap * sizeof *nn);
    if (!nn) {
      st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory flattening the graph", f->file);
      goto fail;
    }
    f->nodes = nn;
    f->cap = cap;
  }
  f->nodes[f->n++] = (tf_node){name, op, n_in, in, def};
  if ((size_t)f->n * 2 > f->hcap) return rehash(f, err);
  {
    size_t j = hash_str(name) & (f->hcap - 1);
    while (f->hash[j] >= 0) j = (j + 1) & (f->hcap - 1);
    f->hash[j] = f->n - 1;
  }
  return NQ_OK;
fail:
  free(name);
  for (int i = 0; i < n_in; i++) free(in[i]);
  free(in);
  return st;
}

static char *join(const char *a, const char *sep, const char *b) {
  size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
  char *s = malloc(la + ls + lb + 1);
  if (!s) return NULL;
  memcpy(s, a, la);
  memcpy(s + la, sep, ls);
  memcpy(s + la + ls, b, lb + 1);
  return s;
}

static const Nqtf__FunctionDef *find_function(const tf_flat *f, const char *name) {
  if (!f->lib || !name) return NULL;
  for (size_t i = 0; i < f->lib->n_function; i++) {
    const Nqtf__FunctionDef *fd = f->lib->function[i];
    if (fd->signature && fd->signature->name && strcmp(fd->signature->name, name) == 0) return fd;
  }
  return NULL;
}

/* The function a node calls, or NULL if it is an ordinary op. */
static const Nqtf__FunctionDef *called_function(const tf_flat *f, const Nqtf__NodeDef *nd) {
  if (strcmp(nd->op, "PartitionedCall") == 0 || strcmp(nd->op, "StatefulPartitionedCall") == 0) {
    tf_node tmp = {0};
    tmp.def = nd;
    const Nqtf__AttrValue *a = tf_attr(&tmp, "f");
    if (a && a->value_case == NQTF__ATTR_VALUE__VALUE_FUNC && a->func) return find_function(f, a->func->name);
    return NULL;
  }
  return find_function(f, nd->op);
}

/* First flat output index of output argument `arg` of an op: ops whose
 * outputs are split over several arguments need this to turn function-form
 * "node:arg:idx" into "node:k". Single-argument ops start at 0. */
static int out_arg_base(const char *op, const char *arg) {
  static const struct {
    const char *op, *arg;
    int base;
  } tab[] = {
      {"FusedBatchNorm", "batch_mean", 1},
      {"FusedBatchNorm", "batch_variance", 2},
      {"FusedBatchNorm", "reserve_space_1", 3},
      {"FusedBatchNorm", "reserve_space_2", 4},
      {"FusedBatchNormV2", "batch_mean", 1},
      {"FusedBatchNormV2", "batch_variance", 2},
      {"FusedBatchNormV2", "reserve_space_1", 3},
      {"FusedBatchNormV2", "reserve_space_2", 4},
      {"FusedBatchNormV3", "batch_mean", 1},
      {"FusedBatchNormV3", "batch_variance", 2},
      {"FusedBatchNormV3", "reserve_space_1", 3},
      {"FusedBatchNormV3", "reserve_space_2", 4},
      {"FusedBatchNormV3", "reserve_space_3", 5},
      {"Unique", "idx", 1},
      {"TopKV2", "indices", 1},
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
    if (strcmp(tab[i].op, op) == 0 && strcmp(tab[i].arg, arg) == 0) return tab[i].base;
  return 0;
}

static nq_status add_nodedef(tf_flat *f, const Nqtf__NodeDef *nd, const char *name, char **in, int n_in,
                             int depth, nq_error *err);

/* Rewrite a function-body input to graph form under prefix P. */
static char *body_ref(const Nqtf__FunctionDef *fd, const char *prefix, const char *ref) {
  const char *c1 = strchr(ref, ':');
  if (!c1) return join(prefix, "/", ref); /* an argument */
  const char *c2 = strchr(c1 + 1, ':');
  char node[512], arg[256];
  size_t ln = (size_t)(c1 - ref);
  if (ln >= sizeof node) return NULL;
  memcpy(node, ref, ln);
  node[ln] = 0;
  long idx = 0;
  const char *op = "";
  for (size_t i = 0; i < fd->n_node_def; i++)
    if (fd->node_def[i]->name && strcmp(fd->node_def[i]->name, node) == 0) op = fd->node_def[i]->op;
  if (c2) {
    size_t la = (size_t)(c2 - c1 - 1);
    if (la >= sizeof arg) return NULL;
    memcpy(arg, c1 + 1, la);
    arg[la] = 0;
    char *end;
    idx = strtol(c2 + 1, &end, 10);
    if (*end || idx < 0 || idx > 100000) return NULL;
  } else {
    snprintf(arg, sizeof arg, "%s", c1 + 1);
  }
  char buf[600];
  snprintf(buf, sizeof buf, "%s/%s:%ld", prefix, node, idx + out_arg_base(op ? op : "", arg));
  return strdup(buf);
}

static nq_status inline_call(tf_flat *f, const Nqtf__FunctionDef *fd, const char *name, char **in, int n_in,
                             int depth, nq_error *err) {
  const Nqtf__OpDef *sig = fd->signature;
  nq_status st = NQ_OK;
  if (!sig) return nq_fail(err, NQ_ERR_FORMAT, "%s: function called by '%s' has no signature", f->file, name);
  if (depth >= TF_MAX_INLINE_DEPTH)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: node '%s': functions nested more than %d deep (recursion?)",
                   f->file, name, TF_MAX_INLINE_DEPTH);
  if ((size_t)n_in != sig->n_input_arg)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: node '%s' calls '%s' with %d inputs, the function takes %zu",
                   f->file, name, sig->name, n_in, sig->n_input_arg);
  for (size_t i = 0; i < sig->n_input_arg; i++) {
    char **ai = malloc(sizeof *ai);
    char *an = sig->input_arg[i]->name ? join(name, "/", sig->input_arg[i]->name) : NULL;
    if (!ai || !an || !(ai[0] = strdup(in[i]))) {
      free(ai);
      free(an);
      return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory inlining '%s'", f->file, name);
    }
    NQ_TRY(push(f, an, "Identity", 1, ai, NULL, err));
  }
  for (size_t i = 0; i < fd->n_node_def; i++) {
    const Nqtf__NodeDef *nd = fd->node_def[i];
    if (!nd->name || !nd->op)
      return nq_fail(err, NQ_ERR_FORMAT, "%s: function '%s' has a nameless node", f->file, sig->name);
    char *nn = join(name, "/", nd->name);
    char **bin = calloc(nd->n_input + 1, sizeof *bin);
    int nb = 0;
    if (!nn || !bin) {
      free(nn);
      free(bin);
      return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory inlining '%s'", f->file, name);
    }
    for (size_t j = 0; j < nd->n_input && st == NQ_OK; j++) {
      if (nd->input[j][0] == '^') continue;
      if (!(bin[nb] = body_ref(fd, name, nd->input[j])))
        st = nq_fail(err, NQ_ERR_FORMAT, "%s: function '%s' node '%s': malformed input '%s'", f->file,
                     sig->name, nd->name, nd->input[j]);
      else
        nb++;
    }
    if (st == NQ_OK) st = add_nodedef(f, nd, nn, bin, nb, depth + 1, err);
    for (int j = 0; j < nb; j++) free(bin[j]);
    free(bin);
    free(nn);
    if (st != NQ_OK) return st;
  }
  /* The call itself: an IdentityN over the function's return values. */
  char **outs = calloc(sig->n_output_arg + 1, sizeof *outs);
  if (!outs) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory inlining '%s'", f->file, name);
  for (size_t k = 0; k < sig->n_output_arg && st == NQ_OK; k++) {
    const char *src = NULL;
    for (size_t r = 0; r < fd->n_ret; r++)
      if (fd->ret[r]->key && sig->output_arg[k]->name &&
          strcmp(fd->ret[r]->key, sig->output_arg[k]->name) == 0)
        src = fd->ret[r]->value;
    if (!src || !(outs[k] = body_ref(fd, name, src)))
      st = nq_fail(err, NQ_ERR_FORMAT, "%s: function '%s': output '%s' has no valid return value", f->file,
                   sig->name, sig->output_arg[k]->name ? sig->output_arg[k]->name : "?");
  }
  char *cn = strdup(name);
  if (st != NQ_OK || !cn) {
    for (size_t k = 0; k < sig->n_output_arg; k++) free(outs[k]);
    free(outs);
    free(cn);
    return st != NQ_OK ? st : nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", f->file);
  }
  return push(f, cn, "IdentityN", (int)sig->n_output_arg, outs, NULL, err);
}

/* in[] is borrowed (copied here). */
static nq_status add_nodedef(tf_flat *f, const Nqtf__NodeDef *nd, const char *name, char **in, int n_in,
                             int depth, nq_error *err) {
  const Nqtf__FunctionDef *fd = called_function(f, nd);
  if (fd) return inline_call(f, fd, name, in, n_in, depth, err);
  char *nn = strdup(name);
  char **cin = calloc((size_t)n_in + 1, sizeof *cin);
  if (!nn || !cin) {
    free(nn);
    free(cin);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", f->file);
  }
  for (int i = 0; i < n_in; i++)
    if (!(cin[i] = strdup(in[i]))) {
      for (int j = 0; j < i; j++) free(cin[j]);
      free(cin);
      free(nn);
      return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", f->file);
    }
  return push(f, nn, nd->op, n_in, cin, nd, err);
}

nq_status tf_flat_build(tf_flat *f, const Nqtf__GraphDef *gd, const char *file, nq_error *err) {
  memset(f, 0, sizeof *f);
  f->lib = gd->library;
  f->file = file;
  NQ_TRY(rehash(f, err));
  for (size_t i = 0; i < gd->n_node; i++) {
    const Nqtf__NodeDef *nd = gd->node[i];
    if (!nd->name || !nd->name[0] || !nd->op || !nd->op[0])
      return nq_fail(err, NQ_ERR_FORMAT, "%s: node #%zu has no name or no op", file, i);
    char **in = calloc(nd->n_input + 1, sizeof *in);
    int n = 0;
    if (!in) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", file);
    for (size_t j = 0; j < nd->n_input; j++)
      if (nd->input[j][0] != '^') in[n++] = nd->input[j];
    nq_status st = add_nodedef(f, nd, nd->name, in, n, 0, err);
    free(in);
    if (st != NQ_OK) return st;
  }
  /* Every input must name a node (TensorFlow refuses such graphs too). */
  for (int i = 0; i < f->n; i++)
    for (int j = 0; j < f->nodes[i].n_in; j++) {
      int src, k;
      if (!tf_flat_ref(f, f->nodes[i].in[j], &src, &k))
        return nq_fail(err, NQ_ERR_FORMAT, "%s: node '%.200s' (%.60s): input '%.200s' names no node", file,
                       f->nodes[i].name, f->nodes[i].op, f->nodes[i].in[j]);
    }
  return NQ_OK;
}

void tf_flat_free(tf_flat *f) {
  for (int i = 0; i < f->n; i++) {
    free(f->nodes[i].name);
    for (int j = 0; j < f->nodes[i].n_in; j++) free(f->nodes[i].in[j]);
    free(f->nodes[i].in);
  }
  free(f->nodes);
  free(f->hash);
  memset(f, 0, sizeof *f);
}
