/*
 * Fuse a RELU / RELU6 / RELU_N1_TO_1 into the fused activation of the node
 * that produces its input, as TensorFlow's converter does; the int8
 * quantizer then gives that node's output the clamped range directly.
 * Only when the producer supports a fused activation, has none yet, has a
 * single float32 output read by this activation alone and that output is
 * not a model output (it would disappear).
 */
#include "passes/pass_util.h"

static bool has_fused_act(nq_op op) {
  switch (op) {
    case NQ_OP_CONV_2D:
    case NQ_OP_DEPTHWISE_CONV_2D:
    case NQ_OP_FULLY_CONNECTED:
    case NQ_OP_ADD:
    case NQ_OP_SUB:
    case NQ_OP_MUL:
    case NQ_OP_AVERAGE_POOL_2D:
    case NQ_OP_MAX_POOL_2D:
    case NQ_OP_TRANSPOSE_CONV:
      return true;
    /* Not CONCATENATION: its options carry a fused activation, but TFLite's
     * int8 kernel ignores it and the output shares the inputs' scale, so a
     * ReLU fused there would vanish from the int8 model. */
    default:
      return false;
  }
}

static bool act_of(nq_op op, nq_activation *act) {
  switch (op) {
    case NQ_OP_RELU:
      *act = NQ_ACT_RELU;
      return true;
    case NQ_OP_RELU6:
      *act = NQ_ACT_RELU6;
      return true;
    case NQ_OP_RELU_N1_TO_1:
      *act = NQ_ACT_RELU_N1_TO_1;
      return true;
    default:
      return false;
  }
}

nq_status nq_pass_fuse_activation(nq_graph *g, bool *changed, nq_error *err) {
  (void)err;
  for (int rn = 0; rn < g->n_nodes;) {
    nq_node *r = &g->nodes[rn];
    nq_activation act;
    bool fused = false;
    if (act_of(r->op, &act) && r->n_in == 1 && r->n_out == 1 && r->in[0] >= 0) {
      int x = r->in[0];
      int pn = nq_pass_producer(g, x);
      if (pn >= 0 && pn < rn && g->tensors[x].type == NQ_FLOAT32 &&
          g->tensors[r->out[0]].type == NQ_FLOAT32 && !nq_pass_is_output(g, x) &&
          nq_pass_single_consumer(g, x) == rn) {
        nq_node *p = &g->nodes[pn];
        if (has_fused_act(p->op) && p->p.act == NQ_ACT_NONE && p->n_out == 1) {
          p->p.act = act;
          p->out[0] = r->out[0];
          nq_pass_remove_node(g, rn);
          fused = true;
          *changed = true;
        }
      }
    }
    if (!fused) rn++;
  }
  return NQ_OK;
}
