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
#include <stdbool.h>
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

/* A constant int32 operand: rank 0 is a scalar (v[0]). */
typedef struct {
  int rank;
  int32_t shape[2];
  int32_t v[8];
} const_ints;

/* The fields of nq_op_params the cases below set (0: the default). */
typedef struct {
  nq_padding padding;
  int filter, stride; /* both axes */
  nq_activation act;
  bool half_pixel_centers, align_corners, keep_dims;
  int shrink_axis_mask, end_mask, axis, num, mirror_mode;
  float alpha, beta;
} params;

/* One op on one int16 input and constant int operands (in that order), with
 * int16 outputs; or, for the few that need more, a builder of its own. */
typedef struct {
  const char *name;
  nq_op op;
  int in_rank;     /* 0: [1, 6, 5, 4] */
  int32_t in[4];   /* its shape otherwise */
  float in_range;  /* its scale: for values up to this (0: 3), jittered ... */
  bool keep_scale; /* ... or the scale of the case before (no random draw) */
  int n_c;         /* constant operands */
  const_ints c[3];
  bool consts_first; /* SPLIT: the operands before the input */
  int n_out;         /* 0: 1 */
  float out_range;   /* output scale: for values up to this, jittered; 0: the input's ... */
  float out_scale;   /* ... or this one */
  params p;
  void (*build)(builder *b, const char *dir, float *s); /* instead of all the above */
} one_input;

static nq_op_params op_params(const params *d) {
  nq_op_params p = nq_op_params_default();
  p.padding = d->padding;
  p.filter_h = p.filter_w = d->filter;
  if (d->stride) p.stride_h = p.stride_w = d->stride;
  p.act = d->act;
  p.half_pixel_centers = d->half_pixel_centers;
  p.align_corners = d->align_corners;
  p.keep_dims = d->keep_dims;
  p.shrink_axis_mask = d->shrink_axis_mask;
  p.end_mask = d->end_mask;
  p.axis = d->axis;
  p.num = d->num;
  p.mirror_mode = d->mirror_mode;
  p.alpha = d->alpha;
  if (d->beta != 0.0f) p.beta = d->beta;
  return p;
}

static void build_one_input(builder *b, const char *dir, const one_input *c, float *s) {
  if (c->build) {
    c->build(b, dir, s);
    return;
  }
  mb_start(b);
  if (!c->keep_scale) *s = s16_scale(b, c->in_range != 0.0f ? c->in_range : 3.0f);
  int x = c->in_rank ? mb_input(b, NQ_INT16, c->in_rank, c->in, *s, 0)
                     : mb_input(b, NQ_INT16, 4, SH(1, 6, 5, 4), *s, 0);
  int in[4], n_in = 0, out[2];
  if (!c->consts_first) in[n_in++] = x;
  for (int k = 0; k < c->n_c; k++)
    in[n_in++] = mb_ints(b, c->c[k].rank, c->c[k].rank ? c->c[k].shape : NULL, c->c[k].v);
  if (c->consts_first) in[n_in++] = x;
  const int n_out = c->n_out ? c->n_out : 1;
  const float so = c->out_range != 0.0f   ? s16_scale(b, c->out_range)
                   : c->out_scale != 0.0f ? c->out_scale
                                          : *s;
  for (int k = 0; k < n_out; k++) out[k] = mb_act(b, NQ_INT16, so, 0);
  nq_op_params p = op_params(&c->p);
  mb_node(b, c->op, n_in, in, n_out, out, &p);
  mb_finish(b, dir, c->name, n_out, out);
}

/* CONCATENATION: TFLite requires equal int16 scales. */
static void concat(builder *b, const char *dir, float *s) {
  mb_start(b);
  *s = s16_scale(b, 3.0f);
  int x = mb_input(b, NQ_INT16, 4, SH(1, 6, 5, 4), *s, 0);
  int x2 = mb_input(b, NQ_INT16, 4, SH(1, 6, 5, 2), *s, 0);
  int y = mb_act(b, NQ_INT16, *s, 0);
  nq_op_params p = nq_op_params_default();
  p.axis = 3;
  mb_node(b, NQ_OP_CONCATENATION, 2, IN(x, x2), 1, IN(y), &p);
  mb_finish(b, dir, "concat", 1, IN(y));
}

