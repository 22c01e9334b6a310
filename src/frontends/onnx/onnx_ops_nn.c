/*
 * ONNX layers with weights or windows: Conv (group, dilations, pads,
 * auto_pad), BatchNormalization (as per-channel MUL + ADD, folded into the
 * conv by the passes), Max/AveragePool (ceil_mode, count_include_pad),
 * Global pools, Reduce*, Gemm and MatMul. ConvTranspose is in
 * onnx_ops_convt.c, the window/padding rules in onnx_window.c.
 *
 * 1-D (Conv1d, MaxPool1d, ...: [N, C, L] inputs) are the 2-D ops with
 * H = 1 on data held [N, 1, L, C] (layout N1LC), so a 1-D CNN chains
 * CONV_2D/POOL ops without any TRANSPOSE or RESHAPE between them.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "frontends/onnx/onnx_internal.h"
#include "ir/shape.h"

static nq_status set_out(ox_ctx *cx, const Onnx__NodeProto *n, int t, ox_layout lay, bool nonneg,
                         nq_error *err) {
  NQ_TRY(ox_set_act(cx, n->output[0], t, lay, err));
  ox_find(cx, n->output[0])->nonneg = nonneg;
  return NQ_OK;
}

/* One convolution (group 1 or depthwise) on NHWC input xt. W is the ONNX
 * weight slice for it: [O, I, kh, kw] starting at output channel o0. */
nq_status ox_conv_bias(ox_ctx *cx, const Onnx__NodeProto *n, int64_t O, float **bias, nq_error *err) {
  *bias = NULL;
  ox_value *bv = ox_opt_input(cx, n, 2);
  if (bv && (!bv->is_const || bv->c.n != (size_t)O))
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "bias must be a constant of %lld values",
                   OX_NODE_ARGS(cx, n), (long long)O);
  float *b = calloc(O > 0 ? (size_t)O : 1, sizeof *b);
  if (!b) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  for (int64_t i = 0; bv && i < O; i++) b[i] = (float)ox_const_get(&bv->c, (size_t)i);
  *bias = b;
  return NQ_OK;
}

static nq_status conv_one(ox_ctx *cx, const Onnx__NodeProto *n, int xt, const ox_const *W, int64_t o0,
                          int64_t O, int64_t cin, bool depthwise, const ox_win *w, ox_pad_kind pk,
                          const float *bias, const char *out_name, int *out, nq_error *err) {
  int64_t I = W->dims[1], kh = W->dims[2], kw = W->dims[3];
  size_t cnt = (size_t)(O * kh * kw * I);
  float *wt = malloc(cnt * sizeof *wt);
  if (!wt) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  for (int64_t o = 0; o < O; o++)
    for (int64_t i = 0; i < I; i++)
      for (int64_t h = 0; h < kh; h++)
        for (int64_t x = 0; x < kw; x++) {
          float v = W->f[(((o0 + o) * I + i) * kh + h) * kw + x];
          if (depthwise)
            wt[(h * kw + x) * O + o] = v; /* [1, kh, kw, O] */
          else
            wt[((o * kh + h) * kw + x) * I + i] = v; /* [O, kh, kw, I] */
        }
  char name[512];
  int32_t shape[4] = {depthwise ? 1 : (int32_t)O, (int32_t)kh, (int32_t)kw,
                      depthwise ? (int32_t)O : (int32_t)I};
  int wtid, bt;
  const char *base = n->name && n->name[0] ? n->name : n->output[0];
  nq_status s = ox_const_f32(cx, ox_name(cx, base, "weights", name, sizeof name), 4, shape, wt, &wtid, err);
  free(wt);
  NQ_TRY(s);
  int32_t o32 = (int32_t)O;
  NQ_TRY(ox_const_f32(cx, ox_name(cx, base, "bias", name, sizeof name), 1, &o32, bias + o0, &bt, err));
  nq_op_params p = nq_op_params_default();
  p.padding = pk == OX_PAD_SAME ? NQ_PAD_SAME : NQ_PAD_VALID;
  p.stride_h = (int)w->s[0];
  p.stride_w = (int)w->s[1];
  p.dilation_h = (int)w->d[0];
  p.dilation_w = (int)w->d[1];
  if (depthwise) p.depth_multiplier = (int)(O / cin);
  int ins[3] = {xt, wtid, bt};
  return ox_emit(cx, depthwise ? NQ_OP_DEPTHWISE_CONV_2D : NQ_OP_CONV_2D, out_name, 3, ins, &p, out, err);
}

