/*
 * Drop nodes that compute their input unchanged:
 *   - RESHAPEs whose output shape equals their input shape (frontends emit
 *     them for Keras Reshape/Flatten layers that turn out to be no-ops) and
 *     TRANSPOSEs by the identity permutation;
 *   - MUL or DIV by a scalar 1 and ADD or SUB of a scalar 0 without a fused
 *     activation (Keras Rescaling(scale=1, offset=3) is MUL by 1 then ADD 3,
 *     Rescaling(1/6) ends in ADD 0, which would hide a hard-swish from
 *     fuse_unary.c).
 * Readers of the output read the input instead. When the output is a model
 * output (its tensor and name must stay), the node producing the input
 * writes it directly instead, if that input has no other reader and is no
 * model output itself; otherwise the node stays.
 */
#include "passes/pass_util.h"

static bool same_shape(const nq_tensor *a, const nq_tensor *b) {
  if (a->rank != b->rank || a->type != b->type || a->q.n != 0 || b->q.n != 0) return false;
  for (int d = 0; d < a->rank; d++)
    if (a->shape[d] != b->shape[d]) return false;
  return true;
}

static bool is_scalar(const nq_graph *g, int t, float v) {
  return nq_pass_is_const_f32(g, t) && nq_tensor_elems(&g->tensors[t]) == 1 &&
         g->tensors[t].nbytes >= sizeof(float) && ((const float *)g->tensors[t].data)[0] == v;
}

/* True for a TRANSPOSE whose constant permutation is 0, 1, ..., rank-1
 * (cancel_transposes.c leaves one when two transposes undo each other in
 * front of a model output). */
static bool identity_perm(const nq_graph *g, const nq_node *node) {
  if (node->n_in != 2 || node->in[1] < 0) return false;
  const nq_tensor *p = &g->tensors[node->in[1]];
  size_t n = nq_tensor_elems(p);
  if (!p->data || n != (size_t)g->tensors[node->in[0]].rank) return false;
  for (size_t i = 0; i < n; i++) {
    long long v;
    if (p->type == NQ_INT32 && p->nbytes >= n * 4)
      v = ((const int32_t *)p->data)[i];
    else if (p->type == NQ_INT64 && p->nbytes >= n * 8)
      v = ((const int64_t *)p->data)[i];
    else
      return false;
    if (v != (long long)i) return false;
  }
  return true;
}

/* The input node n passes through unchanged, or -1. */
static int identity_input(const nq_graph *g, const nq_node *node) {
  if (node->n_out != 1 || node->n_in < 1 || node->in[0] < 0) return -1;
  if (node->op == NQ_OP_RESHAPE) return node->in[0];
  if (node->op == NQ_OP_TRANSPOSE) return identity_perm(g, node) ? node->in[0] : -1;
  if (node->n_in != 2 || node->p.act != NQ_ACT_NONE || node->in[1] < 0) return -1;
  switch (node->op) {
    case NQ_OP_MUL:
      if (is_scalar(g, node->in[1], 1.0f)) return node->in[0];
      return is_scalar(g, node->in[0], 1.0f) ? node->in[1] : -1;
    case NQ_OP_ADD:
      if (is_scalar(g, node->in[1], 0.0f)) return node->in[0];
      return is_scalar(g, node->in[0], 0.0f) ? node->in[1] : -1;
    case NQ_OP_DIV:
      return is_scalar(g, node->in[1], 1.0f) ? node->in[0] : -1;
    case NQ_OP_SUB:
      return is_scalar(g, node->in[1], 0.0f) ? node->in[0] : -1;
    default:
      return -1;
  }
}

nq_status nq_pass_drop_identity(nq_graph *g, bool *changed, nq_error *err) {
  (void)err;
  for (int n = 0; n < g->n_nodes;) {
    const nq_node *node = &g->nodes[n];
    int x = identity_input(g, node);
    int y = x < 0 ? -1 : node->out[0];
    if (x < 0 || !same_shape(&g->tensors[x], &g->tensors[y])) {
      n++;
      continue;
    }
    if (!nq_pass_is_output(g, y)) {
      nq_pass_remove_node(g, n);
      nq_pass_replace_uses(g, y, x);
      *changed = true;
      continue;
    }
    int p = nq_pass_producer(g, x);
    if (p >= 0 && p < n && g->nodes[p].n_out == 1 && !nq_pass_is_output(g, x) &&
        nq_pass_single_consumer(g, x) == n) {
      g->nodes[p].out[0] = y;
      nq_pass_remove_node(g, n);
      *changed = true;
      continue;
    }
    n++;
  }
  return NQ_OK;
}
