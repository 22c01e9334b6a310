/*
 * Layers with weights: Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D,
 * Conv2DTranspose, Dense, BatchNormalization.
 *
 * Keras kernel layouts and what TFLite wants:
 *   Conv2D           [kh, kw, in/groups, out]  -> CONV_2D OHWI [out, kh, kw, in]
 *   DepthwiseConv2D  [kh, kw, in, mult]        -> [1, kh, kw, in*mult] (same memory
 *                    order: output channel c*mult + m in both)
 *   SeparableConv2D  depthwise as above, then pointwise [1, 1, in*mult, out]
 *   Conv2DTranspose  [kh, kw, out, in]         -> TRANSPOSE_CONV [out, kh, kw, in]
 *   Dense            [in, out]                 -> FULLY_CONNECTED [out, in]
 * Conv1D runs as a 1 x W Conv2D between two RESHAPEs. BatchNormalization
 * becomes MUL + ADD by per-channel constants, which the passes fold into
 * the preceding layer. Every weight's shape is checked against the config
 * and the input before use.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/keras/keras_internal.h"
#include "ir/shape.h"

typedef struct conv_cfg {
  int64_t k[2], s[2], d[2];
  nq_padding pad;
  bool causal;
  int groups;
  bool use_bias;
  const char *act;
} conv_cfg;

static nq_status shape_err(kr_ctx *c, kr_layer_call *l, int wi, const kr_array *w, const char *expected,
                           nq_error *err) {
  char dims[128] = "";
  size_t o = 0;
  for (int i = 0; i < w->rank && o < sizeof dims - 16; i++)
    o += (size_t)snprintf(dims + o, sizeof dims - o, "%s%d", i ? "," : "", w->shape[i]);
  return nq_fail(err, NQ_ERR_FORMAT, "%s: layer '%s' (%s): weight %d has shape [%s], %s expected", c->path,
                 l->name, l->cls, wi, dims, expected);
}

static nq_status read_conv_cfg(kr_ctx *c, kr_layer_call *l, int rank, conv_cfg *cc, nq_error *err) {
  memset(cc, 0, sizeof *cc);
  int64_t v[NQ_MAX_RANK * 2];
  int n = kr_ints(l->cfg, "kernel_size", v, rank);
  if (n != rank) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "kernel_size is missing or malformed", err);
  for (int i = 0; i < rank; i++) cc->k[i] = v[i];
  n = kr_ints(l->cfg, "strides", v, rank);
  for (int i = 0; i < rank; i++) cc->s[i] = n == rank ? v[i] : 1;
  n = kr_ints(l->cfg, "dilation_rate", v, rank);
  for (int i = 0; i < rank; i++) cc->d[i] = n == rank ? v[i] : 1;
  for (int i = 0; i < rank; i++)
    if (cc->k[i] < 1 || cc->k[i] > 4096 || cc->s[i] < 1 || cc->s[i] > 4096 || cc->d[i] < 1 || cc->d[i] > 4096)
      return kr_layer_fail(c, l, NQ_ERR_FORMAT, "kernel_size/strides/dilation_rate out of range", err);
  const char *pad = kr_str(l->cfg, "padding", "valid");
  if (strcmp(pad, "same") == 0)
    cc->pad = NQ_PAD_SAME;
  else if (strcmp(pad, "valid") == 0)
    cc->pad = NQ_PAD_VALID;
  else if (strcmp(pad, "causal") == 0 && rank == 1)
    cc->pad = NQ_PAD_VALID, cc->causal = true;
  else
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED, "padding is not 'same' or 'valid'", err);
  if (kr_channels_first(l->cfg) && !l->cf)
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED,
                         "data_format channels_first is supported for 2-D layers only", err);
  cc->groups = (int)kr_num(l->cfg, "groups", 1);
  if (cc->groups < 1) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "groups < 1", err);
  cc->use_bias = kr_bool(l->cfg, "use_bias", true);
  cc->act = kr_activation_name(l->cfg);
  return NQ_OK;
}

/* The conv output name: the layer's when no activation follows. */
static const char *pre_act_name(char *buf, size_t n, kr_layer_call *l, const char *act) {
  if (strcmp(act, "linear") == 0) return l->out_name;
  snprintf(buf, n, "%s/BiasAdd", l->out_name);
  return buf;
}

