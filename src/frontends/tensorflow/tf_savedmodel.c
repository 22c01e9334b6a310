/*
 * SavedModel frontend (a directory with saved_model.pb and variables/).
 *
 * The MetaGraphDef tagged "serve" (else the first) is flattened with its
 * function library inlined (tf_flat.c); the signature (opts->signature or
 * "serving_default") names the input placeholders and output tensors.
 * Variables (VarHandleOp, TF1 VariableV2) are matched to checkpoint keys
 * through the restore graph the SavedModel itself contains: an
 * AssignVariableOp/Assign whose value is output k of a RestoreV2 node gets
 * key k of that node's tensor_names constant. Values come from the tensor
 * bundle, with sizes and CRC32C checked (tf_bundle.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/input_file.h"
#include "core/status.h"
#include "frontends/formats.h"
#include "frontends/tensorflow/tf_common.h"
#include "frontends/tensorflow/tf_internal.h"

static bool is_file(const char *p, const char *dir) { return nq_input_probe_file(p, dir); }

bool nq_tf_savedmodel_probe(const char *path, bool is_dir, const uint8_t *head, size_t head_len) {
  if (!is_dir) return false;
  char p[4096];
  if ((size_t)snprintf(p, sizeof p, "%s/saved_model.pb", path) >= sizeof p) return false;
  if (!is_file(p, NULL)) return false; /* the load refuses one outside the folder, with a message */
  /* SavedModel starts with saved_model_schema_version (field 1, varint) or
   * meta_graphs (field 2, length-delimited). */
  FILE *fp;
  nq_error ignored;
  if (nq_input_fopen(p, NULL, &fp, NULL, &ignored) != NQ_OK) return false;
  int c = fgetc(fp);
  fclose(fp);
  return c == 0x08 || c == 0x12;
}

typedef struct var_ctx {
  const char *dir;
  char **keys; /* per flat node: checkpoint key or NULL */
  int n;
  tf_bundle bundle;
  bool opened;
} var_ctx;

/* Follow Identity / IdentityN aliases back to the producing node output. */
static bool trace(const tf_flat *f, const char *ref, int *node, int *k) {
  if (!tf_flat_ref(f, ref, node, k)) return false;
  for (int hops = 0; hops < 1000; hops++) {
    const tf_node *n = &f->nodes[*node];
    if (strcmp(n->op, "Identity") == 0 && n->n_in >= 1 && *k == 0) {
      if (!tf_flat_ref(f, n->in[0], node, k)) return false;
    } else if (strcmp(n->op, "IdentityN") == 0 && *k < n->n_in) {
      if (!tf_flat_ref(f, n->in[*k], node, k)) return false;
    } else {
      return true;
    }
  }
  return false;
}

static const char *restore_key(const tf_flat *f, int rnode, int k) {
  const tf_node *r = &f->nodes[rnode];
  int cn, ck;
  if (r->n_in < 2 || !trace(f, r->in[1], &cn, &ck)) return NULL;
  const Nqtf__AttrValue *a = tf_attr(&f->nodes[cn], "value");
  if (strcmp(f->nodes[cn].op, "Const") != 0 || !a || a->value_case != NQTF__ATTR_VALUE__VALUE_TENSOR ||
      !a->tensor)
    return NULL;
  if (k < 0 || (size_t)k >= a->tensor->n_string_val) return NULL;
  return (const char *)a->tensor->string_val[k].data;
}

