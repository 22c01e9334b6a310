/* Graph queries and edits shared by the passes (see pass_util.h). */
#include "passes/pass_util.h"

#include <stdlib.h>
#include <string.h>

int nq_pass_consumers(const nq_graph *g, int t) {
  int count = 0;
  for (int n = 0; n < g->n_nodes; n++)
    for (int i = 0; i < g->nodes[n].n_in; i++)
      if (g->nodes[n].in[i] == t) count++;
  return count;
}

int nq_pass_single_consumer(const nq_graph *g, int t) {
  int found = -1;
  for (int n = 0; n < g->n_nodes; n++)
    for (int i = 0; i < g->nodes[n].n_in; i++)
      if (g->nodes[n].in[i] == t) {
        if (found >= 0) return -1; /* a second reader (or the same node twice) */
        found = n;
      }
  return found;
}

bool nq_pass_is_output(const nq_graph *g, int t) {
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == t) return true;
  for (int s = 0; s < g->n_signatures; s++)
    for (int i = 0; i < g->signatures[s].n_out; i++)
      if (g->signatures[s].out[i].tensor == t) return true;
  return false;
}

int nq_pass_producer(const nq_graph *g, int t) {
  for (int n = 0; n < g->n_nodes; n++)
    for (int i = 0; i < g->nodes[n].n_out; i++)
      if (g->nodes[n].out[i] == t) return n;
  return -1;
}

void nq_pass_replace_uses(nq_graph *g, int from, int to) {
  for (int n = 0; n < g->n_nodes; n++)
    for (int i = 0; i < g->nodes[n].n_in; i++)
      if (g->nodes[n].in[i] == from) g->nodes[n].in[i] = to;
}

void nq_pass_remove_node(nq_graph *g, int n) {
  nq_node *node = &g->nodes[n];
  free(node->name);
  free(node->in);
  free(node->out);
  memmove(&g->nodes[n], &g->nodes[n + 1], (size_t)(g->n_nodes - n - 1) * sizeof(nq_node));
  g->n_nodes--;
}

bool nq_pass_is_const_f32(const nq_graph *g, int t) {
  return t >= 0 && t < g->n_tensors && g->tensors[t].data != NULL &&
         g->tensors[t].type == NQ_FLOAT32 && g->tensors[t].q.n == 0;
}

int nq_pass_add_const_f32(nq_graph *g, const char *name, int rank, const int32_t *shape,
                          const float *data, nq_error *err) {
  int t = nq_graph_add_tensor(g, name, NQ_FLOAT32, rank, shape, err);
  if (t < 0) return -1;
  size_t nbytes = nq_tensor_elems(&g->tensors[t]) * sizeof(float);
  if (nq_tensor_copy_data(g, t, data, nbytes, err) != NQ_OK) return -1;
  return t;
}