static nq_status finish(kr_ctx *c, kr_layer_call *l, int y, const char *act, nq_error *err) {
  if (y < 0) return nq_prefix(err, "%s: layer '%s' (%s): ", c->path, l->name, l->cls);
  int z = kr_activation(c, l->name, act, l->out_name, y, l->cls, err);
  if (z < 0) return err->code;
  l->out[0] = z;
  l->n_out = 1;
  return NQ_OK;
}

static int bias_tensor(kr_ctx *c, kr_layer_call *l, const kr_array *b, int channels, nq_error *err) {
  char name[600];
  snprintf(name, sizeof name, "%s/bias", l->name);
  int32_t shape[1] = {channels};
  if (b) return kr_const_f32(c, name, 1, shape, b->data, err);
  float *zero = calloc((size_t)channels, sizeof(float));
  if (!zero) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path), -1;
  int t = kr_const_f32(c, name, 1, shape, zero, err);
  free(zero);
  return t;
}

static int conv2d(kr_ctx *c, kr_layer_call *l, const char *out, int x, const conv_cfg *cc, const kr_array *k,
                  const kr_array *b, nq_error *err);

/* Grouped convolution with several channels per group: SPLIT the input
 * into `groups` channel blocks, one CONV_2D per block with its slice of
 * output channels (Keras keeps each group's outputs contiguous), then
 * CONCATENATION. */
static int grouped_conv2d(kr_ctx *c, kr_layer_call *l, const char *out, int x, const conv_cfg *cc,
                          const kr_array *k, const kr_array *b, nq_error *err) {
  int G = cc->groups, kh = k->shape[0], kw = k->shape[1], ci = k->shape[2], co = k->shape[3];
  if (G > KR_MAX_LAYER_IO || co % G != 0)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: layer '%s' (%s): %d groups do not divide %d filters",
                   c->path, l->name, l->cls, G, co),
           -1;
  int cog = co / G;
  char nb[700];
  snprintf(nb, sizeof nb, "%s/split_axis", l->name);
  int32_t axis_v = 3;
  int axis = nq_graph_add_tensor(c->g, nb, NQ_INT32, 0, NULL, err);
  if (axis < 0 || nq_tensor_copy_data(c->g, axis, &axis_v, sizeof axis_v, err) != NQ_OK) return -1;
  int parts[KR_MAX_LAYER_IO], ys[KR_MAX_LAYER_IO];
  for (int g = 0; g < G; g++) {
    snprintf(nb, sizeof nb, "%s/group%d_in", l->name, g);
    if ((parts[g] = nq_graph_add_tensor(c->g, nb, NQ_FLOAT32, 0, NULL, err)) < 0) return -1;
  }
  nq_op_params sp = nq_op_params_default();
  sp.num = G;
  snprintf(nb, sizeof nb, "%s/split", l->name);
  int sn = nq_graph_add_node(c->g, NQ_OP_SPLIT, nb, 2, (int[]){axis, x}, G, parts, &sp, err);
  if (sn < 0 || nq_infer_node_shapes(c->g, sn, true, err) != NQ_OK) return -1;
  size_t kn = (size_t)kh * kw * ci * cog;
  float *kd = malloc(kn * sizeof(float));
  if (!kd) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path), -1;
  conv_cfg gc = *cc;
  gc.groups = 1;
  for (int g = 0; g < G; g++) {
    for (size_t i = 0; i < (size_t)kh * kw * ci; i++)
      for (int o = 0; o < cog; o++) kd[i * cog + o] = k->data[i * co + (size_t)g * cog + o];
    kr_array kg = {.rank = 4, .shape = {kh, kw, ci, cog}, .n = kn, .data = kd};
    kr_array bg = {.rank = 1, .shape = {cog}, .n = (size_t)cog, .data = b ? b->data + (size_t)g * cog : NULL};
    snprintf(nb, sizeof nb, "%s/group%d", l->name, g);
    ys[g] = conv2d(c, l, nb, parts[g], &gc, &kg, b ? &bg : NULL, err);
    if (ys[g] < 0) {
      free(kd);
      return -1;
    }
  }
  free(kd);
  nq_op_params cp = nq_op_params_default();
  cp.axis = 3;
  return kr_emit(c, NQ_OP_CONCATENATION, l->name, out, G, ys, &cp, err);
}

