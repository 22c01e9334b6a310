#include "api/recipe_cost.h"

static double elems(const nq_graph *g, int t) {
  if (t < 0 || t >= g->n_tensors) return 0.0;
  double e = 1.0;
  for (int d = 0; d < g->tensors[t].rank; d++) e *= g->tensors[t].shape[d] > 0 ? g->tensors[t].shape[d] : 1;
  return e;
}

static double dim(const nq_graph *g, int t, int d) {
  if (t < 0 || t >= g->n_tensors) return 0.0;
  const nq_tensor *x = &g->tensors[t];
  if (d < 0) d += x->rank;
  return d >= 0 && d < x->rank && x->shape[d] > 0 ? x->shape[d] : 0.0;
}

static int input(const nq_node *n, int i) { return i < n->n_in ? n->in[i] : -1; }

/* One output element of CONV_2D / FULLY_CONNECTED takes a filter row
 * (filter elements / output channels), DEPTHWISE_CONV_2D one tap per
 * window position, TRANSPOSE_CONV scatters each input element into a
 * filter's worth of outputs, BATCH_MATMUL a row of K. Every other op is
 * counted as one per output element: cheap, but never free. */
static double node_macs(const nq_graph *g, const nq_node *n) {
  double out = n->n_out > 0 ? elems(g, n->out[0]) : 0.0, w;
  switch (n->op) {
    case NQ_OP_CONV_2D:
    case NQ_OP_FULLY_CONNECTED:
      w = dim(g, input(n, 1), 0);
      return w > 0 ? out * (elems(g, input(n, 1)) / w) : out;
    case NQ_OP_DEPTHWISE_CONV_2D:
      w = dim(g, input(n, 1), -1);
      return w > 0 ? out * (elems(g, input(n, 1)) / w) : out;
    case NQ_OP_TRANSPOSE_CONV:
      w = dim(g, input(n, 1), -1);
      return w > 0 ? elems(g, input(n, 2)) * (elems(g, input(n, 1)) / w) : out;
    case NQ_OP_BATCH_MATMUL:
      w = dim(g, input(n, 0), n->p.adj_x ? -2 : -1);
      return w > 0 ? out * w : out;
    default:
      return out;
  }
}

void nq_model_cost_of(const nq_graph *g, nq_model_cost *c) {
  double macs = 0.0;
  c->bias_layers = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    macs += node_macs(g, n);
    bool matrix =
        n->op == NQ_OP_CONV_2D || n->op == NQ_OP_DEPTHWISE_CONV_2D || n->op == NQ_OP_FULLY_CONNECTED;
    if (matrix) c->bias_layers++;
  }
  c->gmac = macs * 1e-9;
}
