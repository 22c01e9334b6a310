/*
 * TensorFlow neural-network ops -> TFLite-semantics nq nodes: convolutions
 * (HWIO filters to OHWI / 1HW(C*M) / [out,h,w,in]), MatMul and BatchMatMul
 * by constants (FULLY_CONNECTED [out, in]), elementwise ops, activations,
 * FusedBatchNorm (per-channel MUL + ADD, folded later by the passes), pools.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/status.h"
#include "frontends/tensorflow/tf_convert.h"
#include "frontends/tensorflow/tf_fold.h"
#include "ir/shape.h"

nq_status tfo_conv(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int x, w;
  bool nchw;
  NQ_TRY(tfc_data_format(c, ni, &nchw, err));
  bool depthwise = strcmp(n->op, "DepthwiseConv2dNative") == 0;
  NQ_TRY(nchw ? tfc_in_nhwc(c, ni, 0, &x, err) : tfc_in(c, ni, 0, &x, err));
  NQ_TRY(tfc_const_in(c, ni, 1, &w, err));
  const nq_tensor *W = &c->g->tensors[w];
  if (W->rank != 4 || W->type != NQ_FLOAT32)
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "filter must be a float32 [h, w, in, out] constant");
  nq_op_params p = nq_op_params_default();
  NQ_TRY(tfc_padding(c, ni, &p.padding, err));
  NQ_TRY(tfc_hw_attr(c, ni, "strides", &p.stride_h, &p.stride_w, true, err));
  NQ_TRY(tfc_hw_attr(c, ni, "dilations", &p.dilation_h, &p.dilation_w, false, err));
  int32_t kh = W->shape[0], kw = W->shape[1], ci = W->shape[2], co = W->shape[3];
  int wt, bias, in[3], out;
  if (depthwise) {
    /* [h, w, in, mult] has the same memory order as TFLite's [1, h, w, in*mult]. */
    int32_t s[4] = {1, kh, kw, ci * co};
    wt = tfc_const_f32(c, tfc_sub_name(n->name, "/weights", nb, sizeof nb), 4, s,
                       (const float *)(const void *)W->data, err);
    if (wt < 0) return err->code;
    p.depth_multiplier = co;
    bias = tfc_const_zeros(c, tfc_sub_name(n->name, "/bias", nb, sizeof nb), ci * co, err);
  } else {
    static const int perm[4] = {3, 0, 1, 2}; /* HWIO -> OHWI */
    wt = tf_fold_transpose(c->g, tfc_sub_name(n->name, "/weights", nb, sizeof nb), w, perm, err);
    if (wt < 0) return err->code;
    bias = tfc_const_zeros(c, tfc_sub_name(n->name, "/bias", nb, sizeof nb), co, err);
  }
  if (bias < 0) return err->code;
  in[0] = x, in[1] = wt, in[2] = bias;
  NQ_TRY(tfc_emit(c, ni, depthwise ? NQ_OP_DEPTHWISE_CONV_2D : NQ_OP_CONV_2D, n->name, NQ_FLOAT32, 3, in, &p,
                  &out, err));
  return nchw ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

