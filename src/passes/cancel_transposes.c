/*
 * Two TRANSPOSEs in a row become one, or none when they undo each other.
 * Frontends move NCHW values to NHWC and back around layout-sensitive ops
 * (ONNX and TF GraphDef NCHW graphs, Keras channels_first); once the graph
 * is built, a transpose out of NHWC that is followed by one back into it is
 * pure data movement, and int8-wise each is a requantization-free copy
 * that an NPU may still not take.
 *   TRANSPOSE(TRANSPOSE(x, p), q): out dim i is x dim p[q[i]]
 *     p[q[i]] == i for all i -> readers of the result read x;
 *     otherwise              -> TRANSPOSE(x, r) with r[i] = p[q[i]].
 * A result that is a model output is never replaced by x (the output tensor
 * and its name stay), only composed.
 */
#include <stdio.h>

#include "passes/pass_util.h"

/* The constant permutation of a TRANSPOSE node of rank `rank`. */
static bool perm_of(const nq_graph *g, const nq_node *node, int rank, int *perm) {
  if (node->op != NQ_OP_TRANSPOSE || node->n_in != 2 || node->n_out != 1 || node->in[0] < 0 ||
      node->in[1] < 0)
    return false;
  const nq_tensor *p = &g->tensors[node->in[1]];
  if (!p->data || rank < 1 || rank > NQ_MAX_RANK || nq_tensor_elems(p) != (size_t)rank) return false;
  bool seen[NQ_MAX_RANK] = {false};
  for (int i = 0; i < rank; i++) {
    long long v;
    if (p->type == NQ_INT32 && p->nbytes >= (size_t)rank * 4)
      v = ((const int32_t *)p->data)[i];
    else if (p->type == NQ_INT64 && p->nbytes >= (size_t)rank * 8)
      v = ((const int64_t *)p->data)[i];
    else
      return false;
    if (v < 0) v += rank;
    if (v < 0 || v >= rank || seen[v]) return false;
    seen[v] = true;
    perm[i] = (int)v;
  }
  return true;
}

nq_status nq_pass_cancel_transposes(nq_graph *g, bool *changed, nq_error *err) {
  for (int n = 0; n < g->n_nodes; n++) {
    nq_node *outer = &g->nodes[n];
    if (outer->op != NQ_OP_TRANSPOSE || outer->n_in != 2 || outer->in[0] < 0) continue;
    int mid = outer->in[0], in_n = nq_pass_producer(g, mid);
    if (in_n < 0 || in_n >= n) continue;
    const nq_node *inner = &g->nodes[in_n];
    int x = inner->n_in > 0 ? inner->in[0] : -1;
    if (x < 0) continue;
    int rank = g->tensors[x].rank, p[NQ_MAX_RANK], q[NQ_MAX_RANK];
    if (g->tensors[mid].rank != rank || !perm_of(g, inner, rank, p) || !perm_of(g, outer, rank, q)) continue;
    int32_t r[NQ_MAX_RANK];
    bool identity = true;
    for (int i = 0; i < rank; i++) {
      r[i] = p[q[i]];
      identity &= r[i] == i;
    }
    int y = outer->out[0];
    if (identity && !nq_pass_is_output(g, y)) {
      nq_pass_replace_uses(g, y, x); /* the outer node is now unread: dead_code drops it */
      *changed = true;
      continue;
    }
    char name[300];
    snprintf(name, sizeof name, "%.280s/perm", outer->name ? outer->name : "transpose");
    int32_t shape[1] = {rank};
    int pt = nq_graph_add_tensor(g, name, NQ_INT32, 1, shape, err);
    if (pt < 0) return err->code;
    NQ_TRY(nq_tensor_copy_data(g, pt, r, (size_t)rank * sizeof(int32_t), err));
    outer = &g->nodes[n];
    outer->in[0] = x;
    outer->in[1] = pt;
    *changed = true;
  }
  return NQ_OK;
}