/* CONV_2D (or DEPTHWISE when groups == channels) on NHWC x from a Keras kernel. */
static int conv2d(kr_ctx *c, kr_layer_call *l, const char *out, int x, const conv_cfg *cc, const kr_array *k,
                  const kr_array *b, nq_error *err) {
  int kh = k->shape[0], kw = k->shape[1], ci = k->shape[2], co = k->shape[3];
  int cin = kr_t(c, x)->shape[3];
  char name[600];
  nq_op_params p = nq_op_params_default();
  p.padding = cc->pad;
  p.stride_h = (int)cc->s[0], p.stride_w = (int)cc->s[1];
  p.dilation_h = (int)cc->d[0], p.dilation_w = (int)cc->d[1];
  size_t n = k->n;
  float *w = malloc(n * sizeof(float));
  if (!w) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path), -1;
  int wt;
  snprintf(name, sizeof name, "%s/kernel", l->name);
  if (cc->groups > 1 && ci == 1 && cc->groups == cin) {
    /* one input channel per group: a depthwise convolution */
    memcpy(w, k->data, n * sizeof(float));
    p.depth_multiplier = co / cin;
    wt = kr_const_f32(c, name, 4, (int32_t[]){1, kh, kw, co}, w, err);
    free(w);
    int bt = wt < 0 ? -1 : bias_tensor(c, l, cc->use_bias ? b : NULL, co, err);
    return bt < 0 ? -1 : kr_emit(c, NQ_OP_DEPTHWISE_CONV_2D, l->name, out, 3, (int[]){x, wt, bt}, &p, err);
  }
  if (cc->groups > 1) {
    free(w);
    return grouped_conv2d(c, l, out, x, cc, k, b, err);
  }
  for (int y = 0; y < kh; y++)
    for (int xx = 0; xx < kw; xx++)
      for (int i = 0; i < ci; i++)
        for (int o = 0; o < co; o++)
          w[(((size_t)o * kh + y) * kw + xx) * ci + i] = k->data[(((size_t)y * kw + xx) * ci + i) * co + o];
  wt = kr_const_f32(c, name, 4, (int32_t[]){co, kh, kw, ci}, w, err);
  free(w);
  int bt = wt < 0 ? -1 : bias_tensor(c, l, cc->use_bias ? b : NULL, co, err);
  return bt < 0 ? -1 : kr_emit(c, NQ_OP_CONV_2D, l->name, out, 3, (int[]){x, wt, bt}, &p, err);
}

static nq_status layer_conv(kr_ctx *c, kr_layer_call *l, int rank, kr_array *w, int nw, nq_error *err) {
  conv_cfg cc;
  NQ_TRY(read_conv_cfg(c, l, rank, &cc, err));
  int x = l->in[0];
  const nq_tensor *xt = kr_t(c, x);
  if (xt->rank != rank + 2)
    return kr_layer_fail(c, l, NQ_ERR_SHAPE, "input rank does not match the layer", err);
  int cin = xt->shape[rank + 1];
  if (nw != (cc.use_bias ? 2 : 1))
    return kr_layer_fail(c, l, NQ_ERR_FORMAT, "wrong number of weights (kernel[, bias] expected)", err);
  kr_array *k = &w[0];
  int64_t filters = (int64_t)kr_num(l->cfg, "filters", -1);
  if (k->rank != rank + 2 || k->shape[rank] * cc.groups != cin || k->shape[rank + 1] != filters)
    return shape_err(c, l, 0, k, rank == 1 ? "[k, in/groups, filters]" : "[kh, kw, in/groups, filters]", err);
  for (int i = 0; i < rank; i++)
    if (k->shape[i] != cc.k[i]) return shape_err(c, l, 0, k, "the kernel_size of the config", err);
  if (cc.use_bias && (w[1].rank != 1 || w[1].shape[0] != filters))
    return shape_err(c, l, 1, &w[1], "[filters]", err);
  char buf[600], nb[600];
  const char *out = pre_act_name(buf, sizeof buf, l, cc.act);
  if (rank == 2)
    return finish(c, l, conv2d(c, l, out, x, &cc, k, cc.use_bias ? &w[1] : NULL, err), cc.act, err);
  /* Conv1D: [N, W, C] -> [N, 1, W, C], a 1 x k kernel, then back. */
  int32_t s4[4] = {xt->shape[0], 1, xt->shape[1], cin};
  snprintf(nb, sizeof nb, "%s/expand", l->name);
  int x4 = kr_reshape(c, nb, x, 4, s4, err);
  if (x4 >= 0 && cc.causal) {
    int32_t pads[8] = {0, 0, 0, 0, (int32_t)((cc.k[0] - 1) * cc.d[0]), 0, 0, 0};
    snprintf(nb, sizeof nb, "%s/causal_pad", l->name);
    int pt = kr_const_i32_nd(c, nb, 2, (int32_t[]){4, 2}, pads, err);
    x4 = pt < 0 ? -1 : kr_emit(c, NQ_OP_PAD, nb, nb, 2, (int[]){x4, pt}, NULL, err);
  }
  if (x4 < 0) return err->code;
  conv_cfg c2 = cc;
  c2.k[1] = cc.k[0], c2.k[0] = 1, c2.s[1] = cc.s[0], c2.s[0] = 1, c2.d[1] = cc.d[0], c2.d[0] = 1;
  kr_array k4 = *k;
  k4.rank = 4;
  k4.shape[0] = 1, k4.shape[1] = k->shape[0], k4.shape[2] = k->shape[1], k4.shape[3] = k->shape[2];
  snprintf(nb, sizeof nb, "%s/conv2d", l->name);
  int y4 = conv2d(c, l, nb, x4, &c2, &k4, cc.use_bias ? &w[1] : NULL, err);
  if (y4 < 0) return err->code;
  const nq_tensor *yt = kr_t(c, y4);
  int32_t s3[3] = {yt->shape[0], yt->shape[2], yt->shape[3]};
  return finish(c, l, kr_reshape(c, out, y4, 3, s3, err), cc.act, err);
}

