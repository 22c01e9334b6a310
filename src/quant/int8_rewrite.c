#include "quant/int8_rewrite.h"

#include <stdlib.h>

#include "core/status.h"

static bool rewritable(const nq_node *n) {
  return (n->op == NQ_OP_NEG || n->op == NQ_OP_SQUARE) && n->n_in == 1 && n->n_out == 1 && n->in[0] >= 0;
}

bool nq_rewrite_for_int8_needed(const nq_graph *g) {
  for (int i = 0; i < g->n_nodes; i++)
    if (rewritable(&g->nodes[i]) && g->tensors[g->nodes[i].in[0]].type == NQ_FLOAT32) return true;
  return false;
}

nq_status nq_rewrite_for_int8(nq_graph *g, int *n_rewritten, nq_error *err) {
  *n_rewritten = 0;
  int minus_one = -1; /* one shared constant for every NEG */
  for (int i = 0; i < g->n_nodes; i++) {
    nq_node *n = &g->nodes[i];
    if (!rewritable(n) || g->tensors[n->in[0]].type != NQ_FLOAT32) continue;
    int second = n->in[0];
    if (n->op == NQ_OP_NEG) {
      if (minus_one < 0) {
        const int32_t shape[1] = {1};
        minus_one = nq_graph_add_tensor(g, "neg_as_mul/minus_one", NQ_FLOAT32, 1, shape, err);
        const float v = -1.0f;
        if (minus_one < 0) return err->code;
        NQ_TRY(nq_tensor_copy_data(g, minus_one, &v, sizeof v, err));
        n = &g->nodes[i]; /* adding a tensor does not move nodes, but stay safe */
      }
      second = minus_one;
    }
    int *in = realloc(n->in, 2 * sizeof *in);
    if (!in) return nq_fail(err, NQ_ERR_NOMEM, "out of memory rewriting node %d for int8", i);
    in[1] = second;
    n->in = in;
    n->n_in = 2;
    n->op = NQ_OP_MUL;
    n->p = nq_op_params_default();
    n->version = 0;
    (*n_rewritten)++;
  }
  return NQ_OK;
}