nq_status tfo_conv_transpose(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int sizes, w, x, out;
  bool nchw;
  NQ_TRY(tfc_data_format(c, ni, &nchw, err));
  NQ_TRY(tfc_const_in(c, ni, 0, &sizes, err));
  NQ_TRY(tfc_const_in(c, ni, 1, &w, err));
  NQ_TRY(nchw ? tfc_in_nhwc(c, ni, 2, &x, err) : tfc_in(c, ni, 2, &x, err));
  const nq_tensor *W = &c->g->tensors[w];
  if (W->rank != 4 || W->type != NQ_FLOAT32)
    return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "filter must be a float32 [h, w, out, in] constant");
  nq_op_params p = nq_op_params_default();
  NQ_TRY(tfc_padding(c, ni, &p.padding, err));
  NQ_TRY(tfc_hw_attr(c, ni, "strides", &p.stride_h, &p.stride_w, true, err));
  int dh, dw;
  NQ_TRY(tfc_hw_attr(c, ni, "dilations", &dh, &dw, false, err));
  if (dh != 1 || dw != 1) return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "dilated transposed convolution");
  static const int perm[4] = {2, 0, 1, 3}; /* [h, w, out, in] -> [out, h, w, in] */
  int wt = tf_fold_transpose(c->g, tfc_sub_name(n->name, "/weights", nb, sizeof nb), w, perm, err);
  if (wt < 0) return err->code;
  int os = tfc_as_i32(c, sizes, tfc_sub_name(n->name, "/output_shape", nb, sizeof nb), err);
  if (os < 0) return err->code;
  if (nchw) { /* input_sizes is [N, C, H, W]: TFLite wants the NHWC output shape */
    const nq_tensor *S = &c->g->tensors[os];
    if (nq_tensor_elems(S) != 4) return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "input_sizes must have 4 values");
    double v[4];
    for (int i = 0; i < 4; i++) v[i] = tf_el_get(S, (size_t)(i == 0 ? 0 : i == 3 ? 1 : i + 1));
    int32_t four = 4;
    os = tf_const_from_doubles(c->g, tfc_sub_name(n->name, "/output_shape_nhwc", nb, sizeof nb), NQ_INT32, 1,
                               &four, v, err);
    if (os < 0) return err->code;
  }
  int bias =
      tfc_const_zeros(c, tfc_sub_name(n->name, "/bias", nb, sizeof nb), c->g->tensors[wt].shape[0], err);
  if (bias < 0) return err->code;
  int in[4] = {os, wt, x, bias};
  NQ_TRY(tfc_emit(c, ni, NQ_OP_TRANSPOSE_CONV, n->name, NQ_FLOAT32, 4, in, &p, &out, err));
  return nchw ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

nq_status tfo_matmul(tf_cv *c, int ni, bool batch, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int a, b, out;
  NQ_TRY(tfc_in(c, ni, 0, &a, err));
  NQ_TRY(tfc_in(c, ni, 1, &b, err));
  bool ta = batch ? tfc_attr_b(n, "adj_x", false) : tfc_attr_b(n, "transpose_a", false);
  bool tb = batch ? tfc_attr_b(n, "adj_y", false) : tfc_attr_b(n, "transpose_b", false);
  const nq_tensor *B = &c->g->tensors[b];
  nq_op_params p = nq_op_params_default();
  if (tfc_is_const(c, a) && tfc_is_const(c, b))
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "matrix product of two constants");
  if (!ta && tfc_is_const(c, b) && B->rank == 2 && B->type == NQ_FLOAT32) {
    /* FULLY_CONNECTED wants [out, in]: MatMul's [in, out] transposed. */
    static const int perm[2] = {1, 0};
    int w = tb ? b : tf_fold_transpose(c->g, tfc_sub_name(n->name, "/weights", nb, sizeof nb), b, perm, err);
    if (w < 0) return err->code;
    int bias =
        tfc_const_zeros(c, tfc_sub_name(n->name, "/bias", nb, sizeof nb), c->g->tensors[w].shape[0], err);
    if (bias < 0) return err->code;
    p.keep_dims = batch && c->g->tensors[a].rank != 2;
    int in[3] = {a, w, bias};
    NQ_TRY(tfc_emit(c, ni, NQ_OP_FULLY_CONNECTED, n->name, NQ_FLOAT32, 3, in, &p, &out, err));
    return tfc_set_val(c, ni, out, err);
  }
  p.adj_x = ta;
  p.adj_y = tb;
  int in[2] = {a, b};
  NQ_TRY(tfc_emit(c, ni, NQ_OP_BATCH_MATMUL, n->name, NQ_FLOAT32, 2, in, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}

/* An elementwise binary op with one operand in NHWC form stays in that form
 * when the other operand can follow: an NHWC form too, a rank-4 value
 * (transposed), or a constant of rank <= 4 (re-laid out so that it
 * broadcasts as it did against the NCHW value). Sets *done when it did. */
static nq_status binary_nhwc(tf_cv *c, int ni, nq_op op, bool *done, nq_error *err) {
  int t[2];
  *done = false;
  if (!tfc_in_is_nhwc(c, ni, 0) && !tfc_in_is_nhwc(c, ni, 1)) return NQ_OK;
  for (int i = 0; i < 2; i++) {
    if (tfc_in_is_nhwc(c, ni, i)) continue;
    NQ_TRY(tfc_in(c, ni, i, &t[i], err));
    const nq_tensor *x = &c->g->tensors[t[i]];
    if (x->rank != 4 && !(tfc_is_const(c, t[i]) && x->rank <= 4)) return NQ_OK; /* keep the logical form */
  }
  for (int i = 0; i < 2; i++) {
    if (tfc_in_is_nhwc(c, ni, i) || !tfc_is_const(c, t[i]))
      NQ_TRY(tfc_in_nhwc(c, ni, i, &t[i], err));
    else
      NQ_TRY(tfc_const_for_nhwc(c, ni, t[i], &t[i], err));
  }
  nq_op_params p = nq_op_params_default();
  int out;
  NQ_TRY(tfc_emit(c, ni, op, c->f->nodes[ni].name, c->g->tensors[t[0]].type, 2, t, &p, &out, err));
  *done = true;
  return tfc_set_nhwc_vals(c, ni, 1, &out, err);
}

/* BiasAdd with data_format NCHW adds the bias along dimension 1. */
static nq_status bias_add_nchw(tf_cv *c, int ni, nq_error *err) {
  int x, b, out;
  nq_op_params p = nq_op_params_default();
  NQ_TRY(tfc_in(c, ni, 1, &b, err));
  if (c->g->tensors[b].rank != 1) return tfc_fail(c, ni, NQ_ERR_SHAPE, err, "bias must be a vector");
  if (!tfc_in_is_nhwc(c, ni, 0)) {
    NQ_TRY(tfc_in(c, ni, 0, &x, err));
    int r = c->g->tensors[x].rank;
    if (r <= 2) { /* [N, C]: the channel axis is already the last one */
      int in[2] = {x, b};
      NQ_TRY(tfc_emit(c, ni, NQ_OP_ADD, c->f->nodes[ni].name, c->g->tensors[x].type, 2, in, &p, &out, err));
      return tfc_set_val(c, ni, out, err);
    }
    if (r != 4)
      return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "data_format NCHW on a rank-%d input (4 expected)", r);
  }
  NQ_TRY(tfc_in_nhwc(c, ni, 0, &x, err));
  int in[2] = {x, b};
  NQ_TRY(tfc_emit(c, ni, NQ_OP_ADD, c->f->nodes[ni].name, c->g->tensors[x].type, 2, in, &p, &out, err));
  return tfc_set_nhwc_vals(c, ni, 1, &out, err);
}