static nq_status layer_depthwise(kr_ctx *c, kr_layer_call *l, bool separable, kr_array *w, int nw,
                                 nq_error *err) {
  conv_cfg cc;
  NQ_TRY(read_conv_cfg(c, l, 2, &cc, err));
  int x = l->in[0];
  const nq_tensor *xt = kr_t(c, x);
  if (xt->rank != 4) return kr_layer_fail(c, l, NQ_ERR_SHAPE, "input is not 4-D", err);
  int cin = xt->shape[3];
  int expect = 1 + (separable ? 1 : 0) + (cc.use_bias ? 1 : 0);
  if (nw != expect) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "wrong number of weights", err);
  kr_array *k = &w[0];
  int mult = k->rank == 4 ? k->shape[3] : 0;
  if (k->rank != 4 || k->shape[0] != cc.k[0] || k->shape[1] != cc.k[1] || k->shape[2] != cin || mult < 1)
    return shape_err(c, l, 0, k, "[kh, kw, in, depth_multiplier]", err);
  int cm = cin * mult;
  char buf[600], nb[600], wn[600];
  nq_op_params p = nq_op_params_default();
  p.padding = cc.pad;
  p.stride_h = (int)cc.s[0], p.stride_w = (int)cc.s[1];
  p.dilation_h = (int)cc.d[0], p.dilation_w = (int)cc.d[1];
  p.depth_multiplier = mult;
  snprintf(wn, sizeof wn, "%s/depthwise_kernel", l->name);
  int wt = kr_const_f32(c, wn, 4, (int32_t[]){1, (int32_t)cc.k[0], (int32_t)cc.k[1], cm}, k->data, err);
  if (wt < 0) return err->code;
  if (!separable) {
    if (cc.use_bias && (w[1].rank != 1 || w[1].shape[0] != cm))
      return shape_err(c, l, 1, &w[1], "[in*depth_multiplier]", err);
    int bt = bias_tensor(c, l, cc.use_bias ? &w[1] : NULL, cm, err);
    const char *out = pre_act_name(buf, sizeof buf, l, cc.act);
    int y = bt < 0 ? -1 : kr_emit(c, NQ_OP_DEPTHWISE_CONV_2D, l->name, out, 3, (int[]){x, wt, bt}, &p, err);
    return finish(c, l, y, cc.act, err);
  }
  kr_array *pw = &w[1];
  int64_t filters = (int64_t)kr_num(l->cfg, "filters", -1);
  if (pw->rank != 4 || pw->shape[0] != 1 || pw->shape[1] != 1 || pw->shape[2] != cm ||
      pw->shape[3] != filters)
    return shape_err(c, l, 1, pw, "[1, 1, in*depth_multiplier, filters]", err);
  if (cc.use_bias && (w[2].rank != 1 || w[2].shape[0] != filters))
    return shape_err(c, l, 2, &w[2], "[filters]", err);
  snprintf(nb, sizeof nb, "%s/depthwise", l->name);
  char bn[600];
  snprintf(bn, sizeof bn, "%s/depthwise_bias", l->name);
  float *zero = calloc((size_t)cm, sizeof(float));
  if (!zero) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path);
  int zb = kr_const_f32(c, bn, 1, (int32_t[]){cm}, zero, err);
  free(zero);
  int d = zb < 0 ? -1 : kr_emit(c, NQ_OP_DEPTHWISE_CONV_2D, nb, nb, 3, (int[]){x, wt, zb}, &p, err);
  if (d < 0) return err->code;
  conv_cfg pc = cc;
  pc.k[0] = pc.k[1] = 1, pc.s[0] = pc.s[1] = 1, pc.d[0] = pc.d[1] = 1, pc.pad = NQ_PAD_VALID, pc.groups = 1;
  const char *out = pre_act_name(buf, sizeof buf, l, cc.act);
  return finish(c, l, conv2d(c, l, out, d, &pc, pw, cc.use_bias ? &w[2] : NULL, err), cc.act, err);
}

