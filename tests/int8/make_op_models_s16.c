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

static void elementwise(builder *b, const char *dir) {
  nq_op_params p;
  struct {
    const char *name;
    nq_op op;
    float r1, r2, ro; /* value ranges (the scales are range / 32767, jittered) */
    int bcast, pot;
    nq_activation act;
  } bins[] = {
      {"add", NQ_OP_ADD, 3.0f, 2.0f, 4.0f, 0, 0, NQ_ACT_NONE},
      {"add_bcast_relu", NQ_OP_ADD, 3.0f, 1.0f, 3.5f, 1, 0, NQ_ACT_RELU},
      {"add_pot", NQ_OP_ADD, 4.0f, 2.0f, 4.0f, 0, 1, NQ_ACT_NONE},
      {"sub", NQ_OP_SUB, 2.0f, 3.0f, 4.0f, 0, 0, NQ_ACT_NONE},
      {"sub_pot_bcast", NQ_OP_SUB, 1.0f, 2.0f, 2.0f, 1, 1, NQ_ACT_NONE},
      {"mul", NQ_OP_MUL, 3.0f, 2.0f, 5.0f, 0, 0, NQ_ACT_NONE},
      {"mul_bcast_relu6", NQ_OP_MUL, 3.0f, 2.0f, 6.0f, 1, 0, NQ_ACT_RELU6},
      {"maximum", NQ_OP_MAXIMUM, 2.0f, 2.0f, 2.0f, 1, 1, NQ_ACT_NONE},
  };
  for (size_t i = 0; i < sizeof bins / sizeof bins[0]; i++) {
    mb_start(b);
    float s1 = bins[i].r1 / 32768.0f, s2 = bins[i].r2 / 32768.0f, so = bins[i].ro / 32768.0f;
    if (!bins[i].pot) {
      s1 = s16_scale(b, bins[i].r1);
      s2 = s16_scale(b, bins[i].r2);
      so = s16_scale(b, bins[i].ro);
    }
    int x1 = mb_input(b, NQ_INT16, 4, SH(1, 5, 4, 3), s1, 0);
    int x2 = bins[i].bcast ? mb_input(b, NQ_INT16, 1, SH(3), s2, 0)
                           : mb_input(b, NQ_INT16, 4, SH(1, 5, 4, 3), s2, 0);
    int y = mb_act(b, NQ_INT16, so, 0);
    p = nq_op_params_default();
    p.act = bins[i].act;
    mb_node(b, bins[i].op, 2, IN(x1, x2), 1, IN(y), &p);
    mb_finish(b, dir, bins[i].name, 1, IN(y));
  }
  /* LOGISTIC and TANH: general input scales (a power-of-two scale with shift
   * 0 or 1 is refused, test_int16_kernels). */
  struct {
    const char *name;
    nq_op op;
    float s_in;
  } un[] = {
      {"logistic", NQ_OP_LOGISTIC, 0.0f},
      {"logistic_wide", NQ_OP_LOGISTIC, 0.0f},
      {"tanh", NQ_OP_TANH, 0.0f},
      {"tanh_near_pot", NQ_OP_TANH, 1.0f / 8192.0f}, /* 2^-13: shift -1, the general path */
  };
  for (size_t i = 0; i < sizeof un / sizeof un[0]; i++) {
    mb_start(b);
    float s = un[i].s_in > 0 ? un[i].s_in : s16_scale(b, strstr(un[i].name, "wide") ? 40.0f : 6.0f);
    int x = mb_input(b, NQ_INT16, 3, SH(2, 9, 7), s, 0);
    int y = mb_act(b, NQ_INT16, 1.0f / 32768.0f, 0);
    p = nq_op_params_default();
    mb_node(b, un[i].op, 1, IN(x), 1, IN(y), &p);
    mb_finish(b, dir, un[i].name, 1, IN(y));
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_op_models_s16 OUT_DIR\n");
    return 2;
  }
  builder B = {.tool = "make_op_models_s16", .rng = {1616}};
  weighted(&B, argv[1]);
  elementwise(&B, argv[1]);
  return B.failures ? 1 : 0;
}
