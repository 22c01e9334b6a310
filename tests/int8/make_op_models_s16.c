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

/* TRANSPOSE_CONV's output size for an input size, kernel and stride. */
static int32_t tc_out(int32_t in, int32_t k, int stride, nq_padding pad) {
  return pad == NQ_PAD_SAME ? in * stride : (in - 1) * stride + k;
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
      {"tconv_valid_nobias",
       NQ_OP_TRANSPOSE_CONV,
       {1, 5, 4, 2},
       {3, 2, 3, 2},
       0,
       NQ_BOOL,
       NQ_PAD_VALID,
       1,
       1,
       NQ_ACT_NONE},
      {"dw_dilated_relu6",
       NQ_OP_DEPTHWISE_CONV_2D,
       {1, 9, 9, 4},
       {1, 3, 3, 4},
       1,
       NQ_INT64,
       NQ_PAD_SAME,
       1,
       2,
       NQ_ACT_RELU6},
      {"conv_grouped",
       NQ_OP_CONV_2D,
       {1, 6, 6, 4},
       {6, 3, 3, 2},
       1,
       NQ_INT64,
       NQ_PAD_SAME,
       1,
       1,
       NQ_ACT_NONE},
      {"conv_relu_n1_to_1",
       NQ_OP_CONV_2D,
       {1, 5, 5, 3},
       {2, 2, 2, 3},
       0,
       NQ_INT64,
       NQ_PAD_VALID,
       1,
       1,
       NQ_ACT_RELU_N1_TO_1},
      {"fc_pc_int32_bias",
       NQ_OP_FULLY_CONNECTED,
       {4, 17},
       {5, 17},
       1,
       NQ_INT32,
       NQ_PAD_VALID,
       1,
       1,
       NQ_ACT_NONE},
      {"fc_pt_int32_bias",
       NQ_OP_FULLY_CONNECTED,
       {3, 16},
       {4, 16},
       0,
       NQ_INT32,
       NQ_PAD_VALID,
       1,
       1,
       NQ_ACT_RELU},
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
                   (int32_t[]){in[0], tc_out(in[1], cases[i].w[1], cases[i].stride, cases[i].pad),
                               tc_out(in[2], cases[i].w[2], cases[i].stride, cases[i].pad), cases[i].w[0]});
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
      {"exp", NQ_OP_EXP, 0.0f},
  };
  for (size_t i = 0; i < sizeof un / sizeof un[0]; i++) {
    mb_start(b);
    float s = un[i].s_in;
    if (s == 0.0f) s = s16_scale(b, un[i].op == NQ_OP_EXP ? 3.0f : strstr(un[i].name, "wide") ? 40.0f : 6.0f);
    int x = mb_input(b, NQ_INT16, 3, SH(2, 9, 7), s, 0);
    /* EXP's output grid: exp(3) = 20 at most for the inputs below (range 3). */
    int y = mb_act(b, NQ_INT16, un[i].op == NQ_OP_EXP ? s16_scale(b, 21.0f) : 1.0f / 32768.0f, 0);
    p = nq_op_params_default();
    mb_node(b, un[i].op, 1, IN(x), 1, IN(y), &p);
    mb_finish(b, dir, un[i].name, 1, IN(y));
  }
}

/* One int16 input [1, 6, 5, 4] and an int16 output at the same scale
 * (ops that move or select values) or at out_range. */
static int in16(builder *b, float *s) {
  *s = s16_scale(b, 3.0f);
  return mb_input(b, NQ_INT16, 4, SH(1, 6, 5, 4), *s, 0);
}