static nq_status layer_conv_transpose(kr_ctx *c, kr_layer_call *l, kr_array *w, int nw, nq_error *err) {
  conv_cfg cc;
  NQ_TRY(read_conv_cfg(c, l, 2, &cc, err));
  int x = l->in[0];
  const nq_tensor *xt = kr_t(c, x);
  if (xt->rank != 4) return kr_layer_fail(c, l, NQ_ERR_SHAPE, "input is not 4-D", err);
  if (cc.d[0] != 1 || cc.d[1] != 1)
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED, "dilated Conv2DTranspose", err);
  if (nw != (cc.use_bias ? 2 : 1)) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "wrong number of weights", err);
  kr_array *k = &w[0];
  int64_t filters = (int64_t)kr_num(l->cfg, "filters", -1);
  int cin = xt->shape[3];
  if (k->rank != 4 || k->shape[0] != cc.k[0] || k->shape[1] != cc.k[1] || k->shape[2] != filters ||
      k->shape[3] != cin)
    return shape_err(c, l, 0, k, "[kh, kw, filters, in]", err);
  if (cc.use_bias && (w[1].rank != 1 || w[1].shape[0] != filters))
    return shape_err(c, l, 1, &w[1], "[filters]", err);
  int64_t op[2] = {0, 0}, v[NQ_MAX_RANK * 2];
  bool has_op = kr_ints(l->cfg, "output_padding", v, 2) == 2;
  if (has_op) op[0] = v[0], op[1] = v[1];
  int32_t oshape[4] = {xt->shape[0], 0, 0, (int32_t)filters};
  for (int i = 0; i < 2; i++) {
    int64_t in = xt->shape[1 + i], kk = cc.k[i], s = cc.s[i], o;
    if (!has_op)
      o = cc.pad == NQ_PAD_SAME ? in * s : in * s + (kk - s > 0 ? kk - s : 0);
    else
      o = (in - 1) * s + kk - (cc.pad == NQ_PAD_SAME ? 2 * (kk / 2) : 0) + op[i];
    if (o < 1 || o > (1 << 24)) return kr_layer_fail(c, l, NQ_ERR_SHAPE, "output size out of range", err);
    oshape[1 + i] = (int32_t)o;
  }
  int co = (int)filters, kh = (int)cc.k[0], kw = (int)cc.k[1];
  float *wd = malloc(k->n * sizeof(float));
  if (!wd) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path);
  for (int y = 0; y < kh; y++)
    for (int xx = 0; xx < kw; xx++)
      for (int o = 0; o < co; o++)
        for (int i = 0; i < cin; i++)
          wd[(((size_t)o * kh + y) * kw + xx) * cin + i] =
              k->data[(((size_t)y * kw + xx) * co + o) * cin + i];
  char nb[600], buf[600];
  snprintf(nb, sizeof nb, "%s/kernel", l->name);
  int wt = kr_const_f32(c, nb, 4, (int32_t[]){co, kh, kw, cin}, wd, err);
  free(wd);
  snprintf(nb, sizeof nb, "%s/output_shape", l->name);
  int st = wt < 0 ? -1 : kr_const_i32(c, nb, 4, oshape, err);
  int bt = st < 0 ? -1 : bias_tensor(c, l, cc.use_bias ? &w[1] : NULL, co, err);
  nq_op_params p = nq_op_params_default();
  p.padding = cc.pad;
  p.stride_h = (int)cc.s[0], p.stride_w = (int)cc.s[1];
  const char *out = pre_act_name(buf, sizeof buf, l, cc.act);
  int y = bt < 0 ? -1 : kr_emit(c, NQ_OP_TRANSPOSE_CONV, l->name, out, 4, (int[]){st, wt, x, bt}, &p, err);
  return finish(c, l, y, cc.act, err);
}

