#include "calib/feed.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/status.h"
#include "quant/qparams.h"

nq_status nq_feed_input(nq_session *s, const nq_tensor *x, int i, const float *v, size_t n, void *tmp,
                        nq_error *err) {
  const char *nm = x->name ? x->name : "?";
  switch (x->type) {
    case NQ_FLOAT32:
      return nq_session_set_input(s, i, v, n * sizeof(float), err);
    case NQ_INT8:
    case NQ_UINT8: {
      if (x->q.n < 1)
        return nq_fail(err, NQ_ERR_INVALID_ARG, "input '%s' is %s without quantization parameters", nm,
                       nq_dtype_name(x->type));
      nq_quantize_array(v, n, x->type == NQ_UINT8, x->q.scale[0], (int32_t)x->q.zero_point[0], tmp);
      return nq_session_set_input(s, i, tmp, n, err);
    }
    case NQ_INT16: /* a 16x8 model's int16 input */
      if (x->q.n < 1)
        return nq_fail(err, NQ_ERR_INVALID_ARG, "input '%s' is int16 without quantization parameters", nm);
      for (size_t k = 0; k < n; k++)
        ((int16_t *)tmp)[k] =
            (int16_t)nq_quantize_value(v[k], x->q.scale[0], (int32_t)x->q.zero_point[0], -32768, 32767);
      return nq_session_set_input(s, i, tmp, n * sizeof(int16_t), err);
    case NQ_INT32:
    case NQ_INT64:
    case NQ_BOOL:
      for (size_t k = 0; k < n; k++) {
        double r = nearbyint((double)v[k]);
        if (!(r >= -2147483648.0 && r <= 2147483647.0))
          return nq_fail(err, NQ_ERR_INVALID_ARG, "input '%s' is %s: value %g at element %zu does not fit",
                         nm, nq_dtype_name(x->type), (double)v[k], k);
        if (x->type == NQ_INT32)
          ((int32_t *)tmp)[k] = (int32_t)r;
        else if (x->type == NQ_INT64)
          ((int64_t *)tmp)[k] = (int64_t)r;
        else
          ((uint8_t *)tmp)[k] = r != 0;
      }
      return nq_session_set_input(s, i, tmp, n * nq_dtype_size(x->type), err);
    default:
      return nq_fail(err, NQ_ERR_UNSUPPORTED, "input '%s' is %s: samples cannot be fed to it", nm,
                     nq_dtype_name(x->type));
  }
}

nq_status nq_feeder_init(nq_feeder *f, const nq_graph *g, nq_error *err) {
  size_t max_in = 1;
  for (int i = 0; i < g->n_inputs; i++) {
    size_t e = nq_tensor_elems(&g->tensors[g->inputs[i]]);
    if (e > max_in) max_in = e;
  }
  f->buf = malloc(max_in * sizeof(float));
  f->tmp = malloc(max_in * 8); /* the widest input type, int64 */
  if (!f->buf || !f->tmp) {
    nq_feeder_free(f);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for a model input of %zu values", max_in);
  }
  return NQ_OK;
}

void nq_feeder_free(nq_feeder *f) {
  free(f->buf);
  free(f->tmp);
  f->buf = NULL;
  f->tmp = NULL;
}

nq_status nq_feed_sample(nq_feeder *f, const nq_sample_source *src, int k, int n, nq_session *const *s,
                         const nq_graph *const *g, nq_error *err) {
  for (int i = 0; i < g[0]->n_inputs; i++) {
    size_t ne = nq_tensor_elems(&g[0]->tensors[g[0]->inputs[i]]);
    NQ_TRY(src->fill(src->ctx, k, i, f->buf, ne, err));
    for (int j = 0; j < n; j++)
      NQ_TRY(nq_feed_input(s[j], &g[j]->tensors[g[j]->inputs[i]], i, f->buf, ne, f->tmp, err));
  }
  return NQ_OK;
}