nq_status tfo_binary(tf_cv *c, int ni, nq_op op, char fold_op, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int a, b, out;
  if (strcmp(n->op, "BiasAdd") == 0) {
    bool nchw;
    NQ_TRY(tfc_data_format(c, ni, &nchw, err));
    if (nchw) return bias_add_nchw(c, ni, err);
  }
  if ((int)op >= 0) {
    bool done;
    NQ_TRY(binary_nhwc(c, ni, op, &done, err));
    if (done) return NQ_OK;
  }
  NQ_TRY(tfc_in(c, ni, 0, &a, err));
  NQ_TRY(tfc_in(c, ni, 1, &b, err));
  if (tfc_is_const(c, a) && tfc_is_const(c, b))
    return tfc_folded(c, ni, tf_fold_binary(c->g, n->name, a, b, fold_op, err), err);
  if ((int)op < 0)
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "only supported on constants (shape arithmetic)");
  nq_op_params p = nq_op_params_default();
  int in[2] = {a, b};
  NQ_TRY(tfc_emit(c, ni, op, n->name, c->g->tensors[a].type, 2, in, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}

/* Elementwise ops whose result does not depend on the layout. */
static bool layout_free(nq_op op) { return op != NQ_OP_SOFTMAX && op != NQ_OP_LOG_SOFTMAX; }

nq_status tfo_unary(tf_cv *c, int ni, nq_op op, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int x, out;
  bool nhwc = layout_free(op) && tfc_in_is_nhwc(c, ni, 0);
  NQ_TRY(nhwc ? tfc_in_nhwc(c, ni, 0, &x, err) : tfc_in(c, ni, 0, &x, err));
  nq_op_params p = nq_op_params_default();
  if (op == NQ_OP_LEAKY_RELU) p.alpha = tfc_attr_f(n, "alpha", 0.2f);
  if (op == NQ_OP_SOFTMAX) p.beta = 1.0f;
  NQ_TRY(tfc_emit(c, ni, op, n->name, c->g->tensors[x].type, 1, &x, &p, &out, err));
  return nhwc ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

nq_status tfo_batchnorm(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int x, t[4], out;
  bool nchw;
  NQ_TRY(tfc_data_format(c, ni, &nchw, err));
  if (tfc_attr_b(n, "is_training", false))
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "is_training=true: export the model for inference");
  /* NCHW: the per-channel scale and shift apply to the last axis of the NHWC form. */
  NQ_TRY(nchw ? tfc_in_nhwc(c, ni, 0, &x, err) : tfc_in(c, ni, 0, &x, err));
  for (int i = 0; i < 4; i++) NQ_TRY(tfc_const_in(c, ni, i + 1, &t[i], err));
  size_t ch = nq_tensor_elems(&c->g->tensors[t[0]]);
  for (int i = 0; i < 4; i++)
    if (c->g->tensors[t[i]].type != NQ_FLOAT32 || nq_tensor_elems(&c->g->tensors[t[i]]) != ch || ch == 0)
      return tfc_fail(c, ni, NQ_ERR_SHAPE, err,
                      "scale, offset, mean and variance must be float32 of one length");
  float eps = tfc_attr_f(n, "epsilon", 1e-4f);
  float *mul = malloc(ch * sizeof *mul), *add = malloc(ch * sizeof *add);
  if (!mul || !add) {
    free(mul);
    free(add);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->file);
  }
  for (size_t i = 0; i < ch; i++) {
    double s = tf_el_get(&c->g->tensors[t[0]], i), o = tf_el_get(&c->g->tensors[t[1]], i);
    double m = tf_el_get(&c->g->tensors[t[2]], i), v = tf_el_get(&c->g->tensors[t[3]], i);
    mul[i] = (float)(s / sqrt(v + eps));
    add[i] = (float)(o - m * mul[i]);
  }
  int32_t s1 = (int32_t)ch;
  int mt = tfc_const_f32(c, tfc_sub_name(n->name, "/scale", nb, sizeof nb), 1, &s1, mul, err);
  int at = mt < 0 ? -1 : tfc_const_f32(c, tfc_sub_name(n->name, "/shift", nb, sizeof nb), 1, &s1, add, err);
  free(mul);
  free(add);
  if (at < 0) return err->code;
  nq_op_params p = nq_op_params_default();
  int in[2] = {x, mt}, mid;
  NQ_TRY(tfc_emit(c, ni, NQ_OP_MUL, tfc_sub_name(n->name, "/mul", nb, sizeof nb), NQ_FLOAT32, 2, in, &p, &mid,
                  err));
  in[0] = mid, in[1] = at;
  NQ_TRY(tfc_emit(c, ni, NQ_OP_ADD, n->name, NQ_FLOAT32, 2, in, &p, &out, err));
  return nchw ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

nq_status tfo_pool(tf_cv *c, int ni, nq_op op, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  int x, out;
  bool nchw;
  NQ_TRY(tfc_data_format(c, ni, &nchw, err));
  NQ_TRY(nchw ? tfc_in_nhwc(c, ni, 0, &x, err) : tfc_in(c, ni, 0, &x, err));
  nq_op_params p = nq_op_params_default();
  NQ_TRY(tfc_padding(c, ni, &p.padding, err));
  NQ_TRY(tfc_hw_attr(c, ni, "ksize", &p.filter_h, &p.filter_w, true, err));
  NQ_TRY(tfc_hw_attr(c, ni, "strides", &p.stride_h, &p.stride_w, true, err));
  NQ_TRY(tfc_emit(c, ni, op, n->name, NQ_FLOAT32, 1, &x, &p, &out, err));
  return nchw ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

/* Ops whose TFLite form takes the TF inputs in the same order, with the
 * constant index operands (axes, begin/size, multiples, block shapes,
 * paddings) as int32: Slice, Tile, GatherV2, ArgMax, SpaceToBatchND,
 * BatchToSpaceND, SquaredDifference, Pow and the unary math ops. */
nq_status tfo_direct(tf_cv *c, int ni, nq_op op, int n_in, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int in[4], out;
  nq_op_params p = nq_op_params_default();
  nq_dtype type;
  if (n_in == 1 && tfc_in_is_nhwc(c, ni, 0)) { /* Rsqrt, Exp, ...: elementwise, any layout */
    NQ_TRY(tfc_in_nhwc(c, ni, 0, &in[0], err));
    NQ_TRY(tfc_emit(c, ni, op, n->name, c->g->tensors[in[0]].type, 1, in, &p, &out, err));
    return tfc_set_nhwc_vals(c, ni, 1, &out, err);
  }
  for (int i = 0; i < n_in; i++) {
    NQ_TRY(tfc_in(c, ni, i, &in[i], err));
    if (i > 0 && tfc_is_const(c, in[i]) && (c->g->tensors[in[i]].type == NQ_INT64)) {
      char suf[16];
      snprintf(suf, sizeof suf, "/in%d", i);
      if ((in[i] = tfc_as_i32(c, in[i], tfc_sub_name(n->name, suf, nb, sizeof nb), err)) < 0)
        return err->code;
    }
  }
  type = c->g->tensors[in[0]].type;
  if (op == NQ_OP_GATHER || op == NQ_OP_ARG_MAX) {
    /* GatherV2(params, indices, axis) and ArgMax(input, dimension). */
    int a;
    NQ_TRY(tfc_const_in(c, ni, op == NQ_OP_GATHER ? 2 : 1, &a, err));
    p.axis = (int)tf_el_get(&c->g->tensors[a], 0);
    if (tfc_attr_i(n, "batch_dims", 0) != 0)
      return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "batch_dims != 0");
    if (op == NQ_OP_ARG_MAX) {
      type = tfc_attr_type(n, "output_type", TF_DT_INT64) == TF_DT_INT32 ? NQ_INT32 : NQ_INT64;
      p.out_type = type;
      if ((in[1] = tfc_as_i32(c, a, tfc_sub_name(n->name, "/axis", nb, sizeof nb), err)) < 0)
        return err->code;
    }
  }
  NQ_TRY(tfc_emit(c, ni, op, n->name, type, n_in, in, &p, &out, err));
  return tfc_set_val(c, ni, out, err);
}

/* DepthToSpace / SpaceToDepth (NHWC, block_size attribute). */
nq_status tfo_depth_space(tf_cv *c, int ni, nq_op op, nq_error *err) {
  int x, out;
  bool nchw;
  /* TF defines the NCHW form as the NHWC op on the transposed tensor. */
  NQ_TRY(tfc_data_format(c, ni, &nchw, err));
  NQ_TRY(nchw ? tfc_in_nhwc(c, ni, 0, &x, err) : tfc_in(c, ni, 0, &x, err));
  nq_op_params p = nq_op_params_default();
  p.block_size = (int)tfc_attr_i(&c->f->nodes[ni], "block_size", 0);
  if (p.block_size < 2 || p.block_size > 4096)
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "block_size must be >= 2");
  NQ_TRY(tfc_emit(c, ni, op, c->f->nodes[ni].name, c->g->tensors[x].type, 1, &x, &p, &out, err));
  return nchw ? tfc_set_nhwc_vals(c, ni, 1, &out, err) : tfc_set_val(c, ni, out, err);
}

/* AddN: a chain of ADDs. */
nq_status tfo_add_n(tf_cv *c, int ni, nq_error *err) {
  const tf_node *n = &c->f->nodes[ni];
  char nb[600];
  int acc, x, in[2];
  nq_op_params p = nq_op_params_default();
  NQ_TRY(tfc_in(c, ni, 0, &acc, err));
  for (int i = 1; i < n->n_in; i++) {
    NQ_TRY(tfc_in(c, ni, i, &x, err));
    in[0] = acc, in[1] = x;
    char suf[24];
    snprintf(suf, sizeof suf, "/add%d", i);
    const char *oname = i == n->n_in - 1 ? n->name : tfc_sub_name(n->name, suf, nb, sizeof nb);
    NQ_TRY(tfc_emit(c, ni, NQ_OP_ADD, oname, c->g->tensors[acc].type, 2, in, &p, &acc, err));
  }
  return tfc_set_val(c, ni, acc, err);
}
