/*
 * Layers that move data: Flatten, Reshape, Permute, ZeroPadding1D/2D,
 * Cropping1D/2D, UpSampling1D/2D (nearest, bilinear). Shapes are static:
 * the batch is 1 and every other dim is known from the input.
 */
#include <stdio.h>
#include <string.h>

#include "frontends/keras/keras_internal.h"

static nq_status layer_flatten(kr_ctx *c, kr_layer_call *l, nq_error *err) {
  const nq_tensor *xt = kr_t(c, l->in[0]);
  /* channels_first Flatten flattens in channels_last order: with l->cf the
   * data already is NHWC; a 3-D channels_first input is not supported */
  if (kr_channels_first(l->cfg) && !l->cf && xt->rank > 2)
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED, "channels_first Flatten of a tensor that is not 4-D", err);
  int64_t n = 1;
  for (int i = 1; i < xt->rank; i++) n *= xt->shape[i];
  if (n > INT32_MAX) return kr_layer_fail(c, l, NQ_ERR_SHAPE, "too many elements", err);
  return kr_layer_done(
      c, l, kr_reshape(c, l->out_name, l->in[0], 2, (int32_t[]){xt->shape[0], (int32_t)n}, err), err);
}

static nq_status layer_reshape(kr_ctx *c, kr_layer_call *l, nq_error *err) {
  const nq_tensor *xt = kr_t(c, l->in[0]);
  int64_t ts[NQ_MAX_RANK * 2];
  int n = kr_ints(l->cfg, "target_shape", ts, 1);
  if (n < 1 || n >= NQ_MAX_RANK)
    return kr_layer_fail(c, l, NQ_ERR_FORMAT, "target_shape is missing or malformed", err);
  int32_t shape[NQ_MAX_RANK];
  shape[0] = xt->shape[0];
  int64_t total = 1, known = 1;
  int unknown = -1;
  for (int i = 1; i < xt->rank; i++) total *= xt->shape[i];
  for (int i = 0; i < n; i++) {
    if (ts[i] == -1 && unknown < 0)
      unknown = i + 1;
    else if (ts[i] < 1 || ts[i] > INT32_MAX)
      return kr_layer_fail(c, l, NQ_ERR_FORMAT, "target_shape has a bad dim", err);
    else
      known *= ts[i], shape[i + 1] = (int32_t)ts[i];
  }
  if (unknown > 0) {
    if (known == 0 || total % known)
      return kr_layer_fail(c, l, NQ_ERR_SHAPE, "target_shape does not divide the input size", err);
    shape[unknown] = (int32_t)(total / known);
  } else if (known != total) {
    return kr_layer_fail(c, l, NQ_ERR_SHAPE, "target_shape does not match the input size", err);
  }
  return kr_layer_done(c, l, kr_reshape(c, l->out_name, l->in[0], n + 1, shape, err), err);
}

static nq_status layer_permute(kr_ctx *c, kr_layer_call *l, nq_error *err) {
  const nq_tensor *xt = kr_t(c, l->in[0]);
  int64_t d[NQ_MAX_RANK * 2];
  int n = kr_ints(l->cfg, "dims", d, 1);
  if (n != xt->rank - 1) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "dims does not match the input rank", err);
  int32_t perm[NQ_MAX_RANK] = {0};
  bool seen[NQ_MAX_RANK] = {false};
  for (int i = 0; i < n; i++) {
    if (d[i] < 1 || d[i] > n || seen[d[i]])
      return kr_layer_fail(c, l, NQ_ERR_FORMAT, "dims is not a permutation", err);
    seen[d[i]] = true;
    perm[i + 1] = (int32_t)d[i];
  }
  char nb[600];
  snprintf(nb, sizeof nb, "%s/perm", l->name);
  int p = kr_const_i32(c, nb, n + 1, perm, err);
  return kr_layer_done(
      c, l,
      p < 0 ? -1 : kr_emit(c, NQ_OP_TRANSPOSE, l->name, l->out_name, 2, (int[]){l->in[0], p}, NULL, err),
      err);
}