nq_status ox_op_conv(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x;
  ox_const W; /* rank-4 view of the weights ([O, I, 1, K] for 1-D) */
  NQ_TRY(ox_window_input(cx, n, &x, err));
  NQ_TRY(ox_conv_weights(cx, n, x, 1, &W, err));
  int nsp = x->rank - 2;
  int64_t group;
  NQ_TRY(ox_attr_int(cx, n, "group", 1, &group, err));
  int64_t cin = x->dims[1], O = W.dims[0], I = W.dims[1];
  if (group < 1 || cin % group || O % group || I * group != cin)
    return nq_fail(err, NQ_ERR_SHAPE,
                   OX_NODE_FMT
                   "input has %lld channels, weights [%lld, %lld, ...] with group %lld "
                   "do not match",
                   OX_NODE_ARGS(cx, n), (long long)cin, (long long)O, (long long)I, (long long)group);
  int64_t kernel[2] = {W.dims[2], W.dims[3]}, kv[4], in[2];
  int kc;
  NQ_TRY(ox_attr_ints(cx, n, "kernel_shape", kv, 4, &kc, err));
  if (kc >= 0 && (kc != nsp || kv[0] != kernel[2 - nsp] || (nsp == 2 && kv[1] != kernel[1])))
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "kernel_shape disagrees with the weights",
                   OX_NODE_ARGS(cx, n));
  ox_spatial(x, in);
  ox_win w;
  NQ_TRY(ox_read_window(cx, n, nsp, in, kernel, false, &w, err));
  int64_t pads[4];
  ox_pad_kind pk = ox_classify_pads(&w, in, pads);
  int xt;
  NQ_TRY(ox_nhwc(cx, x, &xt, err));
  const char *base = n->name && n->name[0] ? n->name : n->output[0];
  if (pk == OX_PAD_EXPLICIT) NQ_TRY(ox_emit_pad(cx, xt, pads, 0.0f, base, &xt, err));
  float *bias;
  NQ_TRY(ox_conv_bias(cx, n, O, &bias, err));
  int t;
  nq_status s;
  if (group == 1) {
    s = conv_one(cx, n, xt, &W, 0, O, cin, false, &w, pk, bias, n->output[0], &t, err);
  } else if (group == cin && I == 1) {
    s = conv_one(cx, n, xt, &W, 0, O, cin, true, &w, pk, bias, n->output[0], &t, err);
  } else {
    /* Grouped: SPLIT the channels, one CONV_2D per group, CONCATENATION. */
    int g = (int)group;
    int *parts = calloc((size_t)g * 2, sizeof *parts);
    s = parts ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "out of memory");
    if (s == NQ_OK) s = ox_split_channels(cx, base, xt, g, parts, err);
    int64_t og = O / group;
    for (int k = 0; s == NQ_OK && k < g; k++)
      s = conv_one(cx, n, parts[k], &W, k * og, og, cin / group, false, &w, pk, bias, NULL, &parts[g + k],
                   err);
    if (s == NQ_OK) {
      nq_op_params p = nq_op_params_default();
      p.axis = 3;
      s = ox_emit(cx, NQ_OP_CONCATENATION, n->output[0], g, parts + g, &p, &t, err);
    }
    free(parts);
  }
  free(bias);
  NQ_TRY(s);
  return set_out(cx, n, t, ox_channels_last_of_rank(x->rank), false, err);
}

