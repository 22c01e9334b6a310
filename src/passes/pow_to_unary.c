/*
 * POW by a scalar constant exponent that TFLite has a cheaper (and
 * int8-capable) op for:  POW(x, 2) -> SQUARE(x),  POW(x, 0.5) -> SQRT(x),
 * POW(x, -0.5) -> RSQRT(x). Exact up to float rounding. Decomposed
 * LayerNorms square (x - mean) with Pow; the int8 rewrite then turns SQUARE
 * into MUL(x, x).
 */
#include "passes/pass_util.h"

nq_status nq_pass_pow_to_unary(nq_graph *g, bool *changed, nq_error *err) {
  (void)err;
  for (int n = 0; n < g->n_nodes; n++) {
    nq_node *node = &g->nodes[n];
    if (node->op != NQ_OP_POW || node->n_in != 2 || node->n_out != 1 || node->in[0] < 0) continue;
    int e = node->in[1];
    if (!nq_pass_is_const_f32(g, e) || nq_tensor_elems(&g->tensors[e]) != 1) continue;
    /* A higher-rank exponent would broadcast x up: keep the shape check. */
    const nq_tensor *x = &g->tensors[node->in[0]], *y = &g->tensors[node->out[0]];
    bool same = x->rank == y->rank && x->type == NQ_FLOAT32;
    for (int d = 0; same && d < x->rank; d++) same = x->shape[d] == y->shape[d];
    if (!same) continue;
    float v = ((const float *)g->tensors[e].data)[0];
    nq_op op;
    if (v == 2.0f)
      op = NQ_OP_SQUARE;
    else if (v == 0.5f)
      op = NQ_OP_SQRT;
    else if (v == -0.5f)
      op = NQ_OP_RSQRT;
    else
      continue;
    node->op = op;
    node->n_in = 1;
    node->p = nq_op_params_default();
    *changed = true;
  }
  return NQ_OK;
}
