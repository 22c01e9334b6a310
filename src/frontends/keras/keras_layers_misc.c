/*
 * Layers without kernels: activations (Activation, ReLU, LeakyReLU, PReLU,
 * ELU, Softmax), pooling (Max/Average 1D/2D, Global*), merges (Add,
 * Subtract, Multiply, Average, Maximum, Minimum, Concatenate), inference
 * no-ops (Dropout & co.) and preprocessing folded into the model
 * (Rescaling, Normalization).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/keras/keras_internal.h"

static nq_status layer_relu(kr_ctx *c, kr_layer_call *l, nq_error *err) {
  const cJSON *mv = cJSON_GetObjectItemCaseSensitive(l->cfg, "max_value");
  double maxv = cJSON_IsNumber(mv) ? mv->valuedouble : INFINITY;
  double slope = kr_num(l->cfg, "negative_slope", 0.0), thr = kr_num(l->cfg, "threshold", 0.0);
  int x = l->in[0];
  char nb[600];
  if (thr != 0.0) return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED, "threshold != 0", err);
  if (slope == 0.0 && maxv == 6.0)
    return kr_layer_done(c, l, kr_emit(c, NQ_OP_RELU6, l->name, l->out_name, 1, &x, NULL, err), err);
  bool capped = isfinite(maxv);
  const char *first = l->out_name;
  if (capped) snprintf(nb, sizeof nb, "%s/relu", l->out_name), first = nb;
  int y;
  if (slope == 0.0) {
    y = kr_emit(c, NQ_OP_RELU, l->name, first, 1, &x, NULL, err);
  } else {
    nq_op_params p = nq_op_params_default();
    p.alpha = (float)slope;
    y = kr_emit(c, NQ_OP_LEAKY_RELU, l->name, first, 1, &x, &p, err);
  }
  if (y >= 0 && capped) {
    float m = (float)maxv;
    y = kr_binary_const(c, NQ_OP_MINIMUM, l->out_name, y, 1, &m, err);
  }
  return kr_layer_done(c, l, y, err);
}

static nq_status layer_prelu(kr_ctx *c, kr_layer_call *l, nq_error *err) {
  kr_array w[KR_MAX_WEIGHTS];
  int nw = 0;
  NQ_TRY(kr_layer_weights(c, l->scope, l->name, w, &nw, err));
  const nq_tensor *xt = kr_t(c, l->in[0]);
  nq_status st = NQ_OK;
  if (nw != 1)
    st = kr_layer_fail(c, l, NQ_ERR_FORMAT, "expects one weight (alpha)", err);
  else if (w[0].rank != xt->rank - 1)
    st = kr_layer_fail(c, l, NQ_ERR_FORMAT, "alpha rank does not match the input", err);
  for (int i = 0; st == NQ_OK && i < w[0].rank; i++)
    if (w[0].shape[i] != 1 && w[0].shape[i] != xt->shape[i + 1])
      st = kr_layer_fail(c, l, NQ_ERR_FORMAT, "alpha shape does not broadcast to the input", err);
  if (st == NQ_OK) {
    char nb[600];
    snprintf(nb, sizeof nb, "%s/alpha", l->name);
    int a = kr_const_f32(c, nb, w[0].rank, w[0].shape, w[0].data, err);
    st = kr_layer_done(
        c, l, a < 0 ? -1 : kr_emit(c, NQ_OP_PRELU, l->name, l->out_name, 2, (int[]){l->in[0], a}, NULL, err),
        err);
  }
  kr_weights_free(w, nw);
  return st;
}

static nq_status layer_softmax(kr_ctx *c, kr_layer_call *l, nq_error *err) {
  int64_t axis[NQ_MAX_RANK * 2];
  int na = kr_ints(l->cfg, "axis", axis, 1);
  int rank = kr_t(c, l->in[0])->rank;
  if (na == 1 && axis[0] != -1 && axis[0] != rank - 1)
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED, "softmax over an axis other than the last", err);
  nq_op_params p = nq_op_params_default();
  p.beta = 1.0f;
  return kr_layer_done(c, l, kr_emit(c, NQ_OP_SOFTMAX, l->name, l->out_name, 1, &l->in[0], &p, err), err);
}

/* Max/AveragePooling 1D and 2D. 1D runs as 2D on [N, 1, W, C]. */
static nq_status layer_pool(kr_ctx *c, kr_layer_call *l, bool is_max, int rank, nq_error *err) {
  int64_t k[NQ_MAX_RANK * 2], s[NQ_MAX_RANK * 2];
  int nk = kr_ints(l->cfg, "pool_size", k, rank);
  if (nk == 0) k[0] = k[1] = 2, nk = rank;
  if (nk != rank) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "pool_size is malformed", err);
  int ns = kr_ints(l->cfg, "strides", s, rank);
  if (ns == 0) memcpy(s, k, sizeof(int64_t) * 2), ns = rank;
  if (ns != rank) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "strides is malformed", err);
  for (int i = 0; i < rank; i++)
    if (k[i] < 1 || k[i] > 4096 || s[i] < 1 || s[i] > 4096)
      return kr_layer_fail(c, l, NQ_ERR_FORMAT, "pool_size/strides out of range", err);
  if (kr_channels_first(l->cfg) && !l->cf)
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED,
                         "data_format channels_first is supported for 2-D layers only", err);
  const char *pad = kr_str(l->cfg, "padding", "valid");
  nq_op_params p = nq_op_params_default();
  if (strcmp(pad, "same") == 0)
    p.padding = NQ_PAD_SAME;
  else if (strcmp(pad, "valid") == 0)
    p.padding = NQ_PAD_VALID;
  else
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED, "padding is not 'same' or 'valid'", err);
  int x = l->in[0];
  const nq_tensor *xt = kr_t(c, x);
  if (xt->rank != rank + 2)
    return kr_layer_fail(c, l, NQ_ERR_SHAPE, "input rank does not match the layer", err);
  nq_op op = is_max ? NQ_OP_MAX_POOL_2D : NQ_OP_AVERAGE_POOL_2D;
  if (rank == 2) {
    p.filter_h = (int)k[0], p.filter_w = (int)k[1], p.stride_h = (int)s[0], p.stride_w = (int)s[1];
    return kr_layer_done(c, l, kr_emit(c, op, l->name, l->out_name, 1, &x, &p, err), err);
  }
  p.filter_h = 1, p.filter_w = (int)k[0], p.stride_h = 1, p.stride_w = (int)s[0];
  char nb[600], pb[600];
  snprintf(nb, sizeof nb, "%s/expand", l->name);
  snprintf(pb, sizeof pb, "%s/pool2d", l->name);
  int x4 = kr_reshape(c, nb, x, 4, (int32_t[]){xt->shape[0], 1, xt->shape[1], xt->shape[2]}, err);
  int y4 = x4 < 0 ? -1 : kr_emit(c, op, pb, pb, 1, &x4, &p, err);
  if (y4 < 0) return kr_layer_done(c, l, -1, err);
  const nq_tensor *yt = kr_t(c, y4);
  return kr_layer_done(
      c, l, kr_reshape(c, l->out_name, y4, 3, (int32_t[]){yt->shape[0], yt->shape[2], yt->shape[3]}, err),
      err);
}