static nq_status layer_dense(kr_ctx *c, kr_layer_call *l, kr_array *w, int nw, nq_error *err) {
  bool use_bias = kr_bool(l->cfg, "use_bias", true);
  const char *act = kr_activation_name(l->cfg);
  int x = l->in[0];
  const nq_tensor *xt = kr_t(c, x);
  if (xt->rank < 2) return kr_layer_fail(c, l, NQ_ERR_SHAPE, "input has rank < 2", err);
  int in = xt->shape[xt->rank - 1];
  int x_rank = xt->rank; /* xt dangles once tensors are added */
  int64_t units = (int64_t)kr_num(l->cfg, "units", kr_num(l->cfg, "output_dim", -1));
  if (nw != (use_bias ? 2 : 1))
    return kr_layer_fail(c, l, NQ_ERR_FORMAT, "wrong number of weights (kernel[, bias] expected)", err);
  kr_array *k = &w[0];
  if (k->rank != 2 || k->shape[0] != in || k->shape[1] != units)
    return shape_err(c, l, 0, k, "[input features, units]", err);
  if (use_bias && (w[1].rank != 1 || w[1].shape[0] != units))
    return shape_err(c, l, 1, &w[1], "[units]", err);
  int out_n = (int)units;
  float *wd = malloc(k->n * sizeof(float));
  if (!wd) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path);
  for (int i = 0; i < in; i++)
    for (int o = 0; o < out_n; o++) wd[(size_t)o * in + i] = k->data[(size_t)i * out_n + o];
  char nb[600], buf[600];
  snprintf(nb, sizeof nb, "%s/kernel", l->name);
  int wt = kr_const_f32(c, nb, 2, (int32_t[]){out_n, in}, wd, err);
  free(wd);
  int bt = wt < 0 ? -1 : bias_tensor(c, l, use_bias ? &w[1] : NULL, out_n, err);
  nq_op_params p = nq_op_params_default();
  p.keep_dims = x_rank > 2; /* Dense on [N, ..., in] keeps the leading dims */
  const char *out = pre_act_name(buf, sizeof buf, l, act);
  int y = bt < 0 ? -1 : kr_emit(c, NQ_OP_FULLY_CONNECTED, l->name, out, 3, (int[]){x, wt, bt}, &p, err);
  return finish(c, l, y, act, err);
}