nq_status ox_op_batchnorm(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x, *v[4];
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  if (x->rank < 2)
    return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "input of rank %d", OX_NODE_ARGS(cx, n), x->rank);
  int64_t C = x->dims[1];
  for (int k = 0; k < 4; k++) {
    NQ_TRY(ox_input(cx, n, (size_t)k + 1, &v[k], err));
    if (!v[k]->is_const || v[k]->c.n != (size_t)C)
      return nq_fail(err, NQ_ERR_UNSUPPORTED,
                     OX_NODE_FMT "scale, bias, mean and var must be constants of %lld values",
                     OX_NODE_ARGS(cx, n), (long long)C);
  }
  float eps;
  NQ_TRY(ox_attr_float(cx, n, "epsilon", 1e-5f, &eps, err));
  int64_t dims[NQ_MAX_RANK];
  dims[0] = C;
  for (int k = 1; k < x->rank - 1; k++) dims[k] = 1;
  ox_const sc, sh;
  NQ_TRY(ox_const_alloc(&sc, false, x->rank - 1, dims, err));
  nq_status s = ox_const_alloc(&sh, false, x->rank - 1, dims, err);
  if (s != NQ_OK) {
    ox_const_free(&sc);
    return s;
  }
  for (int64_t c = 0; c < C; c++) {
    double g = ox_const_get(&v[0]->c, (size_t)c), b = ox_const_get(&v[1]->c, (size_t)c);
    double m = ox_const_get(&v[2]->c, (size_t)c), var = ox_const_get(&v[3]->c, (size_t)c);
    double a = g / sqrt(var + eps);
    sc.f[c] = (float)a;
    sh.f[c] = (float)(b - m * a);
  }
  int xt, t1, t;
  ox_layout lay = ox_channels_last(x);
  if (lay != OX_LOGICAL)
    s = ox_nhwc(cx, x, &xt, err);
  else
    s = ox_logical(cx, x, &xt, err);
  if (s == NQ_OK) s = ox_binary_const(cx, x, xt, lay, NQ_OP_MUL, &sc, NULL, &t1, err);
  if (s == NQ_OK) s = ox_binary_const(cx, x, t1, lay, NQ_OP_ADD, &sh, n->output[0], &t, err);
  ox_const_free(&sc);
  ox_const_free(&sh);
  NQ_TRY(s);
  return set_out(cx, n, t, lay, false, err);
}

