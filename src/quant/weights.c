#include "quant/weights.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"

void nq_quant_const_range(const nq_tensor *x, float *min, float *max) {
  const float *v = (const float *)x->data;
  size_t n = x->nbytes / sizeof(float);
  float mn = 0, mx = 0;
  for (size_t i = 0; i < n; i++) {
    if (i == 0 || v[i] < mn) mn = v[i];
    if (i == 0 || v[i] > mx) mx = v[i];
  }
  *min = mn;
  *max = mx;
}

/* Split a shape around `axis`: outer * channels * inner == elements. */
static void axis_split(const nq_tensor *x, int axis, size_t *outer, size_t *ch, size_t *inner) {
  *outer = 1;
  *inner = 1;
  *ch = (size_t)x->shape[axis];
  for (int d = 0; d < axis; d++) *outer *= (size_t)x->shape[d];
  for (int d = axis + 1; d < x->rank; d++) *inner *= (size_t)x->shape[d];
}

nq_status nq_quant_weight_scales(const nq_graph *f, int wt, int axis, const float *bias, int n_bias,
                                 float s_in, float **scales, int *n, int *n_zero, nq_error *err) {
  const nq_tensor *x = &f->tensors[wt];
  char tb[96];
  const float *w = (const float *)x->data;
  size_t outer = 1, ch = 1, inner = nq_tensor_elems(x);
  if (axis >= 0) {
    if (axis >= x->rank)
      return nq_fail(err, NQ_ERR_SHAPE, "weights %s have rank %d, no axis %d",
                     nq_tensor_label(f, wt, tb, sizeof tb), x->rank, axis);
    axis_split(x, axis, &outer, &ch, &inner);
  }
  float *s = malloc(sizeof(float) * (ch ? ch : 1));
  if (!s) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for %zu weight scales", ch);
  for (size_t c = 0; c < ch; c++) {
    float absmax = 0;
    for (size_t o = 0; o < outer; o++)
      for (size_t i = 0; i < inner; i++) {
        float v = fabsf(w[(o * ch + c) * inner + i]);
        if (!isfinite(v)) {
          free(s);
          return nq_fail(err, NQ_ERR_NUMERIC, "weights %s contain NaN or Inf",
                         nq_tensor_label(f, wt, tb, sizeof tb));
        }
        if (v > absmax) absmax = v;
      }
    s[c] = absmax > 0.0f ? nq_symmetric_scale(absmax) : 0.0f;
  }
  /* An all-zero channel (pruned, dead) computes its bias alone, which is
   * quantized at s_in * s_w: give it the finest scale of its neighbours
   * (1/127, as for weights in [-1, 1], when every channel is zero) rather
   * than 1, which rounded a bias to whole input steps. */
  float finest = 0.0f;
  for (size_t c = 0; c < ch; c++)
    if (s[c] > 0.0f && (finest == 0.0f || s[c] < finest)) finest = s[c];
  if (finest == 0.0f) finest = 1.0f / 127.0f;
  int zeros = 0;
  for (size_t c = 0; c < ch; c++)
    if (s[c] == 0.0f) {
      s[c] = finest;
      zeros++;
    }
  /* Bias-driven widening: keep |bias / (s_in * s_w)| within half of int32
   * so the accumulator has headroom (tiny weights after BN folding). */
  if (bias && s_in > 0) {
    const double limit = 0.5 * (double)INT32_MAX;
    for (size_t c = 0; c < ch; c++) {
      double b = 0;
      if (ch == 1) {
        /* The largest |bias| in float, widened once: the same value (both
         * steps are exact), and Debian's aarch64 GCC 12.2 ICEs at -O3
         * (vect_transform_reduction) vectorizing an fmax reduction over
         * float-to-double conversions. */
        float bmax = 0;
        for (int k = 0; k < n_bias; k++) bmax = fmaxf(bmax, fabsf(bias[k]));
        b = (double)bmax;
      } else if ((int)c < n_bias) {
        b = fabs((double)bias[c]);
      }
      if (b / ((double)s_in * (double)s[c]) >= limit) s[c] = (float)(b / ((double)s_in * limit) * 1.000001);
    }
  }
  *scales = s;
  *n = (int)ch;
  if (n_zero) *n_zero = zeros;
  return NQ_OK;
}

static int add_like(nq_graph *q, const nq_graph *f, int ft, nq_dtype type, nq_error *err) {
  const nq_tensor *x = &f->tensors[ft];
  return nq_graph_add_tensor(q, x->name, type, x->rank, x->shape, err);
}

