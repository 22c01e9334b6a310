/* Shared helpers of the integer kernels; see int8_common.h. */
#include "exec/int8/int8_common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

nq_status nq_i8_fail(const nq_kernel_args *a, nq_error *err, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *op = a->node ? nq_op_name(a->node->op) : "?";
  const char *name = a->node && a->node->name ? a->node->name : "";
  return nq_fail(err, NQ_ERR_UNSUPPORTED, "int8 %s node %d%s%s%s: %s", op, a->node_index, *name ? " '" : "",
                 name, *name ? "'" : "", msg);
}

void nq_i8_type_range(nq_dtype t, int32_t *qmin, int32_t *qmax) {
  switch (t) {
    case NQ_UINT8:
      *qmin = 0;
      *qmax = 255;
      break;
    case NQ_INT16:
      *qmin = INT16_MIN;
      *qmax = INT16_MAX;
      break;
    case NQ_INT32:
      *qmin = INT32_MIN;
      *qmax = INT32_MAX;
      break;
    default:
      *qmin = -128;
      *qmax = 127;
      break;
  }
}

nq_status nq_i8_need_q8(const nq_kernel_args *a, const nq_tview *v, const char *what, nq_error *err) {
  if (!v || !v->data) return nq_i8_fail(a, err, "%s is missing", what);
  if (!nq_i8_is_q8(v->type))
    return nq_i8_fail(a, err, "%s has type %s, int8 or uint8 expected", what, nq_dtype_name(v->type));
  return NQ_OK;
}

nq_status nq_i8_need_qact(const nq_kernel_args *a, const nq_tview *v, const char *what, nq_error *err) {
  if (!v || !v->data) return nq_i8_fail(a, err, "%s is missing", what);
  if (!nq_i8_is_q8(v->type) && v->type != NQ_INT16)
    return nq_i8_fail(a, err, "%s has type %s, int8, uint8 or int16 expected", what, nq_dtype_name(v->type));
  return NQ_OK;
}

nq_status nq_i8_qparams(const nq_kernel_args *a, const nq_tview *v, const char *what, float *scale,
                        int32_t *zp, nq_error *err) {
  if (!v->q || v->q->n < 1 || !v->q->scale || !v->q->zero_point)
    return nq_i8_fail(a, err, "%s (%s) has no quantization parameters", what, nq_dtype_name(v->type));
  float s = v->q->scale[0];
  int64_t z = v->q->zero_point[0];
  if (!(s > 0.0f) || !isfinite(s))
    return nq_i8_fail(a, err, "%s has scale %g, a positive finite scale expected", what, (double)s);
  int32_t lo, hi;
  nq_i8_type_range(v->type, &lo, &hi);
  if (z < lo || z > hi)
    return nq_i8_fail(a, err, "%s has zero point %lld outside [%d, %d]", what, (long long)z, (int)lo,
                      (int)hi);
  *scale = s;
  *zp = (int32_t)z;
  return NQ_OK;
}

int nq_i8_pad_before(int in, int out, int stride, int dilation, int filter) {
  int64_t eff = (int64_t)(filter - 1) * dilation + 1;
  int64_t total = (int64_t)(out - 1) * stride + eff - in;
  if (total < 0) total = 0;
  if (total > INT32_MAX) total = INT32_MAX;
  return (int)(total / 2);
}

nq_status nq_i8_check_rank4(const nq_kernel_args *a, const nq_tview *v, const char *what, nq_error *err) {
  if (v->rank != 4) return nq_i8_fail(a, err, "%s has rank %d, 4 expected", what, v->rank);
  return NQ_OK;
}

nq_status nq_i8_check_window(const nq_kernel_args *a, const char *dim, int in, int out, int stride,
                             int dilation, int filter, nq_error *err) {
  if (stride < 1 || dilation < 1 || filter < 1 || in < 0 || out < 0)
    return nq_i8_fail(a, err, "%s: stride %d, dilation %d, filter %d must be >= 1", dim, stride, dilation,
                      filter);
  const int64_t reach = (int64_t)(out > 0 ? out - 1 : 0) * stride + (int64_t)(filter - 1) * dilation;
  if (reach + in >= (int64_t)1 << 30)
    return nq_i8_fail(a, err, "%s: window reaches %lld, too far", dim, (long long)reach);
  return NQ_OK;
}