nq_status ox_op_pool(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  bool is_max = !strcmp(n->op_type, "MaxPool");
  ox_value *x;
  NQ_TRY(ox_window_input(cx, n, &x, err));
  if (n->n_output > 1 && n->output[1][0])
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "the Indices output is not supported",
                   OX_NODE_ARGS(cx, n));
  int nsp = x->rank - 2;
  int64_t kv[4], kernel[2] = {1, 1}, in[2], ceil_mode, cip;
  int kc;
  NQ_TRY(ox_attr_ints(cx, n, "kernel_shape", kv, 4, &kc, err));
  if (kc != nsp)
    return nq_fail(err, NQ_ERR_FORMAT,
                   OX_NODE_FMT "kernel_shape has %d values; %d expected for a rank-%d input",
                   OX_NODE_ARGS(cx, n), kc, nsp, x->rank);
  for (int k = 0; k < nsp; k++) kernel[2 - nsp + k] = kv[k];
  NQ_TRY(ox_attr_int(cx, n, "ceil_mode", 0, &ceil_mode, err));
  NQ_TRY(ox_attr_int(cx, n, "count_include_pad", 0, &cip, err));
  ox_spatial(x, in);
  ox_win w;
  NQ_TRY(ox_read_window(cx, n, nsp, in, kernel, ceil_mode != 0, &w, err));
  if (w.d[0] != 1 || w.d[1] != 1)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "dilated pooling has no TFLite op",
                   OX_NODE_ARGS(cx, n));
  int64_t pads[4];
  ox_pad_kind pk = ox_classify_pads(&w, in, pads);
  int xt, t;
  NQ_TRY(ox_nhwc(cx, x, &xt, err));
  const char *base = n->name && n->name[0] ? n->name : n->output[0];
  if (!is_max && pk != OX_PAD_VALID) {
    bool pads_given = w.pb[0] || w.pb[1] || w.pe[0] || w.pe[1];
    /* TFLite's SAME average excludes the padding (count_include_pad 0). */
    if (pk == OX_PAD_SAME && (cip == 0 || !pads_given)) {
      /* fine as SAME */
    } else if (cip && !ceil_mode) {
      pk = OX_PAD_EXPLICIT; /* zeros counted: PAD then VALID is exact */
    } else {
      return nq_fail(err, NQ_ERR_UNSUPPORTED,
                     OX_NODE_FMT
                     "this padding (pads %lld,%lld,%lld,%lld, ceil_mode %lld, "
                     "count_include_pad %lld) has no TFLite equivalent",
                     OX_NODE_ARGS(cx, n), (long long)w.pb[0], (long long)w.pb[1], (long long)w.pe[0],
                     (long long)w.pe[1], (long long)ceil_mode, (long long)cip);
    }
  }
  if (pk == OX_PAD_EXPLICIT) {
    /* Max pool pads must never win: 0 is enough after a ReLU-like op,
     * otherwise the lowest float (exact in float, see the report). */
    float pv = is_max && !x->nonneg ? -FLT_MAX : 0.0f;
    NQ_TRY(ox_emit_pad(cx, xt, pads, pv, base, &xt, err));
  }
  nq_op_params p = nq_op_params_default();
  p.padding = pk == OX_PAD_SAME ? NQ_PAD_SAME : NQ_PAD_VALID;
  p.stride_h = (int)w.s[0];
  p.stride_w = (int)w.s[1];
  p.filter_h = (int)w.k[0];
  p.filter_w = (int)w.k[1];
  NQ_TRY(ox_emit(cx, is_max ? NQ_OP_MAX_POOL_2D : NQ_OP_AVERAGE_POOL_2D, n->output[0], 1, &xt, &p, &t, err));
  return set_out(cx, n, t, ox_channels_last_of_rank(x->rank), x->nonneg, err);
}

/* Reduction over logical axes (all when none given). */
static nq_status reduce(ox_ctx *cx, const Onnx__NodeProto *n, nq_op op, ox_value *x, const int64_t *axes,
                        int na, bool keep, nq_error *err) {
  bool red[NQ_MAX_RANK] = {false};
  for (int k = 0; k < na; k++) {
    int a;
    NQ_TRY(ox_axis(cx, n, axes[k], x->rank, &a, err));
    red[a] = true;
  }
  if (na <= 0)
    for (int k = 0; k < x->rank; k++) red[k] = true;
  ox_layout lay = ox_channels_last(x);
  ox_layout out_lay = lay;
  if (lay != OX_LOGICAL && !keep) {
    /* Remaining IR axes must be in logical order for a logical result
     * (-1: N1LC's unit axis, always reduced away here). */
    static const int nhwc_to_log[4] = {0, 2, 3, 1}, n1lc_to_log[4] = {0, -1, 2, 1};
    const int *phys_to_log = lay == OX_NHWC ? nhwc_to_log : n1lc_to_log;
    int last = -1;
    bool ordered = true;
    for (int p = 0; p < 4; p++) {
      int l = phys_to_log[p];
      if (l < 0 || red[l]) continue;
      if (l < last) ordered = false;
      last = l;
    }
    if (!ordered) lay = OX_LOGICAL;
    out_lay = OX_LOGICAL;
  }
  int xt;
  if (lay != OX_LOGICAL)
    NQ_TRY(ox_nhwc(cx, x, &xt, err));
  else
    NQ_TRY(ox_logical(cx, x, &xt, err));
  int32_t ax[NQ_MAX_RANK + 1];
  int32_t cnt = 0;
  for (int k = 0; k < x->rank; k++)
    if (red[k]) ax[cnt++] = ox_phys_axis(lay, x->rank, k);
  if (lay == OX_N1LC && !keep) ax[cnt++] = 1; /* drop the unit H axis too */
  char name[512];
  int at, t;
  NQ_TRY(ox_const_i32(cx, ox_name(cx, x->name, "axes", name, sizeof name), 1, &cnt, ax, &at, err));
  nq_op_params p = nq_op_params_default();
  p.keep_dims = keep;
  int ins[2] = {xt, at};
  NQ_TRY(ox_emit(cx, op, n->output[0], 2, ins, &p, &t, err));
  return set_out(cx, n, t, out_lay, x->nonneg, err);
}