int nq_quant_add_weights(nq_graph *q, const nq_graph *f, int wt, const float *scales, int n, int axis,
                         nq_error *err) {
  const nq_tensor *x = &f->tensors[wt];
  size_t outer = 1, ch = 1, inner = nq_tensor_elems(x);
  if (n > 1) axis_split(x, axis, &outer, &ch, &inner);
  size_t total = nq_tensor_elems(x);
  int8_t *d = malloc(total ? total : 1);
  int64_t *zp = calloc((size_t)n, sizeof(int64_t));
  if (!d || !zp) {
    free(d);
    free(zp);
    nq_fail(err, NQ_ERR_NOMEM, "out of memory quantizing weights");
    return -1;
  }
  const float *w = (const float *)x->data;
  for (size_t o = 0; o < outer; o++)
    for (size_t c = 0; c < ch; c++)
      for (size_t i = 0; i < inner; i++) {
        size_t k = (o * ch + c) * inner + i;
        d[k] = (int8_t)nq_quantize_value(w[k], scales[n > 1 ? c : 0], 0, -127, 127);
      }
  int t = add_like(q, f, wt, NQ_INT8, err);
  if (t < 0 || nq_tensor_set_data(q, t, (uint8_t *)d, total, err) != NQ_OK ||
      nq_tensor_set_quant(q, t, n, scales, zp, n > 1 ? axis : 0, err) != NQ_OK) {
    if (t < 0) free(d);
    free(zp);
    return -1;
  }
  free(zp);
  return t;
}

int nq_quant_add_bias(nq_graph *q, const nq_graph *f, int bt, float s_in, const float *w_scales, int n,
                      nq_dtype type, nq_error *err) {
  const nq_tensor *x = &f->tensors[bt];
  size_t total = nq_tensor_elems(x);
  char tb[96];
  if (n > 1 && total != (size_t)n) {
    nq_fail(err, NQ_ERR_SHAPE, "bias %s has %zu values for %d output channels",
            nq_tensor_label(f, bt, tb, sizeof tb), total, n);
    return -1;
  }
  /* int64 (16x8): the full range of the kernels' 64-bit accumulator */
  bool wide = type == NQ_INT64;
  size_t elem = wide ? sizeof(int64_t) : sizeof(int32_t);
  void *d = malloc(elem * (total ? total : 1));
  float *bs = malloc(sizeof(float) * (size_t)n);
  int64_t *zp = calloc((size_t)n, sizeof(int64_t));
  if (!d || !bs || !zp) {
    free(d);
    free(bs);
    free(zp);
    nq_fail(err, NQ_ERR_NOMEM, "out of memory quantizing a bias");
    return -1;
  }
  for (int c = 0; c < n; c++) bs[c] = s_in * w_scales[c];
  const float *b = (const float *)x->data;
  for (size_t k = 0; k < total; k++) {
    double r = (double)b[k] / (double)bs[n > 1 ? k : 0];
    double v = r >= 0 ? floor(r + 0.5) : -floor(-r + 0.5); /* half away from zero */
    double lim = wide ? 9.0e18 : (double)INT32_MAX;
    if (v > lim) v = lim;
    if (v < -lim) v = -lim;
    if (wide)
      ((int64_t *)d)[k] = (int64_t)v;
    else
      ((int32_t *)d)[k] = (int32_t)v;
  }
  int t = add_like(q, f, bt, wide ? NQ_INT64 : NQ_INT32, err);
  if (t < 0 || nq_tensor_set_data(q, t, (uint8_t *)d, total * elem, err) != NQ_OK ||
      nq_tensor_set_quant(q, t, n, bs, zp, 0, err) != NQ_OK) {
    if (t < 0) free(d);
    free(bs);
    free(zp);
    return -1;
  }
  free(bs);
  free(zp);
  return t;
}

int nq_quant_add_const_affine(nq_graph *q, const nq_graph *f, int ft, nq_affine a, nq_dtype type,
                              nq_error *err) {
  const nq_tensor *x = &f->tensors[ft];
  size_t total = nq_tensor_elems(x);
  bool wide = type == NQ_INT16;
  size_t elem = wide ? sizeof(int16_t) : 1;
  void *d = malloc(elem * (total ? total : 1));
  if (!d) {
    nq_fail(err, NQ_ERR_NOMEM, "out of memory quantizing a constant");
    return -1;
  }
  const float *v = (const float *)x->data;
  for (size_t k = 0; k < total; k++) {
    if (wide)
      ((int16_t *)d)[k] = (int16_t)nq_quantize_value(v[k], a.scale, a.zero_point, -32768, 32767);
    else
      ((int8_t *)d)[k] = (int8_t)nq_quantize_value(v[k], a.scale, a.zero_point, -128, 127);
  }
  int t = add_like(q, f, ft, wide ? NQ_INT16 : NQ_INT8, err);
  int64_t zp = a.zero_point;
  if (t < 0 || nq_tensor_set_data(q, t, (uint8_t *)d, total * elem, err) != NQ_OK ||
      nq_tensor_set_quant(q, t, 1, &a.scale, &zp, 0, err) != NQ_OK) {
    if (t < 0) free(d);
    return -1;
  }
  return t;
}
