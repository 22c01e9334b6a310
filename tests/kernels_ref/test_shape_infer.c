/* Shape inference per op against shapes worked out by hand (TFLite rules). */
#include <string.h>

#include "core/status.h"
#include "ir/shape.h"
#include "kref_util.h"
#include "testutil.h"

/* Infer node 0 of b (write mode) and compare output k's shape. */
static void expect(kb *b, int node, int k, int rank, const int32_t *want, const char *what) {
  nq_error err;
  nq_status s = nq_infer_node_shapes(b->g, node, true, &err);
  CHECKF(s == NQ_OK, "%s: %s", what, err.msg);
  if (s != NQ_OK) return;
  const nq_tensor *t = &b->g->tensors[b->g->nodes[node].out[k]];
  CHECKF(t->rank == rank && memcmp(t->shape, want, sizeof(int32_t) * (size_t)rank) == 0,
         "%s: got rank %d [%d,%d,...]", what, t->rank, t->shape[0], t->shape[1]);
}

static void expect_fail(kb *b, int node, const char *needle, const char *what) {
  nq_error err;
  nq_status s = nq_infer_node_shapes(b->g, node, true, &err);
  CHECKF(s == NQ_ERR_SHAPE && strstr(err.msg, needle), "%s: status %d, message %s", what, (int)s, err.msg);
}

