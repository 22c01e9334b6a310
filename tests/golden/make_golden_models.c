/*
 * The int8 models of the golden vectors that the per-op model makers of
 * tests/int8 and tests/int8_ops do not write: the copy ops SQUEEZE,
 * EXPAND_DIMS and PADV2 (a constant pad value), and two small multi-op
 * networks, so the vectors also pin what happens between kernels (shared
 * scales, fused activations, a residual ADD, a softmax head), and the
 * comparisons and logical ops (bool outputs). Built with
 * the IR API and npuquant's own TFLite writer; constants come from a seeded
 * RNG. Run once by tests/golden/generate.py (not a test itself).
 *
 *   make_golden_models OUT_DIR      -> OUT_DIR/<name>.tflite, names on stdout
 *
 * Exit 0 when every model was written, 1 (with a message per model on
 * stderr) otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "op_model_builder.h"

static void copy_ops(builder *b, const char *dir) {
  nq_op_params p = nq_op_params_default();
  mb_start(b);
  int x = mb_input(b, NQ_INT8, 4, SH(1, 5, 1, 6), 0.05f, -6);
  int y = mb_act(b, NQ_INT8, 0.05f, -6);
  p.squeeze_dims[0] = 2;
  p.num_squeeze_dims = 1;
  mb_node(b, NQ_OP_SQUEEZE, 1, IN(x), 1, IN(y), &p);
  mb_finish(b, dir, "squeeze", 1, IN(y));

  p = nq_op_params_default();
  mb_start(b);
  x = mb_input(b, NQ_INT8, 3, SH(2, 5, 6), 0.05f, -6);
  int ax = mb_ints(b, 1, SH(1), (int32_t[]){1});
  y = mb_act(b, NQ_INT8, 0.05f, -6);
  mb_node(b, NQ_OP_EXPAND_DIMS, 2, IN(x, ax), 1, IN(y), &p);
  mb_finish(b, dir, "expand_dims", 1, IN(y));

  /* PADV2 with a pad value other than the zero point. */
  mb_start(b);
  x = mb_input(b, NQ_INT8, 4, SH(1, 4, 5, 3), 0.05f, -6);
  int pads = mb_ints(b, 2, SH(4, 2), (int32_t[]){0, 0, 2, 1, 0, 3, 1, 0});
  int64_t zv = -6;
  float sv = 0.05f;
  int val = mb_tensor(b, NQ_INT8, 0, NULL, 1, &sv, &zv, 0);
  mb_set_data(b, val, (int8_t[]){57}, 1);
  y = mb_act(b, NQ_INT8, 0.05f, -6);
  mb_node(b, NQ_OP_PADV2, 3, IN(x, pads, val), 1, IN(y), &p);
  mb_finish(b, dir, "padv2", 1, IN(y));

  /* SELECT_V2: a bool condition [1, 6] broadcast over x [2, 3, 6] and y [3, 1]
   * (one scale for x, y and the output, as TFLite copies raw values). */
  p = nq_op_params_default();
  mb_start(b);
  int cond = mb_tensor(b, NQ_BOOL, 2, SH(1, 6), 0, NULL, NULL, 0);
  mb_set_data(b, cond, (uint8_t[]){1, 0, 0, 1, 1, 0}, 6);
  x = mb_input(b, NQ_INT8, 3, SH(2, 3, 6), 0.05f, -6);
  int x2 = mb_input(b, NQ_INT8, 2, SH(3, 1), 0.05f, -6);
  y = mb_act(b, NQ_INT8, 0.05f, -6);
  mb_node(b, NQ_OP_SELECT_V2, 3, IN(cond, x, x2), 1, IN(y), &p);
  mb_finish(b, dir, "select_v2", 1, IN(y));
}

/* A small CNN: CONV(RELU6) -> DEPTHWISE(RELU) -> ADD (residual) -> AVERAGE_POOL
 * -> RESHAPE -> FULLY_CONNECTED -> SOFTMAX. */
