/* Cost estimates for hostile graphs (see hostile_budget.h). */
#include "hostile_budget.h"

#include "core/checked.h"

/* Bytes of all non-constant tensors, saturating; SIZE_MAX for a bad shape. */
size_t hostile_activation_bytes(const nq_graph *g) {
  size_t total = 0;
  for (int t = 0; t < g->n_tensors; t++) {
    const nq_tensor *x = &g->tensors[t];
    size_t elems, bytes;
    if (x->data) continue;
    if (x->rank < 0 || x->rank > NQ_MAX_RANK) return SIZE_MAX;
    if ((unsigned)x->type >= NQ_DTYPE_COUNT || !nq_shape_elems(x->shape, x->rank, SIZE_MAX, &elems) ||
        !nq_mul_size(elems, nq_dtype_size(x->type), &bytes) || !nq_add_size(total, bytes, &total))
      return SIZE_MAX;
  }
  return total;
}

static double elems_of(const nq_graph *g, int t) {
  if (t < 0 || t >= g->n_tensors) return 0;
  const nq_tensor *x = &g->tensors[t];
  double n = 1;
  for (int d = 0; d < x->rank && d < NQ_MAX_RANK; d++) n *= x->shape[d] > 0 ? x->shape[d] : 0;
  return n;
}

static double dim_of(const nq_graph *g, int t, int d) {
  if (t < 0 || t >= g->n_tensors || d < 0 || d >= g->tensors[t].rank || d >= NQ_MAX_RANK) return 1;
  return g->tensors[t].shape[d] > 0 ? g->tensors[t].shape[d] : 1;
}

/* A rough count of multiply-adds per run: output elements times the work
 * behind each for the windowed and matrix ops, operand sizes otherwise. */
double hostile_work_estimate(const nq_graph *g) {
  double total = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    double out = n->n_out > 0 ? elems_of(g, n->out[0]) : 0, in = 0;
    for (int k = 0; k < n->n_in; k++) in += elems_of(g, n->in[k]);
    int w = n->n_in > 1 ? n->in[1] : -1;
    switch (n->op) {
      case NQ_OP_CONV_2D:
        total += out * elems_of(g, w) / dim_of(g, w, 0);
        break;
      case NQ_OP_DEPTHWISE_CONV_2D:
        total += out * dim_of(g, w, 1) * dim_of(g, w, 2);
        break;
      case NQ_OP_TRANSPOSE_CONV:
        total += in * elems_of(g, w);
        break;
      case NQ_OP_FULLY_CONNECTED:
        total += out * dim_of(g, w, w >= 0 ? g->tensors[w].rank - 1 : 0);
        break;
      case NQ_OP_BATCH_MATMUL: { /* K is one of the first operand's last two dims */
        int a0 = n->n_in > 0 ? n->in[0] : -1, r0 = a0 >= 0 ? g->tensors[a0].rank : 0;
        double k1 = dim_of(g, a0, r0 - 1), k2 = dim_of(g, a0, r0 - 2);
        total += out * (k1 > k2 ? k1 : k2);
        break;
      }
      case NQ_OP_AVERAGE_POOL_2D:
      case NQ_OP_MAX_POOL_2D:
        total += out * (double)n->p.filter_h * n->p.filter_w;
        break;
      default:
        total += in + out;
        break;
    }
  }
  return total;
}