/* ((top, bottom), (left, right)) in any of Keras' spellings: int, pair, pair of pairs. */
static bool read_pairs(const cJSON *cfg, const char *key, int rank, int64_t out[][2]) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, key);
  int64_t flat[NQ_MAX_RANK * 2];
  if (cJSON_IsNumber(v) ||
      (cJSON_IsArray(v) && cJSON_GetArraySize(v) == rank && cJSON_IsNumber(cJSON_GetArrayItem(v, 0)))) {
    int n = kr_ints(cfg, key, flat, rank);
    if (rank == 1 && n == 2) { /* Keras 1D: (left, right) */
      out[0][0] = flat[0], out[0][1] = flat[1];
      return flat[0] >= 0 && flat[1] >= 0;
    }
    if (n != rank) return false;
    for (int i = 0; i < rank; i++) out[i][0] = out[i][1] = flat[i];
  } else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == rank) {
    for (int i = 0; i < rank; i++) {
      cJSON tmp;
      memset(&tmp, 0, sizeof tmp);
      const cJSON *pair = cJSON_GetArrayItem(v, i);
      if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2) return false;
      for (int j = 0; j < 2; j++) {
        const cJSON *e = cJSON_GetArrayItem(pair, j);
        if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble > (1 << 24)) return false;
        out[i][j] = (int64_t)e->valuedouble;
      }
    }
  } else {
    return false;
  }
  for (int i = 0; i < rank; i++)
    if (out[i][0] < 0 || out[i][1] < 0 || out[i][0] > (1 << 24) || out[i][1] > (1 << 24)) return false;
  return true;
}

static nq_status layer_pad_crop(kr_ctx *c, kr_layer_call *l, bool crop, int rank, nq_error *err) {
  const nq_tensor *xt = kr_t(c, l->in[0]);
  if (xt->rank != rank + 2)
    return kr_layer_fail(c, l, NQ_ERR_SHAPE, "input rank does not match the layer", err);
  if (kr_channels_first(l->cfg) && !l->cf)
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED,
                         "data_format channels_first is supported for 2-D layers only", err);
  int64_t pr[NQ_MAX_RANK][2];
  if (!read_pairs(l->cfg, crop ? "cropping" : "padding", rank, pr))
    return kr_layer_fail(c, l, NQ_ERR_FORMAT, crop ? "cropping is malformed" : "padding is malformed", err);
  char nb[600];
  int r = xt->rank;
  if (!crop) {
    int32_t pads[NQ_MAX_RANK * 2] = {0};
    for (int i = 0; i < rank; i++)
      pads[(i + 1) * 2] = (int32_t)pr[i][0], pads[(i + 1) * 2 + 1] = (int32_t)pr[i][1];
    snprintf(nb, sizeof nb, "%s/paddings", l->name);
    int p = kr_const_i32_nd(c, nb, 2, (int32_t[]){r, 2}, pads, err);
    return kr_layer_done(
        c, l, p < 0 ? -1 : kr_emit(c, NQ_OP_PAD, l->name, l->out_name, 2, (int[]){l->in[0], p}, NULL, err),
        err);
  }
  int32_t begin[NQ_MAX_RANK] = {0}, size[NQ_MAX_RANK];
  for (int i = 0; i < r; i++) size[i] = xt->shape[i];
  for (int i = 0; i < rank; i++) {
    int64_t s = (int64_t)xt->shape[i + 1] - pr[i][0] - pr[i][1];
    if (s < 1) return kr_layer_fail(c, l, NQ_ERR_SHAPE, "cropping removes the whole input", err);
    begin[i + 1] = (int32_t)pr[i][0];
    size[i + 1] = (int32_t)s;
  }
  snprintf(nb, sizeof nb, "%s/begin", l->name);
  int b = kr_const_i32(c, nb, r, begin, err);
  snprintf(nb, sizeof nb, "%s/size", l->name);
  int s = b < 0 ? -1 : kr_const_i32(c, nb, r, size, err);
  return kr_layer_done(
      c, l, s < 0 ? -1 : kr_emit(c, NQ_OP_SLICE, l->name, l->out_name, 3, (int[]){l->in[0], b, s}, NULL, err),
      err);
}

