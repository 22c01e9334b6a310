/*
 * Remove nodes none of whose outputs is read by a live node or is a model
 * output, then tensors that no node, model input/output or signature refers
 * to, renumbering the rest (node operands, I/O lists, signatures) so the
 * order of the survivors is unchanged.
 */
#include <stdlib.h>

#include "passes/pass_util.h"

static nq_status remove_dead_nodes(nq_graph *g, bool *changed, nq_error *err) {
  if (g->n_tensors == 0) return NQ_OK;
  bool *needed = calloc((size_t)g->n_tensors, sizeof(bool));
  if (!needed) return nq_fail(err, NQ_ERR_NOMEM, "dead_code: out of memory");
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] >= 0 && g->outputs[i] < g->n_tensors) needed[g->outputs[i]] = true;
  for (int s = 0; s < g->n_signatures; s++)
    for (int i = 0; i < g->signatures[s].n_out; i++) {
      int t = g->signatures[s].out[i].tensor;
      if (t >= 0 && t < g->n_tensors) needed[t] = true;
    }
  /* Walk backwards: a node is live when one of its outputs is needed. */
  for (int n = g->n_nodes - 1; n >= 0; n--) {
    nq_node *node = &g->nodes[n];
    bool live = false;
    for (int o = 0; o < node->n_out; o++)
      if (node->out[o] >= 0 && node->out[o] < g->n_tensors && needed[node->out[o]]) live = true;
    if (!live) {
      nq_pass_remove_node(g, n);
      *changed = true;
      continue;
    }
    for (int i = 0; i < node->n_in; i++)
      if (node->in[i] >= 0 && node->in[i] < g->n_tensors) needed[node->in[i]] = true;
  }
  free(needed);
  return NQ_OK;
}

static void remap(int *t, const int *map) {
  if (*t >= 0) *t = map[*t];
}

static nq_status remove_dead_tensors(nq_graph *g, bool *changed, nq_error *err) {
  if (g->n_tensors == 0) return NQ_OK;
  int *map = malloc((size_t)g->n_tensors * sizeof(int));
  if (!map) return nq_fail(err, NQ_ERR_NOMEM, "dead_code: out of memory");
  for (int t = 0; t < g->n_tensors; t++) map[t] = -1;
  for (int n = 0; n < g->n_nodes; n++) {
    for (int i = 0; i < g->nodes[n].n_in; i++)
      if (g->nodes[n].in[i] >= 0) map[g->nodes[n].in[i]] = 0;
    for (int i = 0; i < g->nodes[n].n_out; i++)
      if (g->nodes[n].out[i] >= 0) map[g->nodes[n].out[i]] = 0;
  }
  for (int i = 0; i < g->n_inputs; i++) map[g->inputs[i]] = 0;
  for (int i = 0; i < g->n_outputs; i++) map[g->outputs[i]] = 0;
  for (int s = 0; s < g->n_signatures; s++) {
    for (int i = 0; i < g->signatures[s].n_in; i++) map[g->signatures[s].in[i].tensor] = 0;
    for (int i = 0; i < g->signatures[s].n_out; i++) map[g->signatures[s].out[i].tensor] = 0;
  }
  int kept = 0;
  for (int t = 0; t < g->n_tensors; t++) {
    if (map[t] < 0) {
      free(g->tensors[t].name);
      nq_tensor_drop_data(g, t);
      nq_quant_clear(&g->tensors[t].q);
      continue;
    }
    map[t] = kept;
    g->tensors[kept++] = g->tensors[t];
  }
  if (kept != g->n_tensors) *changed = true;
  g->n_tensors = kept;
  for (int n = 0; n < g->n_nodes; n++) {
    for (int i = 0; i < g->nodes[n].n_in; i++) remap(&g->nodes[n].in[i], map);
    for (int i = 0; i < g->nodes[n].n_out; i++) remap(&g->nodes[n].out[i], map);
  }
  for (int i = 0; i < g->n_inputs; i++) remap(&g->inputs[i], map);
  for (int i = 0; i < g->n_outputs; i++) remap(&g->outputs[i], map);
  for (int s = 0; s < g->n_signatures; s++) {
    for (int i = 0; i < g->signatures[s].n_in; i++) remap(&g->signatures[s].in[i].tensor, map);
    for (int i = 0; i < g->signatures[s].n_out; i++) remap(&g->signatures[s].out[i].tensor, map);
  }
  free(map);
  return NQ_OK;
}

nq_status nq_pass_dead_code(nq_graph *g, bool *changed, nq_error *err) {
  NQ_TRY(remove_dead_nodes(g, changed, err));
  return remove_dead_tensors(g, changed, err);
}
