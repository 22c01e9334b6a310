/*
 * Drop RESHAPEs whose output shape equals their input shape (frontends emit
 * them for Keras Reshape/Flatten layers that turn out to be no-ops). Readers
 * of the output read the input instead. A RESHAPE whose output is a model
 * output is kept, so output tensors and their names stay as they were.
 */
#include "passes/pass_util.h"

nq_status nq_pass_drop_identity(nq_graph *g, bool *changed, nq_error *err) {
  (void)err;
  for (int n = 0; n < g->n_nodes;) {
    nq_node *node = &g->nodes[n];
    bool dropped = false;
    if (node->op == NQ_OP_RESHAPE && node->n_in >= 1 && node->n_out == 1 && node->in[0] >= 0) {
      const nq_tensor *a = &g->tensors[node->in[0]];
      const nq_tensor *b = &g->tensors[node->out[0]];
      bool same = a->rank == b->rank && a->type == b->type && a->q.n == 0 && b->q.n == 0 &&
                  !nq_pass_is_output(g, node->out[0]);
      for (int d = 0; same && d < a->rank; d++) same = a->shape[d] == b->shape[d];
      if (same) {
        int from = node->out[0], to = node->in[0];
        nq_pass_remove_node(g, n);
        nq_pass_replace_uses(g, from, to);
        dropped = true;
        *changed = true;
      }
    }
    if (!dropped) n++;
  }
  return NQ_OK;
}