nq_status ox_op_global_pool(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  if (x->rank < 3)
    return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "input of rank %d", OX_NODE_ARGS(cx, n), x->rank);
  int64_t axes[NQ_MAX_RANK];
  for (int k = 2; k < x->rank; k++) axes[k - 2] = k;
  return reduce(cx, n, !strcmp(n->op_type, "GlobalMaxPool") ? NQ_OP_REDUCE_MAX : NQ_OP_MEAN, x, axes,
                x->rank - 2, true, err);
}

nq_status ox_op_reduce(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  nq_op op = ox_table_op(n);
  if (op >= NQ_OP_COUNT)
    return nq_fail(err, NQ_ERR_INTERNAL, OX_NODE_FMT "no reduce mapping", OX_NODE_ARGS(cx, n));
  ox_value *x;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  int64_t axes[NQ_MAX_RANK], keep, noop;
  int na;
  /* axes: an attribute up to opset 17 (ReduceSum: 12), an input after. */
  bool attr = op == NQ_OP_SUM ? cx->opset < 13 : cx->opset < 18;
  NQ_TRY(ox_int_list(cx, n, attr ? "axes" : NULL, 1, axes, NQ_MAX_RANK, &na, err));
  NQ_TRY(ox_attr_int(cx, n, "keepdims", 1, &keep, err));
  NQ_TRY(ox_attr_int(cx, n, "noop_with_empty_axes", 0, &noop, err));
  if (na <= 0 && noop) return ox_set_alias(cx, n, 0, x, err);
  return reduce(cx, n, op, x, axes, na, keep != 0, err);
}

/* FULLY_CONNECTED from a host weight matrix wfc[O][K] (logical K order). */
static nq_status fully_connected(ox_ctx *cx, const Onnx__NodeProto *n, ox_value *a, const float *wfc,
                                 int64_t O, int64_t K, const float *bias, const char *out_name,
                                 nq_error *err) {
  if (!out_name) out_name = n->output[0];
  int xt;
  float *wt = malloc((size_t)(O * K) * sizeof *wt);
  if (!wt) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  bool flat = !a->is_const && a->lay == OX_FLAT_NHWC;
  if (flat) {
    /* IR data is [N, H, W, C] flattened: IR column (h*W + w)*C + c holds
     * logical column c*H*W + h*W + w, so permute the weights instead. */
    int64_t C = a->fc, H = a->fh, W = a->fw;
    for (int64_t o = 0; o < O; o++)
      for (int64_t c = 0; c < C; c++)
        for (int64_t hw = 0; hw < H * W; hw++) wt[o * K + hw * C + c] = wfc[o * K + c * H * W + hw];
    xt = a->t;
  } else {
    memcpy(wt, wfc, (size_t)(O * K) * sizeof *wt);
    nq_status s = ox_logical(cx, a, &xt, err);
    if (s != NQ_OK) {
      free(wt);
      return s;
    }
  }
  const char *base = n->name && n->name[0] ? n->name : n->output[0];
  char name[512];
  int32_t shape[2] = {(int32_t)O, (int32_t)K}, o32 = (int32_t)O;
  int wtid, bt, t;
  nq_status s = ox_const_f32(cx, ox_name(cx, base, "weights", name, sizeof name), 2, shape, wt, &wtid, err);
  free(wt);
  NQ_TRY(s);
  NQ_TRY(ox_const_f32(cx, ox_name(cx, base, "bias", name, sizeof name), 1, &o32, bias, &bt, err));
  nq_op_params p = nq_op_params_default();
  p.keep_dims = a->rank > 2;
  int ins[3] = {xt, wtid, bt};
  NQ_TRY(ox_emit(cx, NQ_OP_FULLY_CONNECTED, out_name, 3, ins, &p, &t, err));
  NQ_TRY(ox_set_act(cx, out_name, t, OX_LOGICAL, err));
  return NQ_OK;
}