nq_status nq_i8_bcast_strides(const nq_kernel_args *a, const nq_tview *in, const nq_tview *out,
                              int64_t strides[NQ_MAX_RANK], nq_error *err) {
  if (in->rank > out->rank)
    return nq_i8_fail(a, err, "input rank %d exceeds output rank %d", in->rank, out->rank);
  int64_t st = 1;
  for (int d = out->rank - 1; d >= 0; d--) {
    int k = d - (out->rank - in->rank);
    int32_t dim = k >= 0 ? in->shape[k] : 1;
    if (dim == out->shape[d]) {
      strides[d] = dim == 1 ? 0 : st;
    } else if (dim == 1) {
      strides[d] = 0;
    } else {
      return nq_i8_fail(a, err, "input dim %d (%d) does not broadcast to output dim %d", k, (int)dim,
                        (int)out->shape[d]);
    }
    st *= dim;
  }
  return NQ_OK;
}

void nq_i8_iter_init(nq_i8_iter *it, const nq_tview *out, const int64_t *st0, const int64_t *st1) {
  it->rank = out->rank;
  for (int d = 0; d < out->rank; d++) {
    it->shape[d] = out->shape[d];
    it->idx[d] = 0;
    it->st0[d] = st0 ? st0[d] : 0;
    it->st1[d] = st1 ? st1[d] : 0;
  }
  it->off0 = it->off1 = 0;
}

void nq_i8_iter_next(nq_i8_iter *it) {
  for (int d = it->rank - 1; d >= 0; d--) {
    if (++it->idx[d] < it->shape[d]) {
      it->off0 += it->st0[d];
      it->off1 += it->st1[d];
      return;
    }
    it->idx[d] = 0;
    it->off0 -= it->st0[d] * (it->shape[d] - 1);
    it->off1 -= it->st1[d] * (it->shape[d] - 1);
  }
}

nq_status nq_i8_alloc_prepared(const nq_kernel_args *a, size_t size, void **out, nq_error *err) {
  *out = calloc(1, size ? size : 1);
  if (!*out) {
    nq_i8_fail(a, err, "out of memory preparing %zu bytes", size);
    err->code = NQ_ERR_NOMEM;
    return NQ_ERR_NOMEM;
  }
  return NQ_OK;
}

bool nq_i8_const_int(const nq_tview *v, size_t i, int64_t *out) {
  if (!v || !v->data) return false;
  if (v->type == NQ_INT32) {
    *out = ((const int32_t *)v->data)[i];
    return true;
  }
  if (v->type == NQ_INT64) {
    *out = ((const int64_t *)v->data)[i];
    return true;
  }
  return false;
}

void nq_i8_centre(const nq_tview *in, int32_t zp, int16_t *dst) {
  size_t n = nq_tview_elems(in);
  if (in->type == NQ_UINT8) {
    const uint8_t *s = in->data;
    for (size_t i = 0; i < n; i++) dst[i] = (int16_t)((int32_t)s[i] - zp);
  } else {
    const int8_t *s = in->data;
    for (size_t i = 0; i < n; i++) dst[i] = (int16_t)((int32_t)s[i] - zp);
  }
}

nq_status nq_i8_reduce_strides(const nq_kernel_args *a, const nq_tview *in, const bool reduced[NQ_MAX_RANK],
                               size_t out_n, int64_t strides[NQ_MAX_RANK], nq_error *err) {
  int64_t s = 1;
  size_t kept_n = 1;
  for (int d = in->rank - 1; d >= 0; d--) {
    strides[d] = reduced[d] ? 0 : s;
    if (!reduced[d]) {
      s *= in->shape[d];
      kept_n *= (size_t)in->shape[d];
    }
  }
  if (kept_n != out_n) return nq_i8_fail(a, err, "output has %zu elements, %zu expected", out_n, kept_n);
  return NQ_OK;
}
