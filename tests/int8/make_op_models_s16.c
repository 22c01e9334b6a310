/*
 * Writes one small int16x8 .tflite per int16 kernel and variant (TFLite's
 * "16x8" quantization: int16 activations with zero point 0, int8 symmetric
 * weights, int64 or int32 bias) into a folder, for int16_ops_oracle.py to
 * run through npuquant and LiteRT.js. Scales are seeded-random and not
 * powers of two unless a case says so.
 *
 *   make_op_models_s16 OUT_DIR      -> OUT_DIR/<name>.tflite, names on stdout
 *
 * Exit 0 when every model was written, 1 when the writer refused one.
 */
#include <stdio.h>
#include <string.h>

#include "op_model_builder.h"

/* A random non-power-of-two int16 scale for values up to about `range`. */
static float s16_scale(builder *b, float range) {
  return range * nq_rng_uniform(&b->rng, 0.8f, 1.3f) / 32767.0f;
}

static void weighted(builder *b, const char *dir) {
  nq_op_params p;
  struct {
    const char *name;
    nq_op op;
    int32_t in[4], w[4];
    int per_channel;
    nq_dtype bias; /* NQ_INT64, NQ_INT32, or NQ_BOOL for none */
    nq_padding pad;
    int stride, dilation;
    nq_activation act;
  } cases[] = {
      {"conv_pc_same_s2_relu6",
       NQ_OP_CONV_2D,
       {1, 9, 9, 3},
       {4, 3, 3, 3},
       1,
       NQ_INT64,
       NQ_PAD_SAME,
       2,
       1,
       NQ_ACT_RELU6},
      {"conv_pt_dilated_valid",
       NQ_OP_CONV_2D,
       {1, 10, 9, 4},
       {3, 3, 2, 4},
       0,
       NQ_INT64,
       NQ_PAD_VALID,
       1,
       2,
       NQ_ACT_NONE},
      {"conv_pc_1x1_relu",
       NQ_OP_CONV_2D,
       {2, 5, 6, 8},
       {7, 1, 1, 8},
       1,
       NQ_INT64,
       NQ_PAD_VALID,
       1,
       1,
       NQ_ACT_RELU},
      {"conv_nobias", NQ_OP_CONV_2D, {1, 7, 7, 2}, {3, 3, 3, 2}, 1, NQ_BOOL, NQ_PAD_SAME, 1, 1, NQ_ACT_NONE},
      {"conv_int32_bias",
       NQ_OP_CONV_2D,
       {1, 8, 8, 3},
       {4, 3, 3, 3},
       1,
       NQ_INT32,
       NQ_PAD_SAME,
       1,
       1,
       NQ_ACT_NONE},
      {"dw_mult2_relu",
       NQ_OP_DEPTHWISE_CONV_2D,
       {1, 8, 7, 3},
       {1, 3, 3, 6},
       1,
       NQ_INT64,
       NQ_PAD_SAME,
       1,
       1,
       NQ_ACT_RELU},
      {"dw_s2_valid",
       NQ_OP_DEPTHWISE_CONV_2D,
       {1, 11, 10, 5},
       {1, 3, 3, 5},
       0,
       NQ_INT64,
       NQ_PAD_VALID,
       2,
       1,
       NQ_ACT_NONE},
      {"fc_pt_bias", NQ_OP_FULLY_CONNECTED, {3, 20}, {6, 20}, 0, NQ_INT64, NQ_PAD_VALID, 1, 1, NQ_ACT_NONE},
      {"fc_pc_relu", NQ_OP_FULLY_CONNECTED, {2, 33}, {9, 33}, 1, NQ_INT64, NQ_PAD_VALID, 1, 1, NQ_ACT_RELU},
      {"fc_nobias", NQ_OP_FULLY_CONNECTED, {2, 12}, {5, 12}, 0, NQ_BOOL, NQ_PAD_VALID, 1, 1, NQ_ACT_NONE},
      {"tconv_s2_same",
       NQ_OP_TRANSPOSE_CONV,
       {1, 4, 4, 3},
       {2, 3, 3, 3},
       1,
       NQ_INT64,
       NQ_PAD_SAME,
       2,
       1,
       NQ_ACT_NONE},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const int fc = cases[i].op == NQ_OP_FULLY_CONNECTED, tc = cases[i].op == NQ_OP_TRANSPOSE_CONV;
    const int dw = cases[i].op == NQ_OP_DEPTHWISE_CONV_2D;
    const int rank = fc ? 2 : 4, n_ch = fc || !dw ? cases[i].w[0] : cases[i].w[3];
    mb_start(b);
    const float s_in = s16_scale(b, 4.0f);
    int os = -1;
    if (tc) {
      const int32_t *in = cases[i].in;
      os = mb_ints(b, 1, SH(4),
                   (int32_t[]){in[0], in[1] * cases[i].stride, in[2] * cases[i].stride, cases[i].w[0]});
    }
    int x = mb_input(b, NQ_INT16, rank, cases[i].in, s_in, 0);
    int w = mb_weights(b, rank, cases[i].w, cases[i].per_channel ? n_ch : 1, dw ? 3 : 0);
    int bb = cases[i].bias == NQ_BOOL ? -1 : mb_bias_typed(b, cases[i].bias, n_ch, s_in, w, 2000000);
    /* Output scale: about the spread of a sum of k products. */
    const int k = fc ? cases[i].w[1] : cases[i].w[1] * cases[i].w[2] * (dw ? 1 : cases[i].w[3]);
    int y = mb_act(b, NQ_INT16, s16_scale(b, 0.1f * (float)k), 0);
    p = nq_op_params_default();
    p.padding = cases[i].pad;
    p.stride_h = p.stride_w = cases[i].stride;
    p.dilation_h = p.dilation_w = cases[i].dilation;
    p.act = cases[i].act;
    if (dw) p.depth_multiplier = cases[i].w[3] / cases[i].in[3];
    if (tc)
      mb_node(b, NQ_OP_TRANSPOSE_CONV, bb >= 0 ? 4 : 3, IN(os, w, x, bb), 1, IN(y), &p);
    else
      mb_node(b, cases[i].op, 3, IN(x, w, bb), 1, IN(y), &p);
    mb_finish(b, dir, cases[i].name, 1, IN(y));
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_op_models_s16 OUT_DIR\n");
    return 2;
  }
  builder B = {.tool = "make_op_models_s16", .rng = {1616}};
  weighted(&B, argv[1]);
  return B.failures ? 1 : 0;
}