static void small_cnn(builder *b, const char *dir) {
  nq_op_params p = nq_op_params_default();
  mb_start(b);
  int x = mb_input(b, NQ_INT8, 4, SH(1, 8, 8, 3), 0.02f, -1);
  int w1 = mb_weights(b, 4, SH(8, 3, 3, 3), 8, 0), b1 = mb_bias(b, 8, 0.02f, w1);
  int c1 = mb_act(b, NQ_INT8, 6.0f / 255, -128);
  p.padding = NQ_PAD_SAME;
  p.stride_h = p.stride_w = 2;
  p.act = NQ_ACT_RELU6;
  mb_node(b, NQ_OP_CONV_2D, 3, IN(x, w1, b1), 1, IN(c1), &p);
  int w2 = mb_weights(b, 4, SH(1, 3, 3, 8), 8, 3), b2 = mb_bias(b, 8, 6.0f / 255, w2);
  int c2 = mb_act(b, NQ_INT8, 0.015f, -128);
  p = nq_op_params_default();
  p.padding = NQ_PAD_SAME;
  p.act = NQ_ACT_RELU;
  mb_node(b, NQ_OP_DEPTHWISE_CONV_2D, 3, IN(c1, w2, b2), 1, IN(c2), &p);
  int s = mb_act(b, NQ_INT8, 0.04f, -100);
  p = nq_op_params_default();
  mb_node(b, NQ_OP_ADD, 2, IN(c1, c2), 1, IN(s), &p);
  int pool = mb_act(b, NQ_INT8, 0.04f, -100);
  p.padding = NQ_PAD_VALID;
  p.stride_h = p.stride_w = 2;
  p.filter_h = p.filter_w = 2;
  mb_node(b, NQ_OP_AVERAGE_POOL_2D, 1, IN(s), 1, IN(pool), &p);
  int shape = mb_ints(b, 1, SH(2), (int32_t[]){1, 32});
  int flat = mb_act(b, NQ_INT8, 0.04f, -100);
  p = nq_op_params_default();
  mb_node(b, NQ_OP_RESHAPE, 2, IN(pool, shape), 1, IN(flat), &p);
  int w3 = mb_weights(b, 2, SH(5, 32), 1, 0), b3 = mb_bias(b, 5, 0.04f, w3);
  int logits = mb_act(b, NQ_INT8, 0.1f, 10);
  mb_node(b, NQ_OP_FULLY_CONNECTED, 3, IN(flat, w3, b3), 1, IN(logits), &p);
  int prob = mb_act(b, NQ_INT8, 1.0f / 256, -128);
  p.beta = 1.0f;
  mb_node(b, NQ_OP_SOFTMAX, 1, IN(logits), 1, IN(prob), &p);
  mb_finish(b, dir, "net_small_cnn", 1, IN(prob));
}

/* An MLP with the elementwise ops between layers: FC -> LEAKY_RELU -> MUL by
 * a second input -> SUB -> FC -> LOGISTIC. */
static void small_mlp(builder *b, const char *dir) {
  nq_op_params p = nq_op_params_default();
  mb_start(b);
  int x = mb_input(b, NQ_INT8, 2, SH(2, 16), 0.03f, 5);
  int g = mb_input(b, NQ_INT8, 2, SH(2, 12), 0.01f, -128);
  int w1 = mb_weights(b, 2, SH(12, 16), 12, 0), b1 = mb_bias(b, 12, 0.03f, w1);
  int h = mb_act(b, NQ_INT8, 0.05f, -3);
  mb_node(b, NQ_OP_FULLY_CONNECTED, 3, IN(x, w1, b1), 1, IN(h), &p);
  int l = mb_act(b, NQ_INT8, 0.04f, -40);
  p.alpha = 0.2f;
  mb_node(b, NQ_OP_LEAKY_RELU, 1, IN(h), 1, IN(l), &p);
  int m = mb_act(b, NQ_INT8, 0.02f, -60);
  p = nq_op_params_default();
  mb_node(b, NQ_OP_MUL, 2, IN(l, g), 1, IN(m), &p);
  int d = mb_act(b, NQ_INT8, 0.05f, 0);
  mb_node(b, NQ_OP_SUB, 2, IN(m, h), 1, IN(d), &p);
  int w2 = mb_weights(b, 2, SH(4, 12), 1, 0), b2 = mb_bias(b, 4, 0.05f, w2);
  int o = mb_act(b, NQ_INT8, 0.08f, 1);
  mb_node(b, NQ_OP_FULLY_CONNECTED, 3, IN(d, w2, b2), 1, IN(o), &p);
  int y = mb_act(b, NQ_INT8, 1.0f / 256, -128);
  mb_node(b, NQ_OP_LOGISTIC, 1, IN(o), 1, IN(y), &p);
  mb_finish(b, dir, "net_small_mlp", 1, IN(y));
}

