/*
 * Reading values out of Keras layer configs. Keras spelled the same thing
 * differently across versions (2.0 `batch_input_shape`, Keras 3
 * `batch_shape`; activations as strings or serialized objects; class names
 * with module prefixes), so every lookup goes through here and is tolerant
 * of the type it finds but never trusts it: wrong types fall back to the
 * default or report "malformed" to the caller.
 */
#include <math.h>
#include <string.h>

#include "frontends/keras/keras_internal.h"

const cJSON *kr_cfg(const cJSON *layer) {
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(layer, "config");
  return cJSON_IsObject(c) ? c : NULL;
}

const char *kr_str(const cJSON *obj, const char *key, const char *dflt) {
  const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

bool kr_bool(const cJSON *obj, const char *key, bool dflt) {
  const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  if (cJSON_IsBool(v)) return cJSON_IsTrue(v);
  if (cJSON_IsNumber(v)) return v->valuedouble != 0; /* Keras 2.14 writes "scale": 1 */
  return dflt;
}

double kr_num(const cJSON *obj, const char *key, double dflt) {
  const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : dflt;
}

static bool small_int(const cJSON *v, int64_t *out) {
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || fabs(v->valuedouble) > 1e9) return false;
  *out = (int64_t)v->valuedouble;
  return (double)*out == v->valuedouble;
}

int kr_ints(const cJSON *obj, const char *key, int64_t *out, int want) {
  const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  if (!v || cJSON_IsNull(v)) return 0;
  if (cJSON_IsNumber(v)) {
    if (!small_int(v, &out[0])) return -1;
    for (int i = 1; i < want; i++) out[i] = out[0];
    return want;
  }
  if (!cJSON_IsArray(v)) return -1;
  int n = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, v) {
    if (n >= NQ_MAX_RANK * 2 || !small_int(e, &out[n])) return -1;
    n++;
  }
  return n;
}

const char *kr_class(const cJSON *layer) {
  const char *c = kr_str(layer, "class_name", NULL);
  if (!c) return NULL;
  const char *dot = strrchr(c, '>'); /* "keras.layers>Conv2D" (registered names) */
  return dot ? dot + 1 : c;
}

const char *kr_layer_name(const cJSON *layer) {
  const char *n = kr_str(layer, "name", NULL);
  return n ? n : kr_str(kr_cfg(layer), "name", NULL);
}

const char *kr_activation_name(const cJSON *cfg) {
  const cJSON *a = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "activation") : NULL;
  if (!a || cJSON_IsNull(a)) return "linear";
  if (cJSON_IsString(a)) return a->valuestring;
  if (cJSON_IsObject(a)) {
    /* Keras 3: {"module": "keras.activations", "class_name": "function", "config": "relu"} */
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(a, "config");
    if (cJSON_IsString(c)) return c->valuestring;
    const char *n = kr_str(c, "name", NULL);
    if (n) return n;
    return kr_str(a, "class_name", "?");
  }
  return "?";
}

/* Dimensions of a JSON shape array into shape[first..]: null is dynamic
 * (-1); the new rank, or -1 when an entry is not a dimension. */
static int read_dims(const cJSON *v, int32_t *shape, int first) {
  int n = first;
  const cJSON *e;
  cJSON_ArrayForEach(e, v) {
    if (n >= NQ_MAX_RANK) return -1;
    int64_t d;
    if (cJSON_IsNull(e))
      shape[n] = -1;
    else if (small_int(e, &d) && d > 0 && d < (1 << 24))
      shape[n] = (int32_t)d;
    else
      return -1;
    n++;
  }
  return n;
}

int kr_input_shape(const cJSON *cfg, int32_t *shape) {
  static const char *keys[] = {"batch_input_shape", "batch_shape", "build_input_shape"};
  for (int k = 0; k < 3; k++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, keys[k]);
    if (cJSON_IsArray(v)) return read_dims(v, shape, 0);
  }
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, "input_shape"); /* without the batch */
  if (!cJSON_IsArray(v)) return 0;
  shape[0] = -1;
  return read_dims(v, shape, 1);
}