static nq_status layer_global_pool(kr_ctx *c, kr_layer_call *l, bool is_max, int rank, nq_error *err) {
  if (kr_channels_first(l->cfg) && !l->cf)
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED,
                         "data_format channels_first is supported for 2-D layers only", err);
  int x = l->in[0];
  if (kr_t(c, x)->rank != rank + 2)
    return kr_layer_fail(c, l, NQ_ERR_SHAPE, "input rank does not match the layer", err);
  char nb[600];
  snprintf(nb, sizeof nb, "%s/axes", l->name);
  int axes = kr_const_i32(c, nb, rank, (int32_t[]){1, 2}, err);
  nq_op_params p = nq_op_params_default();
  p.keep_dims = kr_bool(l->cfg, "keepdims", false);
  return kr_layer_done(c, l,
                       axes < 0 ? -1
                                : kr_emit(c, is_max ? NQ_OP_REDUCE_MAX : NQ_OP_MEAN, l->name, l->out_name, 2,
                                          (int[]){x, axes}, &p, err),
                       err);
}

/* Add, Subtract, Multiply, Maximum, Minimum: the table's op; Average: ADD
 * then MUL by 1/n (e->flag). */
KR_TRANSLATOR(kr_tr_merge) {
  nq_op op = e->op;
  if (l->n_in < 2 || (op == NQ_OP_SUB && l->n_in != 2))
    return kr_layer_fail(c, l, NQ_ERR_FORMAT, "wrong number of inputs", err);
  int y = l->in[0];
  bool avg = e->flag;
  char nb[600];
  for (int i = 1; i < l->n_in && y >= 0; i++) {
    bool last = i == l->n_in - 1 && !avg;
    if (!last) snprintf(nb, sizeof nb, "%s/%d", l->out_name, i);
    y = kr_emit(c, op, l->name, last ? l->out_name : nb, 2, (int[]){y, l->in[i]}, NULL, err);
  }
  if (y >= 0 && avg) {
    float inv = 1.0f / (float)l->n_in;
    y = kr_binary_const(c, NQ_OP_MUL, l->out_name, y, 1, &inv, err);
  }
  return kr_layer_done(c, l, y, err);
}

