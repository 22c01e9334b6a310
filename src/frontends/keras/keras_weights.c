/*
 * Which weight arrays belong to a layer.
 *
 * Legacy HDF5 (Keras 2.x `model.save` / `save_weights`): the group
 * <root>/<layer> has an attribute `weight_names` listing dataset paths
 * relative to it ("conv1/kernel:0"). A nested model's group lists the
 * weights of all its layers; the ones of inner layer L are those whose path
 * starts with "L/" or contains "/L/".
 *
 * Keras 3 weights file: datasets "0", "1", ... under
 * layers/<L>/vars (or _layer_checkpoint_dependencies/<L>/vars for the
 * tf.keras 2.13-2.15 .keras format), nested models one level deeper.
 * Order is the creation order in both: kernel before bias, BatchNorm's
 * gamma, beta, moving mean, moving variance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/keras/keras_internal.h"

void kr_weights_free(kr_array *w, int n) {
  for (int i = 0; i < n; i++) kr_array_free(&w[i]);
}

static bool belongs_to(const char *wname, const char *layer) {
  size_t n = strlen(layer);
  if (strncmp(wname, layer, n) == 0 && wname[n] == '/') return true;
  for (const char *p = strchr(wname, '/'); p; p = strchr(p + 1, '/'))
    if (strncmp(p + 1, layer, n) == 0 && p[1 + n] == '/') return true;
  return false;
}

static nq_status legacy_weights(kr_ctx *c, const kr_scope *s, const char *layer, kr_array *out, int *n,
                                nq_error *err) {
  const char *gname = s->legacy_group ? s->legacy_group : layer;
  if (!kr_h5_exists(c->wroot, gname)) return NQ_OK; /* layers without weights may have no group */
  hid_t grp = H5Gopen2(c->wroot, gname, H5P_DEFAULT);
  if (grp < 0)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: layer '%s': weights group is not a group", c->path, layer);
  char **names = NULL;
  int count = 0;
  nq_status st = NQ_OK;
  if (kr_h5_has_attr(grp, "weight_names"))
    st = kr_h5_read_str_list_attr(c->path, grp, "weight_names", &names, &count, err);
  for (int i = 0; st == NQ_OK && i < count; i++) {
    if (s->legacy_group && !belongs_to(names[i], layer)) continue;
    if (*n >= KR_MAX_WEIGHTS) {
      st = nq_fail(err, NQ_ERR_FORMAT, "%s: layer '%s' has more than %d weights", c->path, layer,
                   KR_MAX_WEIGHTS);
      break;
    }
    st = kr_h5_read_array(c->path, grp, names[i], &out[*n], err);
    if (st == NQ_OK) (*n)++;
  }
  kr_free_str_list(names, count);
  H5Gclose(grp);
  return st;
}

static nq_status v3_weights(kr_ctx *c, const kr_scope *s, const char *layer, kr_array *out, int *n,
                            nq_error *err) {
  static const char *containers[] = {"layers", "_layer_checkpoint_dependencies"};
  char vars[2048];
  bool found = false;
  for (int k = 0; k < 2 && !found; k++) {
    snprintf(vars, sizeof vars, "%s%s/%s/vars", s->v3_prefix, containers[k], layer);
    found = kr_h5_exists(c->wroot, vars);
  }
  if (!found) return NQ_OK;
  for (int i = 0; i < KR_MAX_WEIGHTS; i++) {
    char ds[2100];
    snprintf(ds, sizeof ds, "%s/%d", vars, i);
    if (!kr_h5_exists(c->wroot, ds)) break;
    NQ_TRY(kr_h5_read_array(c->path, c->wroot, ds, &out[i], err));
    (*n)++;
  }
  return NQ_OK;
}

nq_status kr_layer_weights(kr_ctx *c, const kr_scope *s, const char *layer, kr_array *out, int *n,
                           nq_error *err) {
  *n = 0;
  nq_status st = c->style == KR_STYLE_V3 ? v3_weights(c, s, layer, out, n, err)
                                         : legacy_weights(c, s, layer, out, n, err);
  if (st != NQ_OK) {
    kr_weights_free(out, *n);
    *n = 0;
  }
  return st;
}
