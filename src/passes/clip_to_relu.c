/*
 * Clamps spelled with MAXIMUM / MINIMUM by scalar constants become the
 * TFLite activation they are, so that they fuse into the op before them
 * (fuse_activation.c) and hard-swish / hard-sigmoid patterns written with
 * ClipByValue or min/max look like the ones written with Relu6:
 *   MINIMUM(MAXIMUM(x, 0), 6), MAXIMUM(MINIMUM(x, 6), 0)   -> RELU6(x)
 *   MINIMUM(MAXIMUM(x, -1), 1), MAXIMUM(MINIMUM(x, 1), -1) -> RELU_N1_TO_1(x)
 *   MAXIMUM(x, 0)                                          -> RELU(x)
 *   MINIMUM(RELU(x), 6)                                    -> RELU6(x)
 * Exact in float. The inner node must have the outer one as its only reader
 * and the output must have x's shape (a scalar bound of higher rank would
 * broadcast x up).
 */
#include "passes/pass_util.h"

/* The scalar float constant operand of a two-input node and the other
 * operand; false when there is none. */
static bool scalar_operand(const nq_graph *g, const nq_node *node, float *v, int *other) {
  if (node->n_in != 2 || node->n_out != 1 || node->in[0] < 0 || node->in[1] < 0) return false;
  for (int k = 0; k < 2; k++) {
    int c = node->in[k];
    if (nq_pass_is_const_f32(g, c) && nq_tensor_elems(&g->tensors[c]) == 1 &&
        !nq_pass_is_const_f32(g, node->in[1 - k])) {
      *v = ((const float *)g->tensors[c].data)[0];
      *other = node->in[1 - k];
      return true;
    }
  }
  return false;
}

static bool same_shape(const nq_tensor *a, const nq_tensor *b) {
  if (a->rank != b->rank) return false;
  for (int d = 0; d < a->rank; d++)
    if (a->shape[d] != b->shape[d]) return false;
  return true;
}

static bool relu_for(float lo, float hi, nq_op *op) {
  if (lo == 0.0f && hi == 6.0f)
    *op = NQ_OP_RELU6;
  else if (lo == -1.0f && hi == 1.0f)
    *op = NQ_OP_RELU_N1_TO_1;
  else
    return false;
  return true;
}

/* Turn node n into unary `op` of x. */
static void make_unary(nq_graph *g, int n, nq_op op, int x) {
  nq_node *node = &g->nodes[n];
  node->op = op;
  node->in[0] = x;
  node->n_in = 1;
  node->p = nq_op_params_default();
}

nq_status nq_pass_clip_to_relu(nq_graph *g, bool *changed, nq_error *err) {
  (void)err;
  for (int n = 0; n < g->n_nodes; n++) {
    nq_node *outer = &g->nodes[n];
    if (outer->op != NQ_OP_MAXIMUM && outer->op != NQ_OP_MINIMUM) continue;
    float vo;
    int mid;
    if (!scalar_operand(g, outer, &vo, &mid) || g->tensors[mid].type != NQ_FLOAT32) continue;
    if (!same_shape(&g->tensors[mid], &g->tensors[outer->out[0]])) continue;
    int in_n = nq_pass_producer(g, mid);
    if (in_n >= 0 && in_n < n && nq_pass_single_consumer(g, mid) == n && !nq_pass_is_output(g, mid)) {
      const nq_node *inner = &g->nodes[in_n];
      float vi = 0.0f;
      int x = -1;
      nq_op op;
      bool pair = (inner->op == NQ_OP_MAXIMUM && outer->op == NQ_OP_MINIMUM) ||
                  (inner->op == NQ_OP_MINIMUM && outer->op == NQ_OP_MAXIMUM);
      if (inner->op == NQ_OP_RELU && outer->op == NQ_OP_MINIMUM && inner->n_in == 1 && inner->in[0] >= 0) {
        /* MAXIMUM(x, 0) may already have become RELU(x) this round */
        pair = true;
        vi = 0.0f;
        x = inner->in[0];
      } else if (pair && !scalar_operand(g, inner, &vi, &x)) {
        pair = false;
      }
      if (pair && same_shape(&g->tensors[x], &g->tensors[mid])) {
        bool max_inside = inner->op != NQ_OP_MINIMUM;
        float lo = max_inside ? vi : vo, hi = max_inside ? vo : vi;
        if (relu_for(lo, hi, &op)) {
          make_unary(g, n, op, x); /* the inner node is left for dead_code */
          *changed = true;
          continue;
        }
      }
    }
    if (outer->op == NQ_OP_MAXIMUM && vo == 0.0f) {
      make_unary(g, n, NQ_OP_RELU, mid);
      *changed = true;
    }
  }
  return NQ_OK;
}
