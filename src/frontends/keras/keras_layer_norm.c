/*
 * Keras LayerNormalization over the last axis, translated into the ops the
 * pass pipeline leaves a decomposed LayerNorm from any format as (see
 * src/passes/div_to_mul.c, pow_to_unary.c), all with int8 kernels:
 *   m = MEAN(x, axis, keep)      d = x - m        v = MEAN(SQUARE(d), axis, keep)
 *   y = d * RSQRT(v + epsilon) * gamma + beta
 * (gamma when scale=True, beta when center=True; weights in that order).
 */
#include <stdio.h>
#include <stdlib.h>

#include "frontends/keras/keras_internal.h"

/* The one normalized axis as a non-negative index; -1 when it is not one int. */
static int norm_axis(const cJSON *cfg, int rank) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(cfg, "axis");
  if (cJSON_IsArray(a) && cJSON_GetArraySize(a) == 1) a = cJSON_GetArrayItem(a, 0);
  if (a == NULL) return rank - 1;
  if (!cJSON_IsNumber(a)) return -1;
  int v = (int)a->valuedouble;
  if (v < 0) v += rank;
  return v >= 0 && v < rank ? v : -1;
}

static int step(kr_ctx *c, kr_layer_call *l, nq_op op, const char *suffix, int a, int b,
                const nq_op_params *p, nq_error *err) {
  char nb[600];
  snprintf(nb, sizeof nb, "%s/%s", l->name, suffix);
  int in[2] = {a, b};
  return kr_emit(c, op, nb, suffix[0] ? nb : l->out_name, b < 0 ? 1 : 2, in, p, err);
}

KR_TRANSLATOR(kr_tr_layernorm) {
  (void)e;
  NQ_TRY(kr_one_input(c, l, err));
  int x = l->in[0];
  const nq_tensor *xt = kr_t(c, x);
  if (xt->rank < 2 || norm_axis(l->cfg, xt->rank) != xt->rank - 1)
    return kr_layer_fail(c, l, NQ_ERR_UNSUPPORTED, "only normalization over the last axis is supported", err);
  int ch = xt->shape[xt->rank - 1];
  bool scale = kr_bool(l->cfg, "scale", true), center = kr_bool(l->cfg, "center", true);
  double eps = kr_num(l->cfg, "epsilon", 1e-3);
  if (!(eps >= 0 && eps < 1e3))
    return kr_layer_fail(c, l, NQ_ERR_FORMAT, "epsilon is not a small non-negative number", err);
  kr_array w[KR_MAX_WEIGHTS];
  int nw = 0;
  NQ_TRY(kr_layer_weights(c, l->scope, l->name, w, &nw, err));
  nq_status st = NQ_OK;
  if (nw != (int)scale + (int)center)
    st = kr_layer_fail(c, l, NQ_ERR_FORMAT, "expects gamma and/or beta weights as configured", err);
  for (int k = 0; st == NQ_OK && k < nw; k++)
    if (w[k].n != (size_t)ch)
      st = kr_layer_fail(c, l, NQ_ERR_FORMAT, "gamma/beta length differs from the last axis", err);
  char nb[600];
  snprintf(nb, sizeof nb, "%s/axis", l->name);
  int axis = st == NQ_OK ? kr_const_i32(c, nb, 1, (int32_t[]){xt->rank - 1}, err) : -1;
  nq_op_params keep = nq_op_params_default(), none = nq_op_params_default();
  keep.keep_dims = true;
  bool last_gamma = scale && !center, any = scale || center;
  int m = axis < 0 ? -1 : step(c, l, NQ_OP_MEAN, "mean", x, axis, &keep, err);
  int d = m < 0 ? -1 : step(c, l, NQ_OP_SUB, "centered", x, m, &none, err);
  int s = d < 0 ? -1 : step(c, l, NQ_OP_SQUARE, "square", d, -1, &none, err);
  int v = s < 0 ? -1 : step(c, l, NQ_OP_MEAN, "variance", s, axis, &keep, err);
  float eps_f = (float)eps;
  snprintf(nb, sizeof nb, "%s/variance_eps", l->name);
  int ve = v < 0 ? -1 : kr_binary_const(c, NQ_OP_ADD, nb, v, 1, &eps_f, err);
  int r = ve < 0 ? -1 : step(c, l, NQ_OP_RSQRT, "rsqrt", ve, -1, &none, err);
  int y = r < 0 ? -1 : step(c, l, NQ_OP_MUL, any ? "normalized" : "", d, r, &none, err);
  if (y >= 0 && scale) {
    snprintf(nb, sizeof nb, "%s/gamma", l->name);
    y = kr_binary_const(c, NQ_OP_MUL, last_gamma ? l->out_name : nb, y, ch, w[0].data, err);
  }
  if (y >= 0 && center) y = kr_binary_const(c, NQ_OP_ADD, l->out_name, y, ch, w[nw - 1].data, err);
  kr_weights_free(w, nw);
  if (st != NQ_OK) return st;
  return kr_layer_done(c, l, y, err);
}