static nq_status batch_matmul(ox_ctx *cx, const Onnx__NodeProto *n, ox_value *a, ox_value *b, bool ta,
                              bool tb, nq_error *err) {
  int at, bt, t;
  NQ_TRY(ox_logical(cx, a, &at, err));
  NQ_TRY(ox_logical(cx, b, &bt, err));
  nq_op_params p = nq_op_params_default();
  p.adj_x = ta;
  p.adj_y = tb;
  int ins[2] = {at, bt};
  NQ_TRY(ox_emit(cx, NQ_OP_BATCH_MATMUL, n->output[0], 2, ins, &p, &t, err));
  return set_out(cx, n, t, OX_LOGICAL, false, err);
}

nq_status ox_op_gemm(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *a, *b;
  NQ_TRY(ox_input(cx, n, 0, &a, err));
  NQ_TRY(ox_input(cx, n, 1, &b, err));
  int64_t ta, tb;
  float alpha, beta;
  NQ_TRY(ox_attr_int(cx, n, "transA", 0, &ta, err));
  NQ_TRY(ox_attr_int(cx, n, "transB", 0, &tb, err));
  NQ_TRY(ox_attr_float(cx, n, "alpha", 1.0f, &alpha, err));
  NQ_TRY(ox_attr_float(cx, n, "beta", 1.0f, &beta, err));
  if (a->rank != 2 || b->rank != 2)
    return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "Gemm needs 2-D inputs (ranks %d, %d)", OX_NODE_ARGS(cx, n),
                   a->rank, b->rank);
  ox_value *c = ox_opt_input(cx, n, 2);
  if (!b->is_const || (c && !c->is_const)) {
    if (c || alpha != 1.0f)
      return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "Gemm with a non-constant B or C",
                     OX_NODE_ARGS(cx, n));
    return batch_matmul(cx, n, a, b, ta != 0, tb != 0, err);
  }
  char tname[512];
  if (ta) { /* A^T as its own value, then the usual path */
    int at, t;
    static const int32_t swap[2] = {1, 0};
    NQ_TRY(ox_logical(cx, a, &at, err));
    ox_name(cx, n->output[0], "A_T", tname, sizeof tname);
    NQ_TRY(ox_transpose_tensor(cx, at, 2, swap, tname, &t, err));
    NQ_TRY(ox_set_act(cx, tname, t, OX_LOGICAL, err));
    a = ox_find(cx, tname);
    b = ox_find(cx, n->input[1]);
    c = ox_opt_input(cx, n, 2);
  }
  int64_t K = tb ? b->dims[1] : b->dims[0], O = tb ? b->dims[0] : b->dims[1];
  if (a->dims[1] != K)
    return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "A has %lld columns, B has %lld rows", OX_NODE_ARGS(cx, n),
                   (long long)a->dims[1], (long long)K);
  float *w = malloc((size_t)(O * K) * sizeof *w);
  float *bias = calloc((size_t)O, sizeof *bias);
  nq_status s = (!w || !bias) ? nq_fail(err, NQ_ERR_NOMEM, "out of memory") : NQ_OK;
  for (int64_t o = 0; s == NQ_OK && o < O; o++)
    for (int64_t k = 0; k < K; k++) w[o * K + k] = alpha * b->c.f[tb ? o * K + k : k * O + o];
  bool add_c = false;
  if (s == NQ_OK && c) {
    if (c->c.n == 1)
      for (int64_t o = 0; o < O; o++) bias[o] = beta * (float)ox_const_get(&c->c, 0);
    else if (c->c.n == (size_t)O && c->dims[c->rank - 1] == O)
      for (int64_t o = 0; o < O; o++) bias[o] = beta * (float)ox_const_get(&c->c, (size_t)o);
    else
      add_c = true; /* a [M, N] matrix: an ADD after the product */
  }
  char pname[512];
  if (add_c) ox_name(cx, n->output[0], "product", pname, sizeof pname);
  if (s == NQ_OK) s = fully_connected(cx, n, a, w, O, K, bias, add_c ? pname : NULL, err);
  free(w);
  free(bias);
  if (s == NQ_OK && add_c) {
    ox_value *y = ox_find(cx, pname);
    c = ox_opt_input(cx, n, 2); /* the value table may have moved */
    ox_const cb;
    NQ_TRY(ox_const_alloc(&cb, false, c->c.rank, c->c.dims, err));
    for (size_t k = 0; k < cb.n; k++) cb.f[k] = beta * (float)ox_const_get(&c->c, k);
    int t;
    s = ox_binary_const(cx, y, y->t, OX_LOGICAL, NQ_OP_ADD, &cb, n->output[0], &t, err);
    ox_const_free(&cb);
    if (s == NQ_OK) s = set_out(cx, n, t, OX_LOGICAL, false, err);
  }
  return s;
}

