#include "calib/feed.h"

#include <math.h>
#include <stdint.h>

#include "core/status.h"
#include "quant/qparams.h"

nq_status nq_feed_input(nq_session *s, const nq_tensor *x, int i, const float *v, size_t n, void *tmp,
                        nq_error *err) {
  const char *nm = x->name ? x->name : "?";
  switch (x->type) {
    case NQ_FLOAT32: return nq_session_set_input(s, i, v, n * sizeof(float), err);
    case NQ_INT8:
    case NQ_UINT8: {
      if (x->q.n < 1)
        return nq_fail(err, NQ_ERR_INVALID_ARG, "input '%s' is %s without quantization parameters", nm,
                       nq_dtype_name(x->type));
      const float sc = x->q.scale[0];
      const int32_t zp = (int32_t)x->q.zero_point[0];
      const bool u8 = x->type == NQ_UINT8;
      for (size_t k = 0; k < n; k++) {
        int32_t q = nq_quantize_value(v[k], sc, zp, u8 ? 0 : -128, u8 ? 255 : 127);
        if (u8)
          ((uint8_t *)tmp)[k] = (uint8_t)q;
        else
          ((int8_t *)tmp)[k] = (int8_t)q;
      }
      return nq_session_set_input(s, i, tmp, n, err);
    }
    case NQ_INT32:
    case NQ_INT64:
    case NQ_BOOL:
      for (size_t k = 0; k < n; k++) {
        double r = nearbyint((double)v[k]);
        if (!(r >= -2147483648.0 && r <= 2147483647.0))
          return nq_fail(err, NQ_ERR_INVALID_ARG, "input '%s' is %s: value %g at element %zu does not fit", nm,
                         nq_dtype_name(x->type), (double)v[k], k);
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
