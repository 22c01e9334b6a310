/* Describing a model's nodes to callers (nq_model_num_nodes, nq_model_node). */
#include <stdio.h>
#include <string.h>

#include "api/model_internal.h"
#include "core/status.h"
#include "writers/tflite/op_version.h"
#include "writers/tflite/op_version_runtime.h"

const char *nq_model_node_name(const nq_graph *g, int i) {
  const nq_node *nd = &g->nodes[i];
  if (nd->name) return nd->name;
  if (nd->n_out > 0 && nd->out[0] >= 0 && nd->out[0] < g->n_tensors && g->tensors[nd->out[0]].name)
    return g->tensors[nd->out[0]].name;
  return "";
}

int nq_model_num_nodes(const nq_model *m) { return m && m->graph ? m->graph->n_nodes : 0; }

nq_status nq_model_node(const nq_model *m, int i, nq_node_info *out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!m || !m->graph || !out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_model_node: NULL argument");
  const nq_graph *g = m->graph;
  if (i < 0 || i >= g->n_nodes)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "node %d: the model has %d nodes", i, g->n_nodes);
  const nq_node *nd = &g->nodes[i];
  memset(out, 0, sizeof *out);
  out->op = nq_op_name(nd->op);
  /* The file's version when it has one, else what our writer would write:
   * the same rule as `inspect`. */
  out->version = nd->version > 0 ? nd->version : nq_tflite_op_version(g, nd);
  out->name = nq_model_node_name(g, i);
  out->n_inputs = nd->n_in;
  out->n_outputs = nd->n_out;
  out->inputs = nd->in;
  out->outputs = nd->out;
  out->min_tflite = nq_tflite_op_min_release(nd->op, out->version);
  out->custom_code = nd->op == NQ_OP_CUSTOM ? nd->p.custom_name : NULL;
  return NQ_OK;
}

const char *nq_model_node_label(const nq_model *m, int i, char *buf, size_t n) {
  if (!buf || n == 0) return buf;
  if (!m || !m->graph) {
    snprintf(buf, n, "node %d", i);
    return buf;
  }
  return nq_node_label(m->graph, i, buf, n);
}

int nq_model_min_tflite_release(const nq_model *m, int *unknown_node) {
  if (unknown_node) *unknown_node = -1;
  if (!m || !m->graph) return 0;
  return nq_tflite_graph_min_release(m->graph, unknown_node);
}