static void pack(builder *b, const char *dir, float *s) {
  mb_start(b);
  *s = s16_scale(b, 3.0f);
  int x = mb_input(b, NQ_INT16, 2, SH(3, 5), *s, 0);
  int x2 = mb_input(b, NQ_INT16, 2, SH(3, 5), *s, 0);
  int y = mb_act(b, NQ_INT16, *s, 0);
  nq_op_params p = nq_op_params_default();
  p.axis = 1;
  p.num = 2;
  mb_node(b, NQ_OP_PACK, 2, IN(x, x2), 1, IN(y), &p);
  mb_finish(b, dir, "pack", 1, IN(y));
}

static void minimum_bcast(builder *b, const char *dir, float *s) {
  mb_start(b);
  *s = s16_scale(b, 3.0f);
  int x = mb_input(b, NQ_INT16, 4, SH(1, 6, 5, 4), *s, 0);
  int x2 = mb_input(b, NQ_INT16, 1, SH(4), *s, 0);
  int y = mb_act(b, NQ_INT16, *s, 0);
  nq_op_params p = nq_op_params_default();
  mb_node(b, NQ_OP_MINIMUM, 2, IN(x, x2), 1, IN(y), &p);
  mb_finish(b, dir, "minimum_bcast", 1, IN(y));
}

/* PADV2 with an int16 pad value of its own. */
static void padv2(builder *b, const char *dir, float *s) {
  mb_start(b);
  *s = s16_scale(b, 3.0f);
  int x = mb_input(b, NQ_INT16, 4, SH(1, 6, 5, 4), *s, 0);
  int pv = mb_tensor(b, NQ_INT16, 0, NULL, 1, s, (int64_t[]){0}, 0);
  mb_set_data(b, pv, (int16_t[]){-1234}, 2);
  int pads = mb_ints(b, 2, SH(4, 2), (int32_t[]){0, 0, 1, 2, 0, 1, 3, 0});
  int y = mb_act(b, NQ_INT16, *s, 0);
  nq_op_params p = nq_op_params_default();
  mb_node(b, NQ_OP_PADV2, 3, IN(x, pads, pv), 1, IN(y), &p);
  mb_finish(b, dir, "padv2_value", 1, IN(y));
}

#define PADS_4X2                          \
  {                                       \
    2, {4, 2}, { 0, 0, 1, 2, 0, 1, 3, 0 } \
  }
#define RESIZE_TO     \
  {                   \
    1, {2}, { 11, 7 } \
  }

/* The ops that move, select or reduce values, and the activations; in the
 * order (and so with the random scales) the oracle's models were made. */