KR_TRANSLATOR(kr_tr_concat) {
  (void)e;
  int rank = kr_t(c, l->in[0])->rank;
  int64_t axis = (int64_t)kr_num(l->cfg, "axis", -1);
  if (l->cf) axis = kr_cf_axis((int)axis);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "axis out of range", err);
  if (l->n_in == 1) return kr_layer_done(c, l, l->in[0], err);
  nq_op_params p = nq_op_params_default();
  p.axis = (int)axis;
  return kr_layer_done(c, l, kr_emit(c, NQ_OP_CONCATENATION, l->name, l->out_name, l->n_in, l->in, &p, err),
                       err);
}

/* Rescaling: x * scale + offset (scalars or per-channel lists). */
static nq_status layer_rescaling(kr_ctx *c, kr_layer_call *l, nq_error *err) {
  float vals[2][4096];
  int n[2];
  static const char *keys[2] = {"scale", "offset"};
  for (int k = 0; k < 2; k++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(l->cfg, keys[k]);
    n[k] = 1;
    vals[k][0] = k == 0 ? 1.0f : 0.0f;
    if (cJSON_IsNumber(v))
      vals[k][0] = (float)v->valuedouble;
    else if (cJSON_IsArray(v)) {
      n[k] = 0;
      const cJSON *e;
      cJSON_ArrayForEach(e, v) {
        if (!cJSON_IsNumber(e) || n[k] >= 4096)
          return kr_layer_fail(c, l, NQ_ERR_FORMAT, "scale/offset is malformed", err);
        vals[k][n[k]++] = (float)e->valuedouble;
      }
      if (n[k] == 0) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "scale/offset is empty", err);
    } else if (v && !cJSON_IsNull(v))
      return kr_layer_fail(c, l, NQ_ERR_FORMAT, "scale/offset is malformed", err);
  }
  char nb[600];
  snprintf(nb, sizeof nb, "%s/scale", l->out_name);
  int y = kr_binary_const(c, NQ_OP_MUL, nb, l->in[0], n[0], vals[0], err);
  if (y >= 0) y = kr_binary_const(c, NQ_OP_ADD, l->out_name, y, n[1], vals[1], err);
  return kr_layer_done(c, l, y, err);
}

/* Normalization: (x - mean) / max(sqrt(variance), 1e-7), from its weights
 * (mean, variance, count) or the config's mean/variance. Per last axis. */