static nq_status map_variables(const tf_flat *f, var_ctx *vc, const char *file, nq_error *err) {
  vc->n = f->n;
  if (!(vc->keys = calloc((size_t)f->n + 1, sizeof *vc->keys)))
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", file);
  for (int i = 0; i < f->n; i++) {
    const tf_node *n = &f->nodes[i];
    if ((strcmp(n->op, "AssignVariableOp") != 0 && strcmp(n->op, "Assign") != 0) || n->n_in < 2) continue;
    int vn, vk, rn, rk;
    if (!trace(f, n->in[0], &vn, &vk) || !trace(f, n->in[1], &rn, &rk)) continue;
    const char *vop = f->nodes[vn].op;
    if (strcmp(vop, "VarHandleOp") != 0 && strcmp(vop, "VariableV2") != 0 && strcmp(vop, "Variable") != 0)
      continue;
    if (strcmp(f->nodes[rn].op, "RestoreV2") != 0 && strcmp(f->nodes[rn].op, "Restore") != 0) continue;
    const char *key = restore_key(f, rn, rk);
    if (!key || vc->keys[vn]) continue;
    /* string_val holds bytes: copy with a terminator. */
    const Nqtf__AttrValue *a = NULL;
    int cn, ck;
    trace(f, f->nodes[rn].in[1], &cn, &ck);
    a = tf_attr(&f->nodes[cn], "value");
    size_t len = a->tensor->string_val[rk].len;
    char *s = malloc(len + 1);
    if (!s) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", file);
    memcpy(s, key, len);
    s[len] = 0;
    vc->keys[vn] = s;
  }
  return NQ_OK;
}

static nq_status load_var(void *ctx, const tf_flat *f, int node, nq_graph *g, int *tensor, nq_error *err) {
  var_ctx *vc = ctx;
  if (node >= vc->n || !vc->keys[node])
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: variable '%s' (%s) is not restored from the checkpoint by the SavedModel", vc->dir,
                   f->nodes[node].name, f->nodes[node].op);
  if (!vc->opened) {
    char prefix[4096];
    snprintf(prefix, sizeof prefix, "%s/variables/variables", vc->dir);
    NQ_TRY(tf_bundle_open(&vc->bundle, prefix, vc->dir, err));
    vc->opened = true;
  }
  return tf_bundle_load(&vc->bundle, vc->keys[node], g, f->nodes[node].name, tensor, err);
}

static const Nqtf__MetaGraphDef *pick_meta(const Nqtf__SavedModel *sm) {
  for (size_t i = 0; i < sm->n_meta_graphs; i++) {
    const Nqtf__MetaInfoDef *mi = sm->meta_graphs[i]->meta_info_def;
    for (size_t t = 0; mi && t < mi->n_tags; t++)
      if (strcmp(mi->tags[t], "serve") == 0) return sm->meta_graphs[i];
  }
  return sm->n_meta_graphs ? sm->meta_graphs[0] : NULL;
}

static nq_status sig_io(const Nqtf__MetaGraphDef *mg, const nq_load_options *opts, const char *file,
                        tf_io *io, nq_error *err) {
  const char *want = opts && opts->signature && *opts->signature ? opts->signature : "serving_default";
  const Nqtf__SignatureDef *sig = NULL;
  for (size_t i = 0; i < mg->n_signature_def; i++)
    if (mg->signature_def[i]->key && strcmp(mg->signature_def[i]->key, want) == 0)
      sig = mg->signature_def[i]->value;
  if (!sig) {
    char names[600] = "";
    for (size_t i = 0; i < mg->n_signature_def && strlen(names) < 500; i++) {
      strcat(names, i ? ", " : "");
      strncat(names, mg->signature_def[i]->key ? mg->signature_def[i]->key : "?", 80);
    }
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s: no signature '%s' (the SavedModel has: %s); choose one with --signature", file, want,
                   names[0] ? names : "none");
  }
  if (sig->n_inputs == 0 || sig->n_outputs == 0 || sig->n_inputs > 4096 || sig->n_outputs > 4096)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: signature '%s' has %zu inputs and %zu outputs", file, want,
                   sig->n_inputs, sig->n_outputs);
  io->in = calloc(sig->n_inputs, sizeof *io->in);
  io->in_names = calloc(sig->n_inputs, sizeof *io->in_names);
  io->out = calloc(sig->n_outputs, sizeof *io->out);
  io->out_names = calloc(sig->n_outputs, sizeof *io->out_names);
  if (!io->in || !io->in_names || !io->out || !io->out_names)
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", file);
  for (size_t i = 0; i < sig->n_inputs; i++) {
    const Nqtf__TensorInfo *ti = sig->inputs[i]->value;
    if (!ti || !ti->name || !ti->name[0])
      return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: signature input '%s' is not a plain tensor", file,
                     sig->inputs[i]->key);
    io->in[i] = strdup(ti->name);
    io->in_names[i] = strdup(sig->inputs[i]->key ? sig->inputs[i]->key : "");
    io->n_in++;
    if (!io->in[i] || !io->in_names[i]) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", file);
  }
  for (size_t i = 0; i < sig->n_outputs; i++) {
    const Nqtf__TensorInfo *ti = sig->outputs[i]->value;
    if (!ti || !ti->name || !ti->name[0])
      return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: signature output '%s' is not a plain tensor", file,
                     sig->outputs[i]->key);
    io->out[i] = strdup(ti->name);
    io->out_names[i] = strdup(sig->outputs[i]->key ? sig->outputs[i]->key : "");
    io->n_out++;
    if (!io->out[i] || !io->out_names[i]) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", file);
  }
  return NQ_OK;
}

