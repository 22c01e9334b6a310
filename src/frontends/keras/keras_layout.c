/*
 * channels_first models. TFLite (and the NPU) want NHWC, so a Keras model
 * with data_format="channels_first" is translated with its 4-D activations
 * kept NHWC: the model input becomes NHWC, and each 4-D tensor that Keras
 * sees as NCHW is marked (cf[t]). Layers fall in three groups:
 *   spatial (Conv*, pooling, padding, cropping, upsampling, Flatten with
 *     channels_first): run on the NHWC data directly (unmarked 4-D inputs
 *     are transposed to NHWC first);
 *   element-wise and channel-axis layers (activations, merges, Dropout,
 *     BatchNormalization, Concatenate): run on the NHWC data, their NCHW
 *     axis arguments mapped to NHWC (l->cf);
 *   everything else (Reshape, Permute, Dense, Flatten with channels_last,
 *     ...): marked inputs are transposed back to NCHW, so the layer sees
 *     exactly what Keras sees.
 * Marked model outputs are transposed back to NCHW, so outputs equal Keras'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/keras/keras_internal.h"

static bool any_cf(const cJSON *v, int depth) {
  if (!v || depth > 64) return false;
  if (cJSON_IsObject(v)) {
    const char *df = kr_str(v, "data_format", NULL);
    if (df && strcmp(df, "channels_first") == 0) return true;
  }
  const cJSON *e;
  if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
    cJSON_ArrayForEach(e, v) if (any_cf(e, depth + 1)) return true;
  }
  return false;
}

bool kr_layout_model_is_cf(const cJSON *root) { return any_cf(root, 0); }

bool kr_channels_first(const cJSON *cfg) {
  const char *df = kr_str(cfg, "data_format", "channels_last");
  return strcmp(df, "channels_first") == 0;
}

bool kr_is_cf(const kr_ctx *c, int t) { return t >= 0 && t < c->cf_cap && c->cf[t]; }

nq_status kr_set_cf(kr_ctx *c, int t, bool on, nq_error *err) {
  if (t >= c->cf_cap) {
    if (!on) return NQ_OK;
    int cap = c->cf_cap ? c->cf_cap : 256;
    while (cap <= t) cap *= 2;
    unsigned char *n = realloc(c->cf, (size_t)cap);
    if (!n) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path);
    memset(n + c->cf_cap, 0, (size_t)(cap - c->cf_cap));
    c->cf = n;
    c->cf_cap = cap;
  }
  c->cf[t] = on;
  return NQ_OK;
}

int kr_cf_axis(int axis) {
  static const int map[4] = {0, 3, 1, 2};
  if (axis < 0) axis += 4;
  return axis >= 0 && axis < 4 ? map[axis] : -1;
}

static int transpose(kr_ctx *c, int x, const char *suffix, const int32_t perm[4], nq_error *err) {
  char name[700], pname[720];
  const char *base = c->g->tensors[x].name ? c->g->tensors[x].name : "t";
  snprintf(name, sizeof name, "%s/%s", base, suffix);
  snprintf(pname, sizeof pname, "%s/perm", name);
  int p = kr_const_i32(c, pname, 4, perm, err);
  return p < 0 ? -1 : kr_emit(c, NQ_OP_TRANSPOSE, name, name, 2, (int[]){x, p}, NULL, err);
}

static const int32_t to_nchw[4] = {0, 3, 1, 2}, to_nhwc[4] = {0, 2, 3, 1};

static bool is_one_of(const char *cls, const char *const *list) {
  for (; *list; list++)
    if (strcmp(cls, *list) == 0) return true;
  return false;
}

static const char *const spatial[] = {"Conv2D",
                                      "Convolution2D",
                                      "DepthwiseConv2D",
                                      "SeparableConv2D",
                                      "SeparableConvolution2D",
                                      "Conv2DTranspose",
                                      "Deconvolution2D",
                                      "MaxPooling2D",
                                      "MaxPool2D",
                                      "AveragePooling2D",
                                      "AvgPool2D",
                                      "GlobalAveragePooling2D",
                                      "GlobalAvgPool2D",
                                      "GlobalMaxPooling2D",
                                      "GlobalMaxPool2D",
                                      "ZeroPadding2D",
                                      "Cropping2D",
                                      "UpSampling2D",
                                      "Flatten",
                                      NULL};
static const char *const elementwise[] = {"Activation",
                                          "ReLU",
                                          "LeakyReLU",
                                          "ELU",
                                          "Dropout",
                                          "SpatialDropout2D",
                                          "GaussianNoise",
                                          "GaussianDropout",
                                          "AlphaDropout",
                                          "ActivityRegularization",
                                          "Add",
                                          "Subtract",
                                          "Multiply",
                                          "Average",
                                          "Maximum",
                                          "Minimum",
                                          "BatchNormalization",
                                          "Concatenate",
                                          NULL};

/* Channel-axis layers keep the NHWC form only for axes that map cleanly. */
static bool axis_ok(const kr_layer_call *l) {
  if (strcmp(l->cls, "BatchNormalization") == 0) {
    int64_t a[NQ_MAX_RANK * 2];
    int n = kr_ints(l->cfg, "axis", a, 1);
    return n == 1 && (a[0] == 1 || a[0] == -3);
  }
  if (strcmp(l->cls, "Activation") == 0) return strcmp(kr_activation_name(l->cfg), "softmax") != 0;
  return true;
}