static void movement(builder *b, const char *dir) {
  nq_op_params p;
  float s;
  int x, y, y2;

  mb_start(b); /* CONCATENATION: TFLite requires equal int16 scales */
  x = in16(b, &s);
  int x2 = mb_input(b, NQ_INT16, 4, SH(1, 6, 5, 2), s, 0);
  y = mb_act(b, NQ_INT16, s, 0);
  p = nq_op_params_default();
  p.axis = 3;
  mb_node(b, NQ_OP_CONCATENATION, 2, IN(x, x2), 1, IN(y), &p);
  mb_finish(b, dir, "concat", 1, IN(y));

  for (int k = 0; k < 3; k++) { /* pools */
    mb_start(b);
    x = in16(b, &s);
    y = mb_act(b, NQ_INT16, s, 0);
    p = nq_op_params_default();
    p.padding = k == 1 ? NQ_PAD_VALID : NQ_PAD_SAME;
    p.filter_h = p.filter_w = k == 1 ? 2 : 3;
    p.stride_h = p.stride_w = 2;
    p.act = k == 2 ? NQ_ACT_RELU6 : NQ_ACT_NONE;
    mb_node(b, k == 1 ? NQ_OP_MAX_POOL_2D : NQ_OP_AVERAGE_POOL_2D, 1, IN(x), 1, IN(y), &p);
    mb_finish(b, dir, k == 0 ? "avg_pool_same" : k == 1 ? "max_pool_valid" : "avg_pool_relu6", 1, IN(y));
  }
  const char *resize_names[] = {"resize_bilinear", "resize_bilinear_half_pixel", "resize_nearest_align",
                                "resize_nearest_half_pixel"};
  for (int k = 0; k < 4; k++) {
    mb_start(b);
    x = in16(b, &s);
    int sz = mb_ints(b, 1, SH(2), (int32_t[]){11, 7});
    y = mb_act(b, NQ_INT16, s, 0);
    p = nq_op_params_default();
    p.half_pixel_centers = k == 1 || k == 3;
    p.align_corners = k == 2;
    mb_node(b, k < 2 ? NQ_OP_RESIZE_BILINEAR : NQ_OP_RESIZE_NEAREST_NEIGHBOR, 2, IN(x, sz), 1, IN(y), &p);
    mb_finish(b, dir, resize_names[k], 1, IN(y));
  }

  mb_start(b);
  x = in16(b, &s);
  int pads = mb_ints(b, 2, SH(4, 2), (int32_t[]){0, 0, 1, 2, 0, 1, 3, 0});
  y = mb_act(b, NQ_INT16, s, 0);
  p = nq_op_params_default();
  mb_node(b, NQ_OP_PAD, 2, IN(x, pads), 1, IN(y), &p);
  mb_finish(b, dir, "pad", 1, IN(y));

  mb_start(b);
  x = in16(b, &s);
  int shp = mb_ints(b, 1, SH(2), (int32_t[]){10, 12});
  y = mb_act(b, NQ_INT16, s, 0);
  mb_node(b, NQ_OP_RESHAPE, 2, IN(x, shp), 1, IN(y), &p);
  mb_finish(b, dir, "reshape", 1, IN(y));

  mb_start(b);
  x = in16(b, &s);
  int perm = mb_ints(b, 1, SH(4), (int32_t[]){0, 3, 1, 2});
  y = mb_act(b, NQ_INT16, s, 0);
  mb_node(b, NQ_OP_TRANSPOSE, 2, IN(x, perm), 1, IN(y), &p);
  mb_finish(b, dir, "transpose", 1, IN(y));

  mb_start(b);
  x = in16(b, &s);
  int bg = mb_ints(b, 1, SH(4), (int32_t[]){0, 4, 1, 0});
  int en = mb_ints(b, 1, SH(4), (int32_t[]){1, 0, 5, 4});
  int st = mb_ints(b, 1, SH(4), (int32_t[]){1, -1, 2, 1});
  y = mb_act(b, NQ_INT16, s, 0);
  p = nq_op_params_default();
  p.shrink_axis_mask = 1;
  p.end_mask = 8;
  mb_node(b, NQ_OP_STRIDED_SLICE, 4, IN(x, bg, en, st), 1, IN(y), &p);
  mb_finish(b, dir, "strided_slice", 1, IN(y));

  mb_start(b);
  x = in16(b, &s);
  int ax = mb_ints(b, 0, NULL, (int32_t[]){3});
  y = mb_act(b, NQ_INT16, s, 0);
  y2 = mb_act(b, NQ_INT16, s, 0);
  p = nq_op_params_default();
  p.num = 2;
  mb_node(b, NQ_OP_SPLIT, 2, IN(ax, x), 2, IN(y, y2), &p);
  mb_finish(b, dir, "split", 2, IN(y, y2));

  for (int k = 0; k < 2; k++) { /* RELU, RELU6 (own output scales) */
    mb_start(b);
    x = in16(b, &s);
    y = mb_act(b, NQ_INT16, s16_scale(b, k ? 6.0f : 3.0f), 0);
    p = nq_op_params_default();
    mb_node(b, k ? NQ_OP_RELU6 : NQ_OP_RELU, 1, IN(x), 1, IN(y), &p);
    mb_finish(b, dir, k ? "relu6" : "relu", 1, IN(y));
  }

  for (int k = 0; k < 3; k++) { /* ABS (rescaled and not), LEAKY_RELU */
    mb_start(b);
    x = in16(b, &s);
    y = mb_act(b, NQ_INT16, k == 1 ? s : s16_scale(b, 2.5f), 0);
    p = nq_op_params_default();
    p.alpha = 0.1f;
    mb_node(b, k == 2 ? NQ_OP_LEAKY_RELU : NQ_OP_ABS, 1, IN(x), 1, IN(y), &p);
    mb_finish(b, dir, k == 0 ? "abs" : k == 1 ? "abs_same_scale" : "leaky_relu", 1, IN(y));
  }

  for (int k = 0; k < 2; k++) { /* SOFTMAX: output 1/32768 */
    mb_start(b);
    if (k) {
      s = s16_scale(b, 20.0f);
      x = mb_input(b, NQ_INT16, 2, SH(3, 37), s, 0);
    } else {
      x = in16(b, &s);
    }
    y = mb_act(b, NQ_INT16, 1.0f / 32768.0f, 0);
    p = nq_op_params_default();
    p.beta = k ? 0.7f : 1.0f;
    mb_node(b, NQ_OP_SOFTMAX, 1, IN(x), 1, IN(y), &p);
    mb_finish(b, dir, k ? "softmax_wide_beta" : "softmax", 1, IN(y));
  }

  mb_start(b); /* MEAN over H, W */
  x = in16(b, &s);
  int axes = mb_ints(b, 1, SH(2), (int32_t[]){1, 2});
  y = mb_act(b, NQ_INT16, s16_scale(b, 1.5f), 0);
  p = nq_op_params_default();
  p.keep_dims = true;
  mb_node(b, NQ_OP_MEAN, 2, IN(x, axes), 1, IN(y), &p);
  mb_finish(b, dir, "mean_spatial", 1, IN(y));

  mb_start(b); /* MEAN over the last axis */
  x = in16(b, &s);
  axes = mb_ints(b, 1, SH(1), (int32_t[]){3});
  y = mb_act(b, NQ_INT16, s16_scale(b, 2.0f), 0);
  p = nq_op_params_default();
  mb_node(b, NQ_OP_MEAN, 2, IN(x, axes), 1, IN(y), &p);
  mb_finish(b, dir, "mean_axis3", 1, IN(y));
}

