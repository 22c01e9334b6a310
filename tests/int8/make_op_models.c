/*
 * Writes one small int8 .tflite per integer kernel (and per interesting
 * variant) into a folder, for int8_ops_oracle.py to run through npuquant and
 * LiteRT.js. Built with the IR API and npuquant's own TFLite writer; the
 * constants (weights, scales, zero points) come from a seeded RNG.
 *
 *   make_op_models OUT_DIR      -> OUT_DIR/<name>.tflite, names on stdout
 *
 * Exit 0 when every model was written; a model the writer refuses is
 * reported on stderr and makes the exit status 1.
 */
#include <stdio.h>
#include <string.h>

#include "op_model_builder.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_op_models OUT_DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  builder B = {.tool = "make_op_models", .rng = {2024}};
  builder *b = &B;
  nq_op_params p;

  /* CONV_2D per-channel, SAME, stride 2, fused RELU6. */
  mb_start(b);
  {
    int x = mb_input(b, NQ_INT8, 4, SH(1, 9, 9, 3), 0.02f, -10);
    int w = mb_weights(b, 4, SH(4, 3, 3, 3), 4, 0);
    int bb = mb_bias(b, 4, 0.02f, w), y = mb_act(b, NQ_INT8, 0.03f, -128);
    p = nq_op_params_default();
    p.padding = NQ_PAD_SAME;
    p.stride_h = p.stride_w = 2;
    p.act = NQ_ACT_RELU6;
    mb_node(b, NQ_OP_CONV_2D, 3, IN(x, w, bb), 1, IN(y), &p);
    mb_finish(b, dir, "conv_pc_same_s2_relu6", 1, IN(y));
  }
  /* CONV_2D per-tensor, dilation 2, VALID. */
  mb_start(b);
  {
    int x = mb_input(b, NQ_INT8, 4, SH(1, 10, 9, 4), 0.05f, 3);
    int w = mb_weights(b, 4, SH(3, 3, 2, 4), 1, 0);
    int bb = mb_bias(b, 3, 0.05f, w), y = mb_act(b, NQ_INT8, 0.1f, 5);
    p = nq_op_params_default();
    p.padding = NQ_PAD_VALID;
    p.dilation_h = p.dilation_w = 2;
    mb_node(b, NQ_OP_CONV_2D, 3, IN(x, w, bb), 1, IN(y), &p);
    mb_finish(b, dir, "conv_pt_dilated_valid", 1, IN(y));
  }
  /* DEPTHWISE_CONV_2D, multiplier 2, per-channel, RELU. */
  mb_start(b);
  {
    int x = mb_input(b, NQ_INT8, 4, SH(1, 8, 7, 3), 0.02f, 0);
    int w = mb_weights(b, 4, SH(1, 3, 3, 6), 6, 3);
    int bb = mb_bias(b, 6, 0.02f, w), y = mb_act(b, NQ_INT8, 0.01f, -20);
    p = nq_op_params_default();
    p.padding = NQ_PAD_SAME;
    p.depth_multiplier = 2;
    p.act = NQ_ACT_RELU;
    mb_node(b, NQ_OP_DEPTHWISE_CONV_2D, 3, IN(x, w, bb), 1, IN(y), &p);
    mb_finish(b, dir, "dw_mult2_relu", 1, IN(y));
  }
  /* FULLY_CONNECTED per-tensor with bias, keep_num_dims off. */
  mb_start(b);
  {
    int x = mb_input(b, NQ_INT8, 2, SH(3, 20), 0.04f, -7);
    int w = mb_weights(b, 2, SH(6, 20), 1, 0);
    int bb = mb_bias(b, 6, 0.04f, w), y = mb_act(b, NQ_INT8, 0.08f, 2);
    p = nq_op_params_default();
    mb_node(b, NQ_OP_FULLY_CONNECTED, 3, IN(x, w, bb), 1, IN(y), &p);
    mb_finish(b, dir, "fc_pt_bias", 1, IN(y));
  }
  /* FULLY_CONNECTED without bias. */
  mb_start(b);
  {
    int x = mb_input(b, NQ_INT8, 2, SH(2, 12), 0.03f, 4);
    int w = mb_weights(b, 2, SH(5, 12), 1, 0);
    int y = mb_act(b, NQ_INT8, 0.05f, -3);
    p = nq_op_params_default();
    mb_node(b, NQ_OP_FULLY_CONNECTED, 3, IN(x, w, -1), 1, IN(y), &p);
    mb_finish(b, dir, "fc_nobias", 1, IN(y));
  }
  /* TRANSPOSE_CONV stride 2 SAME with bias. */
  mb_start(b);
  {
    int os = mb_ints(b, 1, SH(4), (int32_t[]){1, 8, 8, 2});
    int w = mb_weights(b, 4, SH(2, 3, 3, 3), 2, 0);
    int x = mb_input(b, NQ_INT8, 4, SH(1, 4, 4, 3), 0.03f, 1);
    int bb = mb_bias(b, 2, 0.03f, w), y = mb_act(b, NQ_INT8, 0.02f, 0);
    p = nq_op_params_default();
    p.padding = NQ_PAD_SAME;
    p.stride_h = p.stride_w = 2;
    mb_node(b, NQ_OP_TRANSPOSE_CONV, 4, IN(os, w, x, bb), 1, IN(y), &p);
    mb_finish(b, dir, "transpose_conv_s2", 1, IN(y));
  }
  /* Binary ops. */
  struct {
    const char *name;
    nq_op op;
    float s1, s2, so;
    int z1, z2, zo;
    int bcast;
    nq_activation a;
  } bins[] = {
      {"add_bcast_relu", NQ_OP_ADD, 0.05f, 0.02f, 0.06f, -3, 7, -20, 1, NQ_ACT_RELU},
      {"add_same", NQ_OP_ADD, 0.03f, 0.03f, 0.05f, 0, 0, 1, 0, NQ_ACT_NONE},
      {"sub", NQ_OP_SUB, 0.04f, 0.02f, 0.05f, 2, -5, 0, 0, NQ_ACT_NONE},
      {"mul_bcast", NQ_OP_MUL, 0.05f, 0.03f, 0.02f, 1, -2, 3, 1, NQ_ACT_NONE},
      {"mul_big", NQ_OP_MUL, 0.5f, 0.3f, 0.01f, 0, 0, 0, 0, NQ_ACT_NONE},
      {"maximum", NQ_OP_MAXIMUM, 0.05f, 0.05f, 0.05f, 4, 4, 4, 1, NQ_ACT_NONE},
      {"minimum", NQ_OP_MINIMUM, 0.05f, 0.05f, 0.05f, 4, 4, 4, 0, NQ_ACT_NONE},
  };
  for (size_t i = 0; i < sizeof bins / sizeof bins[0]; i++) {
    mb_start(b);
    int x1 = mb_input(b, NQ_INT8, 4, SH(1, 5, 4, 3), bins[i].s1, bins[i].z1);
    int x2 = bins[i].bcast ? mb_input(b, NQ_INT8, 1, SH(3), bins[i].s2, bins[i].z2)
                           : mb_input(b, NQ_INT8, 4, SH(1, 5, 4, 3), bins[i].s2, bins[i].z2);
    int y = mb_act(b, NQ_INT8, bins[i].so, bins[i].zo);
    p = nq_op_params_default();
    p.act = bins[i].a;
    mb_node(b, bins[i].op, 2, IN(x1, x2), 1, IN(y), &p);
    mb_finish(b, dir, bins[i].name, 1, IN(y));
  }
  /* Pools. */
  for (int k = 0; k < 2; k++) {
    mb_start(b);
    int x = mb_input(b, NQ_INT8, 4, SH(1, 9, 8, 3), 0.05f, -5);
    int y = mb_act(b, NQ_INT8, 0.05f, -5);
    p = nq_op_params_default();
    p.padding = k ? NQ_PAD_VALID : NQ_PAD_SAME;
    p.filter_h = p.filter_w = k ? 2 : 3;
    p.stride_h = p.stride_w = 2;
    mb_node(b, k ? NQ_OP_MAX_POOL_2D : NQ_OP_AVERAGE_POOL_2D, 1, IN(x), 1, IN(y), &p);
    mb_finish(b, dir, k ? "max_pool_valid" : "avg_pool_same", 1, IN(y));
  }
  /* MEAN spatial (requantizing), MEAN general, SUM. */
  struct {
    const char *name;
    nq_op op;
    int n_axes;
    int32_t axes[2];
    bool keep;
    float so;
    int zo;
  } reds[] = {
      {"mean_spatial", NQ_OP_MEAN, 2, {1, 2}, true, 0.03f, -4},
      {"mean_spatial_same", NQ_OP_MEAN, 2, {1, 2}, true, 0.05f, -5},
      {"mean_axis3", NQ_OP_MEAN, 1, {3, 0}, false, 0.04f, 2},
      {"mean_axis3_same", NQ_OP_MEAN, 1, {3, 0}, false, 0.05f, -5},
      {"sum_axis1", NQ_OP_SUM, 1, {1, 0}, true, 0.3f, 0},
      {"reduce_max", NQ_OP_REDUCE_MAX, 2, {1, -1}, false, 0.05f, -5},
      {"reduce_min", NQ_OP_REDUCE_MIN, 1, {2, 0}, true, 0.05f, -5},
  };
  for (size_t i = 0; i < sizeof reds / sizeof reds[0]; i++) {
    mb_start(b);
    int x = mb_input(b, NQ_INT8, 4, SH(1, 6, 5, 4), 0.05f, -5);
    int ax = mb_ints(b, 1, SH(reds[i].n_axes), reds[i].axes);
    int y = mb_act(b, NQ_INT8, reds[i].so, reds[i].zo);
    p = nq_op_params_default();
    p.keep_dims = reds[i].keep;
    mb_node(b, reds[i].op, 2, IN(x, ax), 1, IN(y), &p);
    mb_finish(b, dir, reds[i].name, 1, IN(y));
  }
  /* uint8 (legacy) spatial MEAN. */
  mb_start(b);
  {
    int x = mb_input(b, NQ_UINT8, 4, SH(1, 6, 5, 4), 0.05f, 120);
    int ax = mb_ints(b, 1, SH(2), (int32_t[]){1, 2});
    int y = mb_act(b, NQ_UINT8, 0.03f, 131);
    p = nq_op_params_default();
    p.keep_dims = true;
    mb_node(b, NQ_OP_MEAN, 2, IN(x, ax), 1, IN(y), &p);
    mb_finish(b, dir, "mean_spatial_uint8", 1, IN(y));
  }
  /* Unary activations: op, output scale/zp. */
  struct {
    const char *name;
    nq_op op;
    float so;
    int zo;
  } un[] = {
      {"softmax", NQ_OP_SOFTMAX, 1.0f / 256, -128},
      {"logistic", NQ_OP_LOGISTIC, 1.0f / 256, -128},
      {"tanh", NQ_OP_TANH, 1.0f / 128, 0},
      {"hard_swish", NQ_OP_HARD_SWISH, 0.03f, -90},
      {"leaky_relu", NQ_OP_LEAKY_RELU, 0.0451f, -30},
      {"relu", NQ_OP_RELU, 0.03f, -128},
      {"relu6", NQ_OP_RELU6, 0.025f, -128},
      {"relu_n1_to_1", NQ_OP_RELU_N1_TO_1, 0.01f, 0},
      {"l2_normalization", NQ_OP_L2_NORMALIZATION, 1.0f / 128, 0},
      {"elu", NQ_OP_ELU, 0.035f, -99},
      {"gelu", NQ_OP_GELU, 0.03f, -122},
      {"gelu_approximate", NQ_OP_GELU, 0.03f, -122},
      {"exp", NQ_OP_EXP, 7.0f, -128},
      {"abs", NQ_OP_ABS, 0.031f, -128},
  };
  for (size_t i = 0; i < sizeof un / sizeof un[0]; i++) {
    mb_start(b);
    int x = mb_input(b, NQ_INT8, 2, SH(4, 10), 0.06f, 3);
    int y = mb_act(b, NQ_INT8, un[i].so, un[i].zo);
    p = nq_op_params_default();
    p.alpha = 0.2f;
    p.beta = 1.0f;
    p.approximate = strcmp(un[i].name, "gelu_approximate") == 0;
    mb_node(b, un[i].op, 1, IN(x), 1, IN(y), &p);
    mb_finish(b, dir, un[i].name, 1, IN(y));
  }
  /* PRELU with a per-channel constant alpha. */
  mb_start(b);
  {
    int x = mb_input(b, NQ_INT8, 4, SH(1, 4, 4, 3), 0.05f, -2);
    float s = 0.004f;
    int64_t z = 10;
    int al = mb_tensor(b, NQ_INT8, 3, SH(1, 1, 3), 1, &s, &z, 0);
    mb_set_data(b, al, (int8_t[]){60, 100, -40}, 3);
    int y = mb_act(b, NQ_INT8, 0.04f, -10);
    p = nq_op_params_default();
    mb_node(b, NQ_OP_PRELU, 2, IN(x, al), 1, IN(y), &p);
    mb_finish(b, dir, "prelu", 1, IN(y));
  }
  /* CONCATENATION: same scale, and requantizing. */
  for (int k = 0; k < 2; k++) {
    mb_start(b);
    int x1 = mb_input(b, NQ_INT8, 4, SH(1, 3, 3, 2), 0.05f, 1);
    int x2 = mb_input(b, NQ_INT8, 4, SH(1, 3, 3, 3), k ? 0.02f : 0.05f, k ? -9 : 1);
    int y = mb_act(b, NQ_INT8, 0.05f, 1);
    p = nq_op_params_default();
    p.axis = 3;
    mb_node(b, NQ_OP_CONCATENATION, 2, IN(x1, x2), 1, IN(y), &p);
    mb_finish(b, dir, k ? "concat_requant" : "concat_same", 1, IN(y));
  }
  /* QUANTIZE: int8 -> int8 rescale, int8 -> uint8. */
  for (int k = 0; k < 2; k++) {
    mb_start(b);
    int x = mb_input(b, NQ_INT8, 2, SH(4, 16), 0.05f, -3);
    int y = k ? mb_act(b, NQ_UINT8, 0.05f, 125) : mb_act(b, NQ_INT8, 0.037f, 6);
    p = nq_op_params_default();
    mb_node(b, NQ_OP_QUANTIZE, 1, IN(x), 1, IN(y), &p);
    mb_finish(b, dir, k ? "quantize_to_uint8" : "requantize_int8", 1, IN(y));
  }
  /* Data movement on 1x4x6x4. */
  {
    mb_start(b);
    int x = mb_input(b, NQ_INT8, 4, SH(1, 4, 6, 4), 0.05f, -6);
    int sh = mb_ints(b, 1, SH(2), (int32_t[]){8, 12});
    int y = mb_act(b, NQ_INT8, 0.05f, -6);
    p = nq_op_params_default();
    mb_node(b, NQ_OP_RESHAPE, 2, IN(x, sh), 1, IN(y), &p);
    mb_finish(b, dir, "reshape", 1, IN(y));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 4, SH(1, 4, 6, 4), 0.05f, -6);
    int pads = mb_ints(b, 2, SH(4, 2), (int32_t[]){0, 0, 1, 2, 0, 1, 3, 0});
    y = mb_act(b, NQ_INT8, 0.05f, -6);
    mb_node(b, NQ_OP_PAD, 2, IN(x, pads), 1, IN(y), &p);
    mb_finish(b, dir, "pad", 1, IN(y));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 4, SH(1, 4, 6, 4), 0.05f, -6);
    pads = mb_ints(b, 2, SH(4, 2), (int32_t[]){0, 0, 1, 2, 2, 1, 0, 0});
    y = mb_act(b, NQ_INT8, 0.05f, -6);
    p.mirror_mode = 0;
    mb_node(b, NQ_OP_MIRROR_PAD, 2, IN(x, pads), 1, IN(y), &p);
    mb_finish(b, dir, "mirror_pad_reflect", 1, IN(y));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 4, SH(1, 4, 6, 4), 0.05f, -6);
    int perm = mb_ints(b, 1, SH(4), (int32_t[]){0, 3, 1, 2});
    y = mb_act(b, NQ_INT8, 0.05f, -6);
    p = nq_op_params_default();
    mb_node(b, NQ_OP_TRANSPOSE, 2, IN(x, perm), 1, IN(y), &p);
    mb_finish(b, dir, "transpose", 1, IN(y));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 4, SH(1, 4, 6, 4), 0.05f, -6);
    int bg = mb_ints(b, 1, SH(4), (int32_t[]){0, 1, 2, 1});
    int sz = mb_ints(b, 1, SH(4), (int32_t[]){1, 2, 3, 2});
    y = mb_act(b, NQ_INT8, 0.05f, -6);
    mb_node(b, NQ_OP_SLICE, 3, IN(x, bg, sz), 1, IN(y), &p);
    mb_finish(b, dir, "slice", 1, IN(y));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 4, SH(1, 4, 6, 4), 0.05f, -6);
    bg = mb_ints(b, 1, SH(4), (int32_t[]){0, 3, 1, 0});
    int en = mb_ints(b, 1, SH(4), (int32_t[]){1, 0, 6, 4});
    int st = mb_ints(b, 1, SH(4), (int32_t[]){1, -1, 2, 1});
    y = mb_act(b, NQ_INT8, 0.05f, -6);
    p.shrink_axis_mask = 1;
    p.end_mask = 8;
    mb_node(b, NQ_OP_STRIDED_SLICE, 4, IN(x, bg, en, st), 1, IN(y), &p);
    mb_finish(b, dir, "strided_slice", 1, IN(y));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 4, SH(1, 4, 6, 4), 0.05f, -6);
    int ax = mb_ints(b, 0, NULL, (int32_t[]){2});
    int y1 = mb_act(b, NQ_INT8, 0.05f, -6), y2 = mb_act(b, NQ_INT8, 0.05f, -6);
    p = nq_op_params_default();
    p.num = 2;
    mb_node(b, NQ_OP_SPLIT, 2, IN(ax, x), 2, IN(y1, y2), &p);
    mb_finish(b, dir, "split", 2, IN(y1, y2));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 4, SH(1, 4, 6, 4), 0.05f, -6);
    int szs = mb_ints(b, 1, SH(2), (int32_t[]){1, 3});
    ax = mb_ints(b, 0, NULL, (int32_t[]){3});
    y1 = mb_act(b, NQ_INT8, 0.05f, -6);
    y2 = mb_act(b, NQ_INT8, 0.05f, -6);
    mb_node(b, NQ_OP_SPLIT_V, 3, IN(x, szs, ax), 2, IN(y1, y2), &p);
    mb_finish(b, dir, "split_v", 2, IN(y1, y2));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 2, SH(3, 5), 0.05f, -6);
    int x2 = mb_input(b, NQ_INT8, 2, SH(3, 5), 0.05f, -6);
    y = mb_act(b, NQ_INT8, 0.05f, -6);
    p = nq_op_params_default();
    p.axis = 1;
    p.num = 2;
    mb_node(b, NQ_OP_PACK, 2, IN(x, x2), 1, IN(y), &p);
    mb_finish(b, dir, "pack", 1, IN(y));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 3, SH(3, 2, 5), 0.05f, -6);
    y1 = mb_act(b, NQ_INT8, 0.05f, -6);
    y2 = mb_act(b, NQ_INT8, 0.05f, -6);
    mb_node(b, NQ_OP_UNPACK, 1, IN(x), 2, IN(y1, y2), &p);
    mb_finish(b, dir, "unpack", 2, IN(y1, y2));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 3, SH(4, 5, 3), 0.05f, -6);
    int idx = mb_ints(b, 1, SH(4), (int32_t[]){4, 0, 2, 2});
    y = mb_act(b, NQ_INT8, 0.05f, -6);
    p = nq_op_params_default();
    p.axis = 1;
    mb_node(b, NQ_OP_GATHER, 2, IN(x, idx), 1, IN(y), &p);
    mb_finish(b, dir, "gather", 1, IN(y));

    for (int k = 0; k < 2; k++) {
      mb_start(b);
      x = k ? mb_input(b, NQ_INT8, 4, SH(1, 2, 3, 8), 0.05f, -6)
            : mb_input(b, NQ_INT8, 4, SH(1, 4, 6, 2), 0.05f, -6);
      y = mb_act(b, NQ_INT8, 0.05f, -6);
      p = nq_op_params_default();
      p.block_size = 2;
      mb_node(b, k ? NQ_OP_DEPTH_TO_SPACE : NQ_OP_SPACE_TO_DEPTH, 1, IN(x), 1, IN(y), &p);
      mb_finish(b, dir, k ? "depth_to_space" : "space_to_depth", 1, IN(y));
    }
    mb_start(b);
    x = mb_input(b, NQ_INT8, 4, SH(1, 4, 5, 2), 0.05f, -6);
    int blk = mb_ints(b, 1, SH(2), (int32_t[]){2, 2});
    pads = mb_ints(b, 2, SH(2, 2), (int32_t[]){0, 0, 1, 0});
    y = mb_act(b, NQ_INT8, 0.05f, -6);
    p = nq_op_params_default();
    mb_node(b, NQ_OP_SPACE_TO_BATCH_ND, 3, IN(x, blk, pads), 1, IN(y), &p);
    mb_finish(b, dir, "space_to_batch", 1, IN(y));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 4, SH(4, 2, 3, 2), 0.05f, -6);
    blk = mb_ints(b, 1, SH(2), (int32_t[]){2, 2});
    int crops = mb_ints(b, 2, SH(2, 2), (int32_t[]){0, 0, 1, 0});
    y = mb_act(b, NQ_INT8, 0.05f, -6);
    mb_node(b, NQ_OP_BATCH_TO_SPACE_ND, 3, IN(x, blk, crops), 1, IN(y), &p);
    mb_finish(b, dir, "batch_to_space", 1, IN(y));

    for (int k = 0; k < 4; k++) {
      mb_start(b);
      x = mb_input(b, NQ_INT8, 4, SH(1, 5, 4, 3), 0.05f, -6);
      sz = mb_ints(b, 1, SH(2), (int32_t[]){9, 7});
      y = mb_act(b, NQ_INT8, 0.05f, -6);
      p = nq_op_params_default();
      p.half_pixel_centers = k == 1 || k == 3;
      p.align_corners = k == 2;
      mb_node(b, k < 2 ? NQ_OP_RESIZE_BILINEAR : NQ_OP_RESIZE_NEAREST_NEIGHBOR, 2, IN(x, sz), 1, IN(y), &p);
      const char *names[] = {"resize_bilinear", "resize_bilinear_half_pixel", "resize_nearest_align",
                             "resize_nearest_half_pixel"};
      mb_finish(b, dir, names[k], 1, IN(y));
    }
    mb_start(b);
    x = mb_input(b, NQ_INT8, 3, SH(2, 3, 4), 0.05f, -6);
    int mult = mb_ints(b, 1, SH(3), (int32_t[]){2, 1, 3});
    y = mb_act(b, NQ_INT8, 0.05f, -6);
    p = nq_op_params_default();
    mb_node(b, NQ_OP_TILE, 2, IN(x, mult), 1, IN(y), &p);
    mb_finish(b, dir, "tile", 1, IN(y));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 4, SH(2, 1, 3, 9), 0.04f, 3);
    x2 = mb_input(b, NQ_INT8, 3, SH(2, 5, 9), 0.03f, -2);
    y = mb_act(b, NQ_INT8, 0.2f, 1);
    p = nq_op_params_default();
    p.adj_y = true;
    mb_node(b, NQ_OP_BATCH_MATMUL, 2, IN(x, x2), 1, IN(y), &p);
    mb_finish(b, dir, "batch_matmul_adj_y_bcast", 1, IN(y));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 3, SH(3, 7, 4), 0.02f, 0);
    x2 = mb_input(b, NQ_INT8, 3, SH(3, 7, 6), 0.05f, 0);
    y = mb_act(b, NQ_INT8, 0.1f, -3);
    p = nq_op_params_default();
    p.adj_x = true;
    mb_node(b, NQ_OP_BATCH_MATMUL, 2, IN(x, x2), 1, IN(y), &p);
    mb_finish(b, dir, "batch_matmul_adj_x", 1, IN(y));

    mb_start(b);
    x = mb_input(b, NQ_INT8, 3, SH(2, 3, 7), 0.05f, -6);
    ax = mb_ints(b, 0, NULL, (int32_t[]){2});
    y = mb_tensor(b, NQ_INT32, 0, NULL, 0, NULL, NULL, 0);
    p = nq_op_params_default();
    p.out_type = NQ_INT32;
    mb_node(b, NQ_OP_ARG_MAX, 2, IN(x, ax), 1, IN(y), &p);
    mb_finish(b, dir, "arg_max", 1, IN(y));

    /* FULLY_CONNECTED with per-channel weights (one scale per output row,
     * quantized_dimension 0) and a per-channel bias; 3-D input, so TFLite
     * flattens the leading dimensions. Last, so the models above keep their
     * random constants. */
    mb_start(b);
    x = mb_input(b, NQ_INT8, 3, SH(2, 3, 24), 0.04f, -5);
    int wpc = mb_weights(b, 2, SH(7, 24), 7, 0);
    int bpc = mb_bias(b, 7, 0.04f, wpc);
    y = mb_act(b, NQ_INT8, 0.06f, 4);
    p = nq_op_params_default();
    mb_node(b, NQ_OP_FULLY_CONNECTED, 3, IN(x, wpc, bpc), 1, IN(y), &p);
    mb_finish(b, dir, "fc_pc_bias", 1, IN(y));
  }
  return B.failures ? 1 : 0;
}
