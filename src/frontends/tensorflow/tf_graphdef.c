/*
 * Frozen GraphDef (.pb) frontend: Placeholder inputs, Const weights.
 * Inputs and outputs are taken from opts->inputs / opts->outputs, or found
 * automatically: the outputs are the nodes nothing consumes that depend on
 * a Placeholder, the inputs the Placeholders those outputs depend on.
 */
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "frontends/formats.h"
#include "frontends/tensorflow/tf_common.h"
#include "frontends/tensorflow/tf_internal.h"

/* A GraphDef starts with its first NodeDef (field 1, length-delimited),
 * whose first fields are name (1) and op (2). */
static bool varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int s = 0; s < 64 && *p < end; s += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << s;
    if (!(b & 0x80)) return true;
  }
  return false;
}

bool nq_tf_graphdef_probe(const char *path, bool is_dir, const uint8_t *head, size_t head_len) {
  if (is_dir || head_len < 6 || head[0] != 0x0a) return false;
  const uint8_t *p = head + 1, *end = head + head_len;
  uint64_t l;
  if (!varint(&p, end, &l) || p >= end || *p++ != 0x0a) return false;
  if (!varint(&p, end, &l) || l == 0 || l > 4096) return false;
  if ((size_t)(end - p) <= l) return true; /* the name runs past the head: accept */
  for (uint64_t i = 0; i < l; i++)
    if (p[i] < 0x20 || p[i] > 0x7e) return false;
  p += l;
  return p < end && (*p == 0x12 || *p == 0x1a);
}

static bool is_source_op(const char *op) {
  return strcmp(op, "Const") == 0 || strcmp(op, "NoOp") == 0 || strcmp(op, "Placeholder") == 0 ||
         strcmp(op, "VarHandleOp") == 0 || strcmp(op, "VariableV2") == 0;
}

/* Outputs: unconsumed nodes depending on a Placeholder. */
static nq_status auto_io(const tf_flat *f, tf_io *io, const char *path, nq_error *err) {
  nq_status st = NQ_OK;
  bool *used = calloc((size_t)f->n + 1, 1), *dep = calloc((size_t)f->n + 1, 1),
       *reach = calloc((size_t)f->n + 1, 1);
  int *stack = malloc(sizeof(int) * ((size_t)f->n + 1));
  if (!used || !dep || !reach || !stack) {
    st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
    goto done;
  }
  for (int i = 0; i < f->n; i++) {
    dep[i] = strcmp(f->nodes[i].op, "Placeholder") == 0;
    for (int j = 0; j < f->nodes[i].n_in; j++) {
      int src, k;
      if (tf_flat_ref(f, f->nodes[i].in[j], &src, &k)) used[src] = true;
    }
  }
  /* Propagate "depends on a placeholder" to a fixed point (graphs are
   * mostly in order, so this takes few passes; bounded for hostile ones). */
  for (int pass = 0, changed = 1; changed && pass < 10000; pass++) {
    changed = 0;
    for (int i = 0; i < f->n; i++) {
      if (dep[i]) continue;
      for (int j = 0; j < f->nodes[i].n_in && !dep[i]; j++) {
        int src, k;
        if (tf_flat_ref(f, f->nodes[i].in[j], &src, &k) && dep[src]) dep[i] = true, changed = 1;
      }
    }
  }
  if (!io->out) {
    int n = 0;
    for (int i = 0; i < f->n; i++)
      if (!used[i] && dep[i] && !is_source_op(f->nodes[i].op)) n++;
    if (n == 0) {
      st = nq_fail(err, NQ_ERR_INVALID_ARG, "%s: cannot find the graph outputs: name them with --outputs",
                   path);
      goto done;
    }
    if (!(io->out = calloc((size_t)n, sizeof *io->out))) {
      st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
      goto done;
    }
    for (int i = 0; i < f->n; i++)
      if (!used[i] && dep[i] && !is_source_op(f->nodes[i].op) &&
          !(io->out[io->n_out++] = strdup(f->nodes[i].name))) {
        st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
        goto done;
      }
  }
  if (!io->in) {
    int sp = 0, n = 0;
    for (int i = 0; i < io->n_out; i++) {
      int ni, k;
      if (!tf_flat_ref(f, io->out[i], &ni, &k)) {
        st = nq_fail(err, NQ_ERR_INVALID_ARG, "%s: output '%s' names no node", path, io->out[i]);
        goto done;
      }
      if (!reach[ni]) reach[ni] = true, stack[sp++] = ni;
    }
    while (sp > 0) {
      int ni = stack[--sp];
      for (int j = 0; j < f->nodes[ni].n_in; j++) {
        int src, k;
        if (tf_flat_ref(f, f->nodes[ni].in[j], &src, &k) && !reach[src]) reach[src] = true, stack[sp++] = src;
      }
    }
    for (int i = 0; i < f->n; i++) n += reach[i] && strcmp(f->nodes[i].op, "Placeholder") == 0;
    if (!(io->in = calloc((size_t)n + 1, sizeof *io->in))) {
      st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
      goto done;
    }
    for (int i = 0; i < f->n; i++)
      if (reach[i] && strcmp(f->nodes[i].op, "Placeholder") == 0 &&
          !(io->in[io->n_in++] = strdup(f->nodes[i].name))) {
        st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
        goto done;
      }
    if (n == 0)
      st = nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s: the outputs depend on no Placeholder: name the inputs with --inputs", path);
  }
done:
  free(used);
  free(dep);
  free(reach);
  free(stack);
  return st;
}

nq_status tf_graphdef_from_buffer(const char *path, const uint8_t *data, size_t len,
                                  const nq_load_options *opts, nq_graph **out, nq_error *err) {
  Nqtf__GraphDef *gd = nqtf__graph_def__unpack(NULL, len, data);
  if (!gd)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: not a valid TensorFlow GraphDef (protobuf parse failed)", path);
  tf_flat f;
  tf_io io = {0};
  nq_graph *g = NULL;
  nq_status st = tf_flat_build(&f, gd, path, err);
  if (st == NQ_OK && opts && opts->inputs && *opts->inputs)
    st = tf_split_names(opts->inputs, &io.in, &io.n_in, err);
  if (st == NQ_OK && opts && opts->outputs && *opts->outputs)
    st = tf_split_names(opts->outputs, &io.out, &io.n_out, err);
  if (st == NQ_OK) st = auto_io(&f, &io, path, err);
  if (st == NQ_OK && !(g = nq_graph_new())) st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
  if (st == NQ_OK && !(g->source = strdup(path))) st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
  if (st == NQ_OK) st = tf_convert(&f, &io, opts, NULL, NULL, g, err);
  if (st == NQ_OK) st = tf_finish_graph(g, err);
  tf_io_free(&io);
  tf_flat_free(&f);
  nqtf__graph_def__free_unpacked(gd, NULL);
  if (st != NQ_OK) {
    nq_graph_free(g);
    return st;
  }
  *out = g;
  return NQ_OK;
}

nq_status nq_tf_graphdef_load(const char *path, const nq_load_options *opts, nq_graph **out, nq_error *err) {
  uint8_t *data;
  size_t len;
  NQ_TRY(tf_read_file(path, NULL, &data, &len, err));
  nq_status st = tf_graphdef_from_buffer(path, data, len, opts, out, err);
  free(data);
  return st;
}