/* Record the signature (names -> tensors) in the graph, like TFLite's. */
static nq_status add_signature(nq_graph *g, const tf_io *io, const char *key, nq_error *err) {
  nq_signature *s = calloc(1, sizeof *s);
  if (!s) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  s->key = strdup(key);
  s->in = calloc((size_t)io->n_in, sizeof *s->in);
  s->out = calloc((size_t)io->n_out, sizeof *s->out);
  g->signatures = s;
  g->n_signatures = 1;
  if (!s->key || !s->in || !s->out) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  for (int i = 0; i < io->n_in; i++) {
    s->in[i] = (nq_sig_entry){strdup(io->in_names[i]), g->inputs[i]};
    s->n_in++;
  }
  for (int i = 0; i < io->n_out; i++) {
    s->out[i] = (nq_sig_entry){strdup(io->out_names[i]), g->outputs[i]};
    s->n_out++;
  }
  return NQ_OK;
}

nq_status nq_tf_savedmodel_load(const char *path, const nq_load_options *opts, nq_graph **out,
                                nq_error *err) {
  char file[4096];
  if ((size_t)snprintf(file, sizeof file, "%s/saved_model.pb", path) >= sizeof file)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: path too long", path);
  uint8_t *data;
  size_t len;
  NQ_TRY(tf_read_file(file, path, &data, &len, err));
  Nqtf__SavedModel *sm = nqtf__saved_model__unpack(NULL, len, data);
  free(data);
  if (!sm) return nq_fail(err, NQ_ERR_FORMAT, "%s: not a valid SavedModel (protobuf parse failed)", file);
  nq_status st = NQ_OK;
  tf_flat f = {0};
  tf_io io = {0};
  var_ctx vc = {path, NULL, 0, {0}, false};
  nq_graph *g = NULL;
  const Nqtf__MetaGraphDef *mg = pick_meta(sm);
  if (!mg || !mg->graph_def) st = nq_fail(err, NQ_ERR_FORMAT, "%s: no MetaGraphDef with a graph", file);
  if (st == NQ_OK) st = sig_io(mg, opts, file, &io, err);
  if (st == NQ_OK) st = tf_flat_build(&f, mg->graph_def, file, err);
  if (st == NQ_OK) st = map_variables(&f, &vc, file, err);
  if (st == NQ_OK && !(g = nq_graph_new())) st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", file);
  if (st == NQ_OK && !(g->source = strdup(path))) st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", file);
  if (st == NQ_OK) st = tf_convert(&f, &io, opts, load_var, &vc, g, err);
  if (st == NQ_OK)
    st = add_signature(
        g, &io, opts && opts->signature && *opts->signature ? opts->signature : "serving_default", err);
  if (st == NQ_OK) st = tf_finish_graph(g, err);
  if (vc.keys)
    for (int i = 0; i < vc.n; i++) free(vc.keys[i]);
  free(vc.keys);
  if (vc.opened) tf_bundle_free(&vc.bundle);
  tf_io_free(&io);
  tf_flat_free(&f);
  nqtf__saved_model__free_unpacked(sm, NULL);
  if (st != NQ_OK) {
    nq_graph_free(g);
    return st;
  }
  *out = g;
  return NQ_OK;
}