static nq_status layer_batchnorm(kr_ctx *c, kr_layer_call *l, kr_array *w, int nw, nq_error *err) {
  int x = l->in[0];
  const nq_tensor *xt = kr_t(c, x);
  int64_t axis[NQ_MAX_RANK * 2];
  int na = kr_ints(l->cfg, "axis", axis, 1);
  if (na == 0) axis[0] = -1, na = 1;
  if (na != 1) return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED, "normalization over several axes", err);
  if (l->cf) axis[0] = kr_cf_axis((int)axis[0]);
  if (axis[0] < 0) axis[0] += xt->rank;
  if (axis[0] != xt->rank - 1)
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED, "axis is not the last (channels) axis", err);
  bool scale = kr_bool(l->cfg, "scale", true), center = kr_bool(l->cfg, "center", true);
  double eps = kr_num(l->cfg, "epsilon", 1e-3);
  if (nw != 2 + scale + center)
    return kr_layer_fail(c, l, NQ_ERR_FORMAT,
                         "wrong number of weights ([gamma,] [beta,] mean, variance expected)", err);
  int ch = xt->shape[xt->rank - 1];
  for (int i = 0; i < nw; i++)
    if (w[i].rank != 1 || w[i].shape[0] != ch) return shape_err(c, l, i, &w[i], "[channels]", err);
  const float *gamma = scale ? w[0].data : NULL, *beta = center ? w[scale].data : NULL;
  const float *mean = w[scale + center].data, *var = w[scale + center + 1].data;
  float *s = malloc((size_t)ch * sizeof(float)), *t = malloc((size_t)ch * sizeof(float));
  if (!s || !t) {
    free(s);
    free(t);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path);
  }
  for (int i = 0; i < ch; i++) {
    double si = (gamma ? gamma[i] : 1.0) / sqrt((double)var[i] + eps);
    s[i] = (float)si;
    t[i] = (float)((beta ? beta[i] : 0.0) - (double)mean[i] * si);
  }
  char nb[600];
  snprintf(nb, sizeof nb, "%s/mul", l->out_name);
  int y = kr_binary_const(c, NQ_OP_MUL, nb, x, ch, s, err);
  free(s);
  if (y >= 0) {
    char cname[600];
    snprintf(cname, sizeof cname, "%s/offset", l->name);
    int k = kr_const_f32(c, cname, 1, (int32_t[]){ch}, t, err);
    y = k < 0 ? -1 : kr_emit(c, NQ_OP_ADD, l->name, l->out_name, 2, (int[]){y, k}, NULL, err);
  }
  free(t);
  return finish(c, l, y, "linear", err);
}

/* Load the layer's weights, translate, free them. */
typedef nq_status (*weighted_fn)(kr_ctx *c, kr_layer_call *l, const kr_layer_entry *e, kr_array *w, int nw,
                                 nq_error *err);
static nq_status with_weights(kr_ctx *c, kr_layer_call *l, const kr_layer_entry *e, weighted_fn fn,
                              nq_error *err) {
  if (l->n_in != 1) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "expects exactly one input", err);
  kr_array w[KR_MAX_WEIGHTS];
  int nw = 0;
  NQ_TRY(kr_layer_weights(c, l->scope, l->name, w, &nw, err));
  if (nw == 0)
    return kr_layer_fail(c, l, NQ_ERR_FORMAT,
                         "the weights file has no weights for this layer (config and weights do not match)",
                         err);
  nq_status st = fn(c, l, e, w, nw, err);
  kr_weights_free(w, nw);
  return st;
}

static nq_status conv_w(kr_ctx *c, kr_layer_call *l, const kr_layer_entry *e, kr_array *w, int nw,
                        nq_error *err) {
  return layer_conv(c, l, e->rank, w, nw, err);
}
static nq_status depthwise_w(kr_ctx *c, kr_layer_call *l, const kr_layer_entry *e, kr_array *w, int nw,
                             nq_error *err) {
  return layer_depthwise(c, l, e->flag, w, nw, err);
}
static nq_status conv_transpose_w(kr_ctx *c, kr_layer_call *l, const kr_layer_entry *e, kr_array *w, int nw,
                                  nq_error *err) {
  (void)e;
  return layer_conv_transpose(c, l, w, nw, err);
}
static nq_status dense_w(kr_ctx *c, kr_layer_call *l, const kr_layer_entry *e, kr_array *w, int nw,
                         nq_error *err) {
  (void)e;
  return layer_dense(c, l, w, nw, err);
}
static nq_status batchnorm_w(kr_ctx *c, kr_layer_call *l, const kr_layer_entry *e, kr_array *w, int nw,
                             nq_error *err) {
  (void)e;
  return layer_batchnorm(c, l, w, nw, err);
}

KR_TRANSLATOR(kr_tr_conv) { return with_weights(c, l, e, conv_w, err); }
KR_TRANSLATOR(kr_tr_depthwise) { return with_weights(c, l, e, depthwise_w, err); }
KR_TRANSLATOR(kr_tr_conv_transpose) { return with_weights(c, l, e, conv_transpose_w, err); }
KR_TRANSLATOR(kr_tr_dense) { return with_weights(c, l, e, dense_w, err); }
KR_TRANSLATOR(kr_tr_batchnorm) { return with_weights(c, l, e, batchnorm_w, err); }