nq_status kr_layout_before(kr_ctx *c, kr_layer_call *l, int *in, nq_error *err) {
  l->cf = false;
  if (!c->model_cf) return NQ_OK;
  bool all4 = l->n_in > 0, anycf = false;
  for (int i = 0; i < l->n_in; i++) {
    all4 = all4 && kr_t(c, in[i])->rank == 4;
    anycf = anycf || kr_is_cf(c, in[i]);
  }
  bool nhwc_mode = false;
  if (is_one_of(l->cls, spatial) && kr_channels_first(l->cfg) && all4)
    nhwc_mode = true;
  else if (is_one_of(l->cls, elementwise) && anycf && all4 && axis_ok(l))
    nhwc_mode = true;
  for (int i = 0; i < l->n_in; i++) {
    if (nhwc_mode && !kr_is_cf(c, in[i]))
      in[i] = transpose(c, in[i], "to_nhwc", to_nhwc, err);
    else if (!nhwc_mode && kr_is_cf(c, in[i]))
      in[i] = transpose(c, in[i], "to_nchw", to_nchw, err);
    if (in[i] < 0) return nq_prefix(err, "%s: layer '%s' (%s): ", c->path, l->name, l->cls);
  }
  l->cf = nhwc_mode;
  return NQ_OK;
}

nq_status kr_layout_after(kr_ctx *c, kr_layer_call *l, nq_error *err) {
  if (!l->cf) return NQ_OK;
  for (int o = 0; o < l->n_out; o++)
    if (kr_t(c, l->out[o])->rank == 4) NQ_TRY(kr_set_cf(c, l->out[o], true, err));
  return NQ_OK;
}

nq_status kr_layout_outputs(kr_ctx *c, int *outs, int n, nq_error *err) {
  for (int i = 0; i < n; i++) {
    if (!kr_is_cf(c, outs[i])) continue;
    nq_tensor *t = &c->g->tensors[outs[i]];
    /* the NHWC tensor gives its name to the NCHW output */
    char *keras_name = t->name;
    char buf[700];
    snprintf(buf, sizeof buf, "%s/nhwc", keras_name ? keras_name : "output");
    t->name = strdup(buf);
    if (!t->name) {
      t->name = keras_name;
      return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path);
    }
    int y = transpose(c, outs[i], "nchw", to_nchw, err);
    if (y < 0) {
      free(keras_name);
      return err->code;
    }
    free(c->g->tensors[y].name);
    c->g->tensors[y].name = keras_name;
    outs[i] = y;
  }
  return NQ_OK;
}
