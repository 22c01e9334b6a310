/*
 * Constant folding: a node whose inputs are all constant (or absent) is
 * computed now, with the float reference kernels, and its outputs become
 * constants. Frontends produce such chains for shape arithmetic and for
 * preprocessing folded into the model (Keras Rescaling/Normalization on a
 * constant). The node runs in a one-node graph through the execution engine
 * (exec/engine.h) so folding computes exactly what running would; output
 * types are the graph's own, so int32 shape tensors stay int32.
 * Outputs that are model outputs are left computed at run time, so every
 * model output stays produced by a node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "exec/engine.h"
#include "passes/pass_util.h"

/* Folding a huge constant would bloat the model for no gain. */
#define FOLD_MAX_OUTPUT_BYTES ((size_t)64 << 20)

static bool foldable(const nq_graph *g, const nq_node *node) {
  if (node->n_in == 0 || node->n_out == 0) return false;
  if (node->op == NQ_OP_QUANTIZE || node->op == NQ_OP_DEQUANTIZE) return false;
  bool any = false;
  for (int i = 0; i < node->n_in; i++) {
    int t = node->in[i];
    if (t < 0) continue;
    if (g->tensors[t].data == NULL || g->tensors[t].is_variable) return false;
    any = true;
  }
  if (!any) return false;
  for (int o = 0; o < node->n_out; o++) {
    const nq_tensor *t = &g->tensors[node->out[o]];
    if (nq_pass_is_output(g, node->out[o]) || t->q.n != 0) return false;
    size_t bytes, elems;
    /* overflow-checked: a hostile .tflite states any shape, and convert runs
     * the passes on float .tflite files too */
    if (!nq_shape_elems(t->shape, t->rank, NQ_MAX_TENSOR_ELEMS, &elems) || elems == 0) return false;
    bytes = elems * nq_dtype_size(t->type);
    if (bytes > FOLD_MAX_OUTPUT_BYTES) return false;
  }
  return true;
}

/* Copy tensor t of g into mini (name, type, shape, data). */
static int copy_tensor(nq_graph *mini, const nq_tensor *t, bool with_data, nq_error *err) {
  int i = nq_graph_add_tensor(mini, t->name, t->type, t->rank, t->shape, err);
  if (i < 0) return -1;
  if (with_data && nq_tensor_copy_data(mini, i, t->data, t->nbytes, err) != NQ_OK) return -1;
  return i;
}

/* Evaluate node n; on success its outputs in g get data and the node goes. */
static nq_status fold_node(nq_graph *g, int n, nq_error *err) {
  const nq_node *node = &g->nodes[n];
  nq_graph *mini = nq_graph_new();
  if (!mini) return nq_fail(err, NQ_ERR_NOMEM, "fold_constants: out of memory");
  int in[NQ_MAX_NODE_IO], out[NQ_MAX_NODE_IO];
  nq_status st = NQ_OK;
  if (node->n_in > NQ_MAX_NODE_IO || node->n_out > NQ_MAX_NODE_IO) {
    nq_graph_free(mini);
    return NQ_OK;
  }
  for (int i = 0; i < node->n_in && st == NQ_OK; i++) {
    in[i] = node->in[i] < 0 ? -1 : copy_tensor(mini, &g->tensors[node->in[i]], true, err);
    if (node->in[i] >= 0 && in[i] < 0) st = NQ_ERR_NOMEM;
  }
  for (int o = 0; o < node->n_out && st == NQ_OK; o++) {
    out[o] = copy_tensor(mini, &g->tensors[node->out[o]], false, err);
    if (out[o] < 0) st = NQ_ERR_NOMEM;
  }
  if (st == NQ_OK &&
      nq_graph_add_node(mini, node->op, node->name, node->n_in, in, node->n_out, out, &node->p, err) < 0)
    st = NQ_ERR_NOMEM;
  if (st == NQ_OK) st = nq_graph_set_io(mini, 0, NULL, node->n_out, out, err);
  nq_session *s = NULL;
  nq_session_options opts = {.num_threads = 1, .reference_only = 1, .single_rounding = 0};
  if (st == NQ_OK) st = nq_engine_create(mini, &opts, &s, err);
  if (st == NQ_OK) st = nq_engine_run(s, err);
  for (int o = 0; o < node->n_out && st == NQ_OK; o++) {
    const void *data;
    size_t nbytes;
    st = nq_session_output(s, o, &data, &nbytes, err);
    if (st == NQ_OK) st = nq_tensor_copy_data(g, node->out[o], data, nbytes, err);
  }
  if (s) nq_engine_free(s);
  nq_graph_free(mini);
  if (st != NQ_OK) return st;
  nq_pass_remove_node(g, n);
  return NQ_OK;
}

nq_status nq_pass_fold_constants(nq_graph *g, bool *changed, nq_error *err) {
  for (int n = 0; n < g->n_nodes;) {
    if (!foldable(g, &g->nodes[n])) {
      n++;
      continue;
    }
    char label[64];
    const char *name = g->nodes[n].name ? g->nodes[n].name : "";
    snprintf(label, sizeof label, "%s", nq_op_name(g->nodes[n].op));
    nq_status st = fold_node(g, n, err);
    if (st != NQ_OK) {
      /* A node the engine cannot run on these operands (an unsupported type)
       * simply stays in the graph; anything else is a real failure. */
      if (st == NQ_ERR_UNSUPPORTED) {
        nq_error_clear(err);
        n++;
        continue;
      }
      return nq_prefix(err, "constant folding of node '%s' (%s): ", name, label);
    }
    *changed = true;
  }
  return NQ_OK;
}
