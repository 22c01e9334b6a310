#include "calib/pad_sentinel.h"

#include <math.h>
#include <stdlib.h>

#include "core/status.h"

/* Every reader of t is a MAX_POOL_2D reading it as its data input, and t is
 * no model output (an output's padding is visible). */
static bool only_max_pools_read(const nq_graph *g, int t) {
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == t) return false;
  int readers = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_in; k++) {
      if (n->in[k] != t) continue;
      if (n->op != NQ_OP_MAX_POOL_2D || k != 0) return false;
      readers++;
    }
  }
  return readers > 0;
}

nq_status nq_calib_ignored_values(const nq_graph *g, float **out, nq_error *err) {
  float *v = malloc(sizeof(float) * (size_t)(g->n_tensors ? g->n_tensors : 1));
  if (!v) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for %d tensors", g->n_tensors);
  for (int t = 0; t < g->n_tensors; t++) v[t] = NAN;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    if (n->op != NQ_OP_PADV2 || n->n_in < 3 || n->n_out != 1 || n->in[2] < 0 || n->out[0] < 0) continue;
    const nq_tensor *pv = &g->tensors[n->in[2]];
    if (!pv->data || pv->type != NQ_FLOAT32 || pv->nbytes != sizeof(float)) continue;
    if (only_max_pools_read(g, n->out[0])) v[n->out[0]] = *(const float *)pv->data;
  }
  *out = v;
  return NQ_OK;
}