nq_status ox_op_matmul(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *a, *b;
  NQ_TRY(ox_input(cx, n, 0, &a, err));
  NQ_TRY(ox_input(cx, n, 1, &b, err));
  if (!b->is_const || b->rank != 2 || a->rank < 2 || a->is_const)
    return batch_matmul(cx, n, a, b, false, false, err);
  int64_t K = b->dims[0], O = b->dims[1];
  if (a->dims[a->rank - 1] != K)
    return nq_fail(err, NQ_ERR_SHAPE, OX_NODE_FMT "A has %lld columns, B has %lld rows", OX_NODE_ARGS(cx, n),
                   (long long)a->dims[a->rank - 1], (long long)K);
  float *w = malloc((size_t)(O * K) * sizeof *w);
  float *bias = calloc((size_t)O, sizeof *bias);
  nq_status s = (!w || !bias) ? nq_fail(err, NQ_ERR_NOMEM, "out of memory") : NQ_OK;
  for (int64_t o = 0; s == NQ_OK && o < O; o++)
    for (int64_t k = 0; k < K; k++) w[o * K + k] = b->c.f[k * O + o];
  if (s == NQ_OK) s = fully_connected(cx, n, a, w, O, K, bias, NULL, err);
  free(w);
  free(bias);
  return s;
}

/* LayerNormalization (opset 17) over the last axis, as the ops every
 * decomposed LayerNorm becomes after the passes (src/passes/): m = MEAN(x),
 * d = x - m, v = MEAN(SQUARE(d)), y = d * RSQRT(v + epsilon) * scale + bias,
 * all with int8 kernels. Computed in logical order (a transpose in front of
 * an NHWC value, which cancel_transposes.c removes when one follows). */