/* The other ops whose int16 form is the 8-bit loop on int16 values. */
static void movement2(builder *b, const char *dir) {
  nq_op_params p;
  float s;
  int x, y, y2;

  mb_start(b);
  x = in16(b, &s);
  int bg = mb_ints(b, 1, SH(4), (int32_t[]){0, 1, 2, 1});
  int sz = mb_ints(b, 1, SH(4), (int32_t[]){1, 3, 3, 2});
  y = mb_act(b, NQ_INT16, s, 0);
  p = nq_op_params_default();
  mb_node(b, NQ_OP_SLICE, 3, IN(x, bg, sz), 1, IN(y), &p);
  mb_finish(b, dir, "slice", 1, IN(y));

  mb_start(b);
  x = in16(b, &s);
  int szs = mb_ints(b, 1, SH(2), (int32_t[]){1, 3});
  int ax = mb_ints(b, 0, NULL, (int32_t[]){3});
  y = mb_act(b, NQ_INT16, s, 0);
  y2 = mb_act(b, NQ_INT16, s, 0);
  mb_node(b, NQ_OP_SPLIT_V, 3, IN(x, szs, ax), 2, IN(y, y2), &p);
  mb_finish(b, dir, "split_v", 2, IN(y, y2));

  mb_start(b);
  s = s16_scale(b, 3.0f);
  x = mb_input(b, NQ_INT16, 2, SH(3, 5), s, 0);
  int x2 = mb_input(b, NQ_INT16, 2, SH(3, 5), s, 0);
  y = mb_act(b, NQ_INT16, s, 0);
  p = nq_op_params_default();
  p.axis = 1;
  p.num = 2;
  mb_node(b, NQ_OP_PACK, 2, IN(x, x2), 1, IN(y), &p);
  mb_finish(b, dir, "pack", 1, IN(y));

  mb_start(b);
  x = mb_input(b, NQ_INT16, 3, SH(3, 2, 5), s, 0);
  y = mb_act(b, NQ_INT16, s, 0);
  y2 = mb_act(b, NQ_INT16, s, 0);
  mb_node(b, NQ_OP_UNPACK, 1, IN(x), 2, IN(y, y2), &p);
  mb_finish(b, dir, "unpack", 2, IN(y, y2));

  mb_start(b);
  x = mb_input(b, NQ_INT16, 3, SH(4, 5, 3), s, 0);
  int idx = mb_ints(b, 1, SH(4), (int32_t[]){4, 0, 2, 2});
  y = mb_act(b, NQ_INT16, s, 0);
  p = nq_op_params_default();
  p.axis = 1;
  mb_node(b, NQ_OP_GATHER, 2, IN(x, idx), 1, IN(y), &p);
  mb_finish(b, dir, "gather", 1, IN(y));

  mb_start(b);
  x = in16(b, &s);
  int pads = mb_ints(b, 2, SH(4, 2), (int32_t[]){0, 0, 1, 2, 2, 1, 0, 0});
  y = mb_act(b, NQ_INT16, s, 0);
  p = nq_op_params_default();
  p.mirror_mode = 0;
  mb_node(b, NQ_OP_MIRROR_PAD, 2, IN(x, pads), 1, IN(y), &p);
  mb_finish(b, dir, "mirror_pad_reflect", 1, IN(y));

  mb_start(b);
  x = mb_input(b, NQ_INT16, 4, SH(1, 4, 5, 2), s, 0);
  int blk = mb_ints(b, 1, SH(2), (int32_t[]){2, 2});
  pads = mb_ints(b, 2, SH(2, 2), (int32_t[]){0, 0, 1, 0});
  y = mb_act(b, NQ_INT16, s, 0);
  p = nq_op_params_default();
  mb_node(b, NQ_OP_SPACE_TO_BATCH_ND, 3, IN(x, blk, pads), 1, IN(y), &p);
  mb_finish(b, dir, "space_to_batch", 1, IN(y));

  mb_start(b);
  x = mb_input(b, NQ_INT16, 4, SH(4, 2, 3, 2), s, 0);
  blk = mb_ints(b, 1, SH(2), (int32_t[]){2, 2});
  int crops = mb_ints(b, 2, SH(2, 2), (int32_t[]){0, 0, 1, 0});
  y = mb_act(b, NQ_INT16, s, 0);
  mb_node(b, NQ_OP_BATCH_TO_SPACE_ND, 3, IN(x, blk, crops), 1, IN(y), &p);
  mb_finish(b, dir, "batch_to_space", 1, IN(y));

  for (int k = 0; k < 2; k++) {
    mb_start(b);
    x = in16(b, &s);
    int axes = mb_ints(b, 1, SH(2), (int32_t[]){1, 3});
    y = mb_act(b, NQ_INT16, s, 0);
    p = nq_op_params_default();
    p.keep_dims = k == 0;
    mb_node(b, k ? NQ_OP_REDUCE_MIN : NQ_OP_REDUCE_MAX, 2, IN(x, axes), 1, IN(y), &p);
    mb_finish(b, dir, k ? "reduce_min" : "reduce_max", 1, IN(y));
  }

  mb_start(b);
  x = in16(b, &s);
  x2 = mb_input(b, NQ_INT16, 1, SH(4), s, 0);
  y = mb_act(b, NQ_INT16, s, 0);
  p = nq_op_params_default();
  mb_node(b, NQ_OP_MINIMUM, 2, IN(x, x2), 1, IN(y), &p);
  mb_finish(b, dir, "minimum_bcast", 1, IN(y));

  mb_start(b);
  x = in16(b, &s);
  int zero = mb_ints(b, 0, NULL, (int32_t[]){0});
  y = mb_act(b, NQ_INT16, s, 0);
  mb_node(b, NQ_OP_EXPAND_DIMS, 2, IN(x, zero), 1, IN(y), &p);
  mb_finish(b, dir, "expand_dims", 1, IN(y));

  mb_start(b);
  x = in16(b, &s);
  int pv = mb_tensor(b, NQ_INT16, 0, NULL, 1, &s, (int64_t[]){0}, 0);
  mb_set_data(b, pv, (int16_t[]){-1234}, 2);
  pads = mb_ints(b, 2, SH(4, 2), (int32_t[]){0, 0, 1, 2, 0, 1, 3, 0});
  y = mb_act(b, NQ_INT16, s, 0);
  mb_node(b, NQ_OP_PADV2, 3, IN(x, pads, pv), 1, IN(y), &p);
  mb_finish(b, dir, "padv2_value", 1, IN(y));
}