/* A bool output tensor (shape filled in by inference). */
static int bool_out(builder *b) { return mb_tensor(b, NQ_BOOL, 0, NULL, 0, NULL, NULL, 0); }

/* The six comparisons on int8 operands with different scales and zero
 * points (TFLite rescales both to one fixed point): [64, 1] against [1, 64]
 * with a scale ratio of exactly 2 (so equal real values occur often), and
 * [2, 3, 4] against [3, 1] with unrelated scales; then the logical ops on
 * comparison results, with a constant int8 threshold. */
static void compare_ops(builder *b, const char *dir) {
  static const nq_op ops[6] = {NQ_OP_LESS,          NQ_OP_LESS_EQUAL, NQ_OP_GREATER,
                               NQ_OP_GREATER_EQUAL, NQ_OP_EQUAL,      NQ_OP_NOT_EQUAL};
  nq_op_params p = nq_op_params_default();
  for (int k = 0; k < 2; k++) {
    mb_start(b);
    int x =
        k ? mb_input(b, NQ_INT8, 3, SH(2, 3, 4), 0.05f, -6) : mb_input(b, NQ_INT8, 2, SH(64, 1), 0.05f, -6);
    int y = k ? mb_input(b, NQ_INT8, 2, SH(3, 1), 0.0317f, 9) : mb_input(b, NQ_INT8, 2, SH(1, 64), 0.025f, 3);
    int out[6];
    for (int i = 0; i < 6; i++) {
      out[i] = bool_out(b);
      mb_node(b, ops[i], 2, IN(x, y), 1, IN(out[i]), &p);
    }
    mb_finish(b, dir, k ? "compare_bcast" : "compare_ratio2", 6, out);
  }
  mb_start(b);
  int x = mb_input(b, NQ_INT8, 2, SH(4, 8), 0.04f, 2);
  int y = mb_input(b, NQ_INT8, 2, SH(4, 8), 0.06f, -20);
  int64_t zt = 5;
  float st = 0.01f;
  int thr = mb_tensor(b, NQ_INT8, 0, NULL, 1, &st, &zt, 0);
  mb_set_data(b, thr, (int8_t[]){25}, 1); /* 0.2 */
  int lt = bool_out(b), gt = bool_out(b), o_and = bool_out(b), o_or = bool_out(b), o_not = bool_out(b);
  mb_node(b, NQ_OP_LESS, 2, IN(x, y), 1, IN(lt), &p);
  mb_node(b, NQ_OP_GREATER, 2, IN(x, thr), 1, IN(gt), &p);
  mb_node(b, NQ_OP_LOGICAL_AND, 2, IN(lt, gt), 1, IN(o_and), &p);
  mb_node(b, NQ_OP_LOGICAL_OR, 2, IN(lt, gt), 1, IN(o_or), &p);
  mb_node(b, NQ_OP_LOGICAL_NOT, 1, IN(lt), 1, IN(o_not), &p);
  mb_finish(b, dir, "logical_of_compares", 3, IN(o_and, o_or, o_not));
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_golden_models OUT_DIR\n");
    return 2;
  }
  builder B = {.tool = "make_golden_models", .rng = {1616}};
  copy_ops(&B, argv[1]);
  small_cnn(&B, argv[1]);
  small_mlp(&B, argv[1]);
  compare_ops(&B, argv[1]);
  return B.failures ? 1 : 0;
}