static nq_status layer_normalization(kr_ctx *c, kr_layer_call *l, nq_error *err) {
  if (kr_bool(l->cfg, "invert", false)) return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED, "invert=True", err);
  kr_array w[KR_MAX_WEIGHTS];
  int nw = 0;
  NQ_TRY(kr_layer_weights(c, l->scope, l->name, w, &nw, err));
  const nq_tensor *xt = kr_t(c, l->in[0]);
  int ch = xt->shape[xt->rank - 1];
  nq_status st = NQ_OK;
  if (nw < 2) {
    /* Normalization(mean=..., variance=...): the values are in the config */
    kr_weights_free(w, nw);
    nw = 0;
    static const char *keys[2] = {"mean", "variance"};
    for (int k = 0; k < 2 && st == NQ_OK; k++) {
      const cJSON *v = cJSON_GetObjectItemCaseSensitive(l->cfg, keys[k]);
      int n = cJSON_IsNumber(v) ? 1 : cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
      if (n < 1 || n > (1 << 20)) {
        st = kr_layer_fail(c, l, NQ_ERR_FORMAT, "no mean/variance weights and none in the config", err);
        break;
      }
      w[k].data = malloc((size_t)n * sizeof(float));
      if (!w[k].data) {
        st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path);
        break;
      }
      w[k].n = (size_t)n, w[k].rank = 1, w[k].shape[0] = n;
      nw = k + 1;
      if (cJSON_IsNumber(v)) w[k].data[0] = (float)v->valuedouble;
      int i = 0;
      const cJSON *e;
      if (cJSON_IsArray(v)) cJSON_ArrayForEach(e, v) {
          if (!cJSON_IsNumber(e))
            st = kr_layer_fail(c, l, NQ_ERR_FORMAT, "mean/variance is not a list of numbers", err);
          else
            w[k].data[i] = (float)e->valuedouble;
          i++;
        }
    }
  }
  size_t n = nw >= 2 ? w[0].n : 0;
  if (st == NQ_OK && (w[1].n != n || (n != 1 && n != (size_t)ch)))
    st = kr_layer_fail(c, l, NQ_ERR_FORMAT, "mean/variance are neither scalars nor per last-axis channel",
                       err);
  if (st == NQ_OK) {
    float *sc = malloc(n * sizeof(float)), *sh = malloc(n * sizeof(float));
    if (!sc || !sh) st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path);
    for (size_t i = 0; st == NQ_OK && i < n; i++) {
      double sd = sqrt(fmax((double)w[1].data[i], 0.0));
      sc[i] = (float)(1.0 / fmax(sd, 1e-7));
      sh[i] = (float)(-(double)w[0].data[i]);
    }
    char nb[600];
    snprintf(nb, sizeof nb, "%s/center", l->out_name);
    int y = st == NQ_OK ? kr_binary_const(c, NQ_OP_ADD, nb, l->in[0], (int)n, sh, err) : -1;
    if (y >= 0) y = kr_binary_const(c, NQ_OP_MUL, l->out_name, y, (int)n, sc, err);
    if (st == NQ_OK) st = kr_layer_done(c, l, y, err);
    free(sc);
    free(sh);
  }
  kr_weights_free(w, nw);
  return st;
}

/* Inference no-ops (Dropout & co.): the output is the input tensor. */
KR_TRANSLATOR(kr_tr_identity) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  return kr_layer_done(c, l, l->in[0], err);
}

KR_TRANSLATOR(kr_tr_activation) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  const char *act = kr_activation_name(l->cfg);
  if (strcmp(act, "linear") == 0) return kr_layer_done(c, l, l->in[0], err);
  return kr_layer_done(c, l, kr_activation(c, l->name, act, l->out_name, l->in[0], l->cls, err), err);
}

KR_TRANSLATOR(kr_tr_relu) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  return layer_relu(c, l, err);
}

KR_TRANSLATOR(kr_tr_leaky_relu) {
  NQ_TRY(kr_one_input(c, l, err));
  nq_op_params p = nq_op_params_default();
  p.alpha = (float)kr_num(l->cfg, "negative_slope", kr_num(l->cfg, "alpha", 0.3));
  return kr_layer_done(c, l, kr_emit(c, e->op, l->name, l->out_name, 1, l->in, &p, err), err);
}

KR_TRANSLATOR(kr_tr_prelu) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  return layer_prelu(c, l, err);
}

KR_TRANSLATOR(kr_tr_elu) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  return kr_layer_done(
      c, l, kr_activation_elu(c, l->out_name, l->in[0], (float)kr_num(l->cfg, "alpha", 1.0), err), err);
}

KR_TRANSLATOR(kr_tr_softmax) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  return layer_softmax(c, l, err);
}

KR_TRANSLATOR(kr_tr_pool) {
  NQ_TRY(kr_one_input(c, l, err));
  return layer_pool(c, l, e->flag, e->rank, err);
}

KR_TRANSLATOR(kr_tr_global_pool) {
  NQ_TRY(kr_one_input(c, l, err));
  return layer_global_pool(c, l, e->flag, e->rank, err);
}

KR_TRANSLATOR(kr_tr_rescaling) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  return layer_rescaling(c, l, err);
}

KR_TRANSLATOR(kr_tr_normalization) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  return layer_normalization(c, l, err);
}