static void conversions(builder *b, const char *dir) {
  nq_op_params p = nq_op_params_default();
  struct {
    const char *name;
    nq_dtype in, out;
    float r_in, r_out;
    int64_t zp_in, zp_out;
  } cv[] = {
      {"quantize_s16_to_s8", NQ_INT16, NQ_INT8, 3.0f, 2.5f, 0, -7},
      {"quantize_s8_to_s16", NQ_INT8, NQ_INT16, 3.0f, 3.2f, 5, 0},
      {"quantize_s16_to_s16", NQ_INT16, NQ_INT16, 3.0f, 2.0f, 0, 0},
      {"quantize_f32_to_s16", NQ_FLOAT32, NQ_INT16, 0.0f, 2.5f, 0, 0},
      {"dequantize_s16", NQ_INT16, NQ_FLOAT32, 3.0f, 0.0f, 0, 0},
  };
  for (size_t i = 0; i < sizeof cv / sizeof cv[0]; i++) {
    mb_start(b);
    const float s_in = cv[i].in == NQ_INT8 ? cv[i].r_in / 127.0f : s16_scale(b, cv[i].r_in);
    const float s_out = cv[i].out == NQ_INT8 ? cv[i].r_out / 127.0f : s16_scale(b, cv[i].r_out);
    int x = cv[i].in == NQ_FLOAT32 ? mb_tensor(b, NQ_FLOAT32, 3, SH(2, 7, 5), 0, NULL, NULL, 0)
                                   : mb_input(b, cv[i].in, 3, SH(2, 7, 5), s_in, cv[i].zp_in);
    if (cv[i].in == NQ_FLOAT32) b->in[b->n_in++] = x;
    int y = cv[i].out == NQ_FLOAT32 ? mb_tensor(b, NQ_FLOAT32, 0, NULL, 0, NULL, NULL, 0)
                                    : mb_act(b, cv[i].out, s_out, cv[i].zp_out);
    mb_node(b, cv[i].out == NQ_FLOAT32 ? NQ_OP_DEQUANTIZE : NQ_OP_QUANTIZE, 1, IN(x), 1, IN(y), &p);
    mb_finish(b, dir, cv[i].name, 1, IN(y));
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
  movement(&B, argv[1]);
  movement2(&B, argv[1]);
  conversions(&B, argv[1]);
  return B.failures ? 1 : 0;
}