static const one_input ONE_INPUT[] = {
    {.build = concat},
    {"avg_pool_same", NQ_OP_AVERAGE_POOL_2D, .p = {.padding = NQ_PAD_SAME, .filter = 3, .stride = 2}},
    {"max_pool_valid", NQ_OP_MAX_POOL_2D, .p = {.padding = NQ_PAD_VALID, .filter = 2, .stride = 2}},
    {"avg_pool_relu6", NQ_OP_AVERAGE_POOL_2D,
     .p = {.padding = NQ_PAD_SAME, .filter = 3, .stride = 2, .act = NQ_ACT_RELU6}},
    {"resize_bilinear", NQ_OP_RESIZE_BILINEAR, .n_c = 1, .c = {RESIZE_TO}},
    {"resize_bilinear_half_pixel", NQ_OP_RESIZE_BILINEAR, .n_c = 1, .c = {RESIZE_TO},
     .p = {.half_pixel_centers = true}},
    {"resize_nearest_align", NQ_OP_RESIZE_NEAREST_NEIGHBOR, .n_c = 1, .c = {RESIZE_TO},
     .p = {.align_corners = true}},
    {"resize_nearest_half_pixel", NQ_OP_RESIZE_NEAREST_NEIGHBOR, .n_c = 1, .c = {RESIZE_TO},
     .p = {.half_pixel_centers = true}},
    {"pad", NQ_OP_PAD, .n_c = 1, .c = {PADS_4X2}},
    {"reshape", NQ_OP_RESHAPE, .n_c = 1, .c = {{1, {2}, {10, 12}}}},
    {"transpose", NQ_OP_TRANSPOSE, .n_c = 1, .c = {{1, {4}, {0, 3, 1, 2}}}},
    {"strided_slice", NQ_OP_STRIDED_SLICE, .n_c = 3,
     .c = {{1, {4}, {0, 4, 1, 0}}, {1, {4}, {1, 0, 5, 4}}, {1, {4}, {1, -1, 2, 1}}},
     .p = {.shrink_axis_mask = 1, .end_mask = 8}},
    {"split", NQ_OP_SPLIT, .n_c = 1, .c = {{0, {0}, {3}}}, .consts_first = true, .n_out = 2, .p = {.num = 2}},
    {"relu", NQ_OP_RELU, .out_range = 3.0f},
    {"relu6", NQ_OP_RELU6, .out_range = 6.0f},
    {"abs", NQ_OP_ABS, .out_range = 2.5f, .p = {.alpha = 0.1f}},
    {"abs_same_scale", NQ_OP_ABS, .p = {.alpha = 0.1f}},
    {"leaky_relu", NQ_OP_LEAKY_RELU, .out_range = 2.5f, .p = {.alpha = 0.1f}},
    {"softmax", NQ_OP_SOFTMAX, .out_scale = 1.0f / 32768.0f},
    {"softmax_wide_beta", NQ_OP_SOFTMAX, .in_rank = 2, .in = {3, 37}, .in_range = 20.0f,
     .out_scale = 1.0f / 32768.0f, .p = {.beta = 0.7f}},
    {"mean_spatial", NQ_OP_MEAN, .n_c = 1, .c = {{1, {2}, {1, 2}}}, .out_range = 1.5f,
     .p = {.keep_dims = true}},
    {"mean_axis3", NQ_OP_MEAN, .n_c = 1, .c = {{1, {1}, {3}}}, .out_range = 2.0f},
    /* the ops whose int16 form is the 8-bit loop on int16 values */
    {"slice", NQ_OP_SLICE, .n_c = 2, .c = {{1, {4}, {0, 1, 2, 1}}, {1, {4}, {1, 3, 3, 2}}}},
    {"split_v", NQ_OP_SPLIT_V, .n_c = 2, .c = {{1, {2}, {1, 3}}, {0, {0}, {3}}}, .n_out = 2},
    {.build = pack},
    {"unpack", NQ_OP_UNPACK, .in_rank = 3, .in = {3, 2, 5}, .keep_scale = true, .n_out = 2,
     .p = {.axis = 1, .num = 2}},
    {"gather", NQ_OP_GATHER, .in_rank = 3, .in = {4, 5, 3}, .keep_scale = true, .n_c = 1,
     .c = {{1, {4}, {4, 0, 2, 2}}}, .p = {.axis = 1}},
    {"mirror_pad_reflect", NQ_OP_MIRROR_PAD, .n_c = 1, .c = {{2, {4, 2}, {0, 0, 1, 2, 2, 1, 0, 0}}}},
    {"space_to_batch", NQ_OP_SPACE_TO_BATCH_ND, .in_rank = 4, .in = {1, 4, 5, 2}, .keep_scale = true,
     .n_c = 2, .c = {{1, {2}, {2, 2}}, {2, {2, 2}, {0, 0, 1, 0}}}},
    {"batch_to_space", NQ_OP_BATCH_TO_SPACE_ND, .in_rank = 4, .in = {4, 2, 3, 2}, .keep_scale = true,
     .n_c = 2, .c = {{1, {2}, {2, 2}}, {2, {2, 2}, {0, 0, 1, 0}}}},
    {"reduce_max", NQ_OP_REDUCE_MAX, .n_c = 1, .c = {{1, {2}, {1, 3}}}, .p = {.keep_dims = true}},
    {"reduce_min", NQ_OP_REDUCE_MIN, .n_c = 1, .c = {{1, {2}, {1, 3}}}},
    {.build = minimum_bcast},
    {"tile", NQ_OP_TILE, .n_c = 1, .c = {{1, {4}, {1, 2, 1, 3}}}},
    {"expand_dims", NQ_OP_EXPAND_DIMS, .n_c = 1, .c = {{0, {0}, {0}}}},
    {.build = padv2},
};

static void one_input_ops(builder *b, const char *dir) {
  float s = 0.0f;
  for (size_t i = 0; i < sizeof ONE_INPUT / sizeof ONE_INPUT[0]; i++)
    build_one_input(b, dir, &ONE_INPUT[i], &s);
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
  one_input_ops(&B, argv[1]);
  conversions(&B, argv[1]);
  return B.failures ? 1 : 0;
}