int main(void) {
  kb b;
  int32_t none[1] = {0};
  nq_op_params p;
  { /* FC: [2,3,4] x [5,4]: flattened [6,5], keep_num_dims [2,3,5] */
    kb_init(&b);
    int32_t xs[3] = {2, 3, 4}, ws[2] = {5, 4};
    float w[20] = {0};
    int in[2] = {kb_input(&b, 3, xs, NULL), kb_const_f(&b, 2, ws, w)};
    int o = kb_output(&b, 0, none);
    p = nq_op_params_default();
    kb_node(&b, NQ_OP_FULLY_CONNECTED, "fc", 2, in, 1, &o, &p);
    int32_t w1[2] = {6, 5};
    expect(&b, 0, 0, 2, w1, "fc");
    b.g->nodes[0].p.keep_dims = true;
    int32_t w2[3] = {2, 3, 5};
    expect(&b, 0, 0, 3, w2, "fc keep_num_dims");
    nq_graph_free(b.g);
  }
  { /* RESHAPE [2,3,4] with [-1, 4] -> [6, 4]; two -1 fail */
    kb_init(&b);
    int32_t xs[3] = {2, 3, 4}, ss[1] = {2}, sh[2] = {-1, 4}, sh2[2] = {-1, -1};
    int in[2] = {kb_input(&b, 3, xs, NULL), kb_const_i(&b, 1, ss, sh)};
    int o = kb_output(&b, 0, none);
    p = nq_op_params_default();
    kb_node(&b, NQ_OP_RESHAPE, "r", 2, in, 1, &o, &p);
    int32_t w[2] = {6, 4};
    expect(&b, 0, 0, 2, w, "reshape");
    int in2[2] = {in[0], kb_const_i(&b, 1, ss, sh2)};
    int o2 = kb_output(&b, 0, none);
    kb_node(&b, NQ_OP_RESHAPE, "r2", 2, in2, 1, &o2, &p);
    expect_fail(&b, 1, "more than one -1", "reshape two -1");
    nq_graph_free(b.g);
  }
  { /* CONV SAME stride 2 on 7x7 -> 4x4; VALID with dilation 2, k=3 -> 3x3 */
    kb_init(&b);
    int32_t xs[4] = {1, 7, 7, 3}, ws[4] = {8, 3, 3, 3};
    float w[216] = {0};
    int in[2] = {kb_input(&b, 4, xs, NULL), kb_const_f(&b, 4, ws, w)};
    int o = kb_output(&b, 0, none);
    p = nq_op_params_default();
    p.stride_h = p.stride_w = 2;
    kb_node(&b, NQ_OP_CONV_2D, "c", 2, in, 1, &o, &p);
    int32_t w1[4] = {1, 4, 4, 8};
    expect(&b, 0, 0, 4, w1, "conv same s2");
    b.g->nodes[0].p = nq_op_params_default();
    b.g->nodes[0].p.padding = NQ_PAD_VALID;
    b.g->nodes[0].p.dilation_h = b.g->nodes[0].p.dilation_w = 2;
    int32_t w2[4] = {1, 3, 3, 8};
    expect(&b, 0, 0, 4, w2, "conv valid dilated");
    nq_graph_free(b.g);
  }
  { /* SPLIT_V [10, 4] sizes {3, -1, 2} on axis 0 */
    kb_init(&b);
    int32_t xs[2] = {10, 4}, ss[1] = {3}, sz[3] = {3, -1, 2}, as[1] = {1}, ax[1] = {0};
    int in[3] = {kb_input(&b, 2, xs, NULL), kb_const_i(&b, 1, ss, sz), kb_const_i(&b, 1, as, ax)};
    int o[3] = {kb_output(&b, 0, none), kb_output(&b, 0, none), kb_output(&b, 0, none)};
    p = nq_op_params_default();
    kb_node(&b, NQ_OP_SPLIT_V, "sv", 3, in, 3, o, &p);
    int32_t w[2] = {5, 4};
    expect(&b, 0, 1, 2, w, "split_v -1");
    nq_graph_free(b.g);
  }
  { /* BATCH_MATMUL [2,1,3,4] x [5,4,6] -> [2,5,3,6]; adj_y [5,6,4] */
    kb_init(&b);
    int32_t as[4] = {2, 1, 3, 4}, bs[3] = {5, 4, 6};
    int in[2] = {kb_input(&b, 4, as, NULL), kb_input(&b, 3, bs, NULL)};
    int o = kb_output(&b, 0, none);
    p = nq_op_params_default();
    kb_node(&b, NQ_OP_BATCH_MATMUL, "bmm", 2, in, 1, &o, &p);
    int32_t w[4] = {2, 5, 3, 6};
    expect(&b, 0, 0, 4, w, "batch_matmul");
    b.g->nodes[0].p.adj_y = true;
    expect_fail(&b, 0, "inner dimensions", "batch_matmul adj_y mismatch");
    nq_graph_free(b.g);
  }
  { /* SUM over {-1} without keep_dims, [2,3,4] -> [2,3]; PACK 3 x [2,3] axis 1 -> [2,3,3] */
    kb_init(&b);
    int32_t xs[3] = {2, 3, 4}, as[1] = {1}, ax[1] = {-1};
    int in[2] = {kb_input(&b, 3, xs, NULL), kb_const_i(&b, 1, as, ax)};
    int o = kb_output(&b, 0, none);
    p = nq_op_params_default();
    kb_node(&b, NQ_OP_SUM, "sum", 2, in, 1, &o, &p);
    int32_t w[2] = {2, 3};
    expect(&b, 0, 0, 2, w, "sum");
    int pin[3] = {o, o, o};
    int po = kb_output(&b, 0, none);
    p.axis = 1;
    kb_node(&b, NQ_OP_PACK, "pack", 3, pin, 1, &po, &p);
    int32_t w2[3] = {2, 3, 3};
    expect(&b, 1, 0, 3, w2, "pack");
    /* values_count is written to files: it must match the inputs */
    b.g->nodes[1].p.num = 2;
    expect_fail(&b, 1, "values_count is 2 but the node has 3 inputs", "pack values_count");
    nq_graph_free(b.g);
  }
  { /* Broadcast mismatch names the node and both shapes */
    kb_init(&b);
    int32_t as[2] = {2, 3}, bs[2] = {4, 3};
    int in[2] = {kb_input(&b, 2, as, NULL), kb_input(&b, 2, bs, NULL)};
    int o = kb_output(&b, 0, none);
    p = nq_op_params_default();
    kb_node(&b, NQ_OP_MUL, "mymul", 2, in, 1, &o, &p);
    expect_fail(&b, 0, "node 0 (MUL 'mymul'): cannot broadcast [2,3] with [4,3]", "broadcast");
    nq_graph_free(b.g);
  }
  { /* SPACE_TO_DEPTH 2 on [1,4,6,3] -> [1,2,3,12]; TRANSPOSE perm {0,3,1,2} */
    kb_init(&b);
    int32_t xs[4] = {1, 4, 6, 3}, ps[1] = {4}, perm[4] = {0, 3, 1, 2};
    int x = kb_input(&b, 4, xs, NULL);
    int o = kb_output(&b, 0, none);
    p = nq_op_params_default();
    p.block_size = 2;
    kb_node(&b, NQ_OP_SPACE_TO_DEPTH, "s2d", 1, &x, 1, &o, &p);
    int32_t w[4] = {1, 2, 3, 12};
    expect(&b, 0, 0, 4, w, "space_to_depth");
    int tin[2] = {x, kb_const_i(&b, 1, ps, perm)};
    int o2 = kb_output(&b, 0, none);
    kb_node(&b, NQ_OP_TRANSPOSE, "t", 2, tin, 1, &o2, &p);
    int32_t w2[4] = {1, 3, 4, 6};
    expect(&b, 1, 0, 4, w2, "transpose");
    nq_graph_free(b.g);
  }
  { /* Hostile attributes are refused, never divided by or looped on */
    kb_init(&b);
    int32_t xs[4] = {1, 8, 8, 2}, ws[4] = {3, 3, 3, 2};
    float w[54] = {0};
    int in[2] = {kb_input(&b, 4, xs, NULL), kb_const_f(&b, 4, ws, w)};
    int o = kb_output(&b, 0, none);
    p = nq_op_params_default();
    p.stride_h = 0;
    kb_node(&b, NQ_OP_CONV_2D, "c0", 2, in, 1, &o, &p);
    expect_fail(&b, 0, "must be positive", "conv stride 0");
    int32_t ss[1] = {3}, big[3] = {65536, 65536, 65536};
    int rin[2] = {in[0], kb_const_i(&b, 1, ss, big)};
    int o2 = kb_output(&b, 0, none);
    kb_node(&b, NQ_OP_RESHAPE, "r", 2, rin, 1, &o2, &p);
    expect_fail(&b, 1, "elements", "reshape to a huge shape");
    int32_t s4[1] = {4}, z[4] = {0, 0, 0, 0}, one[4] = {1, 0, 1, 1};
    int sin[4] = {in[0], kb_const_i(&b, 1, s4, z), kb_const_i(&b, 1, s4, z), kb_const_i(&b, 1, s4, one)};
    int o3 = kb_output(&b, 0, none);
    kb_node(&b, NQ_OP_STRIDED_SLICE, "ss", 4, sin, 1, &o3, &p);
    expect_fail(&b, 2, "stride of dimension 1 is 0", "strided slice stride 0");
    int32_t is[1] = {1}, idx[1] = {0};
    int gin[2] = {in[0], kb_const_i(&b, 1, is, idx)};
    int o4 = kb_output(&b, 0, none);
    p.axis = 4;
    kb_node(&b, NQ_OP_GATHER, "g", 2, gin, 1, &o4, &p);
    expect_fail(&b, 3, "axis 4 is out of range for rank 4", "gather axis");
    nq_graph_free(b.g);
  }
  return nq_test_finish("test_shape_infer");
}