static nq_status layer_upsampling(kr_ctx *c, kr_layer_call *l, int rank, nq_error *err) {
  const nq_tensor *xt = kr_t(c, l->in[0]);
  if (xt->rank != rank + 2)
    return kr_layer_fail(c, l, NQ_ERR_SHAPE, "input rank does not match the layer", err);
  if (kr_channels_first(l->cfg) && !l->cf)
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED,
                         "data_format channels_first is supported for 2-D layers only", err);
  int64_t sz[NQ_MAX_RANK * 2];
  int n = kr_ints(l->cfg, rank == 1 ? "size" : "size", sz, rank);
  if (n == 0) sz[0] = sz[1] = 2, n = rank;
  if (n != rank) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "size is malformed", err);
  for (int i = 0; i < rank; i++)
    if (sz[i] < 1 || sz[i] > 4096) return kr_layer_fail(c, l, NQ_ERR_FORMAT, "size out of range", err);
  const char *interp = kr_str(l->cfg, "interpolation", "nearest");
  bool bilinear = strcmp(interp, "bilinear") == 0;
  if (!bilinear && strcmp(interp, "nearest") != 0)
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED, "interpolation other than nearest/bilinear", err);
  nq_op_params p = nq_op_params_default();
  /* TF 2 resizes with half-pixel centers; Keras 2.0-2.2 (TF 1) did not. For
   * nearest with integer factors both give the same result. */
  p.half_pixel_centers = bilinear && (c->keras_major >= 3 || c->keras_minor >= 3 || c->keras_major == 0);
  char nb[600];
  int x = l->in[0];
  int32_t h = rank == 2 ? xt->shape[1] : 1, w = rank == 2 ? xt->shape[2] : xt->shape[1];
  int64_t oh = (int64_t)h * (rank == 2 ? sz[0] : 1), ow = (int64_t)w * sz[rank - 1];
  if (oh > (1 << 24) || ow > (1 << 24)) return kr_layer_fail(c, l, NQ_ERR_SHAPE, "output too large", err);
  if (rank == 1) {
    snprintf(nb, sizeof nb, "%s/expand", l->name);
    x = kr_reshape(c, nb, x, 4, (int32_t[]){xt->shape[0], 1, xt->shape[1], xt->shape[2]}, err);
    if (x < 0) return kr_layer_done(c, l, -1, err);
  }
  snprintf(nb, sizeof nb, "%s/size", l->name);
  int s = kr_const_i32(c, nb, 2, (int32_t[]){(int32_t)oh, (int32_t)ow}, err);
  char on[600];
  snprintf(on, sizeof on, "%s/resize", l->name);
  int y = s < 0 ? -1
                : kr_emit(c, bilinear ? NQ_OP_RESIZE_BILINEAR : NQ_OP_RESIZE_NEAREST_NEIGHBOR, l->name,
                          rank == 1 ? on : l->out_name, 2, (int[]){x, s}, &p, err);
  if (y < 0 || rank == 2) return kr_layer_done(c, l, y, err);
  xt = kr_t(c, l->in[0]);
  return kr_layer_done(
      c, l, kr_reshape(c, l->out_name, y, 3, (int32_t[]){xt->shape[0], (int32_t)ow, xt->shape[2]}, err), err);
}

KR_TRANSLATOR(kr_tr_flatten) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  return layer_flatten(c, l, err);
}

KR_TRANSLATOR(kr_tr_reshape) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  return layer_reshape(c, l, err);
}

KR_TRANSLATOR(kr_tr_permute) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  return layer_permute(c, l, err);
}

KR_TRANSLATOR(kr_tr_pad_crop) {
  NQ_TRY(kr_one_input(c, l, err));
  return layer_pad_crop(c, l, e->flag, e->rank, err);
}

KR_TRANSLATOR(kr_tr_upsampling) {
  NQ_TRY(kr_one_input(c, l, err));
  return layer_upsampling(c, l, e->rank, err);
}