nq_status ox_op_layernorm(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err) {
  ox_value *x, *sc;
  NQ_TRY(ox_input(cx, n, 0, &x, err));
  NQ_TRY(ox_input(cx, n, 1, &sc, err));
  ox_value *bias = ox_opt_input(cx, n, 2);
  int64_t axis;
  float eps;
  NQ_TRY(ox_attr_int(cx, n, "axis", -1, &axis, err));
  NQ_TRY(ox_attr_float(cx, n, "epsilon", 1e-5f, &eps, err));
  const int rank = x->rank;
  if (axis < 0) axis += rank;
  if (rank < 1 || x->is_const || axis != rank - 1)
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   OX_NODE_FMT
                   "normalization from axis %lld of a rank-%d value; "
                   "npuquant supports the last axis only",
                   OX_NODE_ARGS(cx, n), (long long)axis, rank);
  for (size_t k = 1; k < n->n_output; k++)
    if (n->output[k] && n->output[k][0])
      return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "the Mean/InvStdDev outputs are not supported",
                     OX_NODE_ARGS(cx, n));
  const int64_t C = x->dims[rank - 1];
  if (!sc->is_const || sc->c.is_int || (int64_t)sc->c.n != C ||
      (bias && (!bias->is_const || bias->c.is_int || (int64_t)bias->c.n != C)))
    return nq_fail(err, NQ_ERR_UNSUPPORTED, OX_NODE_FMT "Scale and B must be float constants of %lld values",
                   OX_NODE_ARGS(cx, n), (long long)C);
  if (!(eps >= 0.0f && eps < 1e3f))
    return nq_fail(err, NQ_ERR_FORMAT, OX_NODE_FMT "epsilon %g", OX_NODE_ARGS(cx, n), (double)eps);
  const char *base = n->name && n->name[0] ? n->name : n->output[0];
  char name[512];
  int xt, at, et, st, bt = -1, m, d, sq, v, ve, r, y, out;
  int32_t one = 1, last = rank - 1, c32 = (int32_t)C;
  NQ_TRY(ox_logical(cx, x, &xt, err));
  NQ_TRY(ox_const_i32(cx, ox_name(cx, base, "axis", name, sizeof name), 1, &one, &last, &at, err));
  NQ_TRY(ox_scalar(cx, ox_name(cx, base, "epsilon", name, sizeof name), eps, &et, err));
  NQ_TRY(ox_const_f32(cx, ox_name(cx, base, "scale", name, sizeof name), 1, &c32, sc->c.f, &st, err));
  if (bias)
    NQ_TRY(ox_const_f32(cx, ox_name(cx, base, "bias", name, sizeof name), 1, &c32, bias->c.f, &bt, err));
  nq_op_params keep = nq_op_params_default(), p = nq_op_params_default();
  keep.keep_dims = true;
  NQ_TRY(ox_emit(cx, NQ_OP_MEAN, NULL, 2, (int[]){xt, at}, &keep, &m, err));
  NQ_TRY(ox_emit(cx, NQ_OP_SUB, NULL, 2, (int[]){xt, m}, &p, &d, err));
  NQ_TRY(ox_emit(cx, NQ_OP_SQUARE, NULL, 1, &d, &p, &sq, err));
  NQ_TRY(ox_emit(cx, NQ_OP_MEAN, NULL, 2, (int[]){sq, at}, &keep, &v, err));
  NQ_TRY(ox_emit(cx, NQ_OP_ADD, NULL, 2, (int[]){v, et}, &p, &ve, err));
  NQ_TRY(ox_emit(cx, NQ_OP_RSQRT, NULL, 1, &ve, &p, &r, err));
  NQ_TRY(ox_emit(cx, NQ_OP_MUL, NULL, 2, (int[]){d, r}, &p, &y, err));
  NQ_TRY(ox_emit(cx, NQ_OP_MUL, bias ? NULL : n->output[0], 2, (int[]){y, st}, &p, &out, err));
  if (bias) NQ_TRY(ox_emit(cx, NQ_OP_ADD, n->output[0], 2, (int[]){out, bt}, &p, &out, err));
  return ox_set_act(cx, n->output[0], out, OX_LOGICAL, err);
}
