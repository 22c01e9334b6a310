/*
 * TensorProto -> constant nq tensor. Values come either from tensor_content
 * (raw little-endian bytes, size checked against the shape) or from the
 * typed *_val lists, where TensorFlow repeats the last value to fill the
 * shape (a single value means "all elements").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/status.h"
#include "frontends/tensorflow/tf_internal.h"

bool tf_dtype_to_nq(int dt, nq_dtype *out) {
  switch (dt) {
    case TF_DT_FLOAT:
    case TF_DT_DOUBLE:
    case TF_DT_HALF:
      *out = NQ_FLOAT32;
      return true;
    case TF_DT_INT32:
      *out = NQ_INT32;
      return true;
    case TF_DT_INT64:
      *out = NQ_INT64;
      return true;
    case TF_DT_BOOL:
      *out = NQ_BOOL;
      return true;
    case TF_DT_INT8:
      *out = NQ_INT8;
      return true;
    case TF_DT_UINT8:
      *out = NQ_UINT8;
      return true;
    case TF_DT_INT16:
      *out = NQ_INT16;
      return true;
    default:
      return false;
  }
}

bool tf_shape_of(const Nqtf__TensorShapeProto *s, int *rank, int64_t *dims) {
  if (!s) {
    *rank = 0;
    return true;
  }
  if (s->unknown_rank || s->n_dim > NQ_MAX_RANK) return false;
  *rank = (int)s->n_dim;
  for (size_t i = 0; i < s->n_dim; i++) dims[i] = s->dim[i]->size;
  return true;
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  float f;
  if (e == 0) {
    f = ldexpf((float)m, -24);
    return sign ? -f : f;
  }
  uint32_t bits = e == 31 ? (sign | 0x7f800000u | (m << 13)) : (sign | ((e - 15 + 127) << 23) | (m << 13));
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* Element i of a typed value list, repeating the last one. */
#define PICK(arr, n, i) ((n) == 0 ? 0 : (arr)[(i) < (n) ? (i) : (n)-1])

nq_status tf_const_from_proto(nq_graph *g, const char *name, const Nqtf__TensorProto *tp, int *out,
                              nq_error *err) {
  const char *file = g->source ? g->source : "?";
  nq_dtype t;
  if (!tf_dtype_to_nq(tp->dtype, &t))
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: constant '%s' has TensorFlow dtype %d, not supported", file,
                   name, tp->dtype);
  int rank;
  int64_t d64[NQ_MAX_RANK];
  if (!tf_shape_of(tp->tensor_shape, &rank, d64))
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: constant '%s' has rank > %d or unknown rank", file, name,
                   NQ_MAX_RANK);
  int32_t dims[NQ_MAX_RANK];
  for (int i = 0; i < rank; i++) {
    if (d64[i] < 0 || d64[i] > INT32_MAX)
      return nq_fail(err, NQ_ERR_FORMAT, "%s: constant '%s' has dimension %lld", file, name,
                     (long long)d64[i]);
    dims[i] = (int32_t)d64[i];
  }
  size_t n;
  if (!nq_shape_elems(dims, rank, NQ_MAX_TENSOR_ELEMS, &n))
    return nq_fail(err, NQ_ERR_NOMEM, "%s: constant '%s' is too large", file, name);
  size_t esz = nq_dtype_size(t), nbytes = n * esz;
  if (!tp->tensor_content.len && n > TF_MAX_EXPANDED_ELEMS)
    return nq_fail(err, NQ_ERR_NOMEM, "%s: constant '%s' expands %zu elements from a value list (limit %zu)",
                   file, name, n, TF_MAX_EXPANDED_ELEMS);
  int ti = nq_graph_add_tensor(g, name, t, rank, dims, err);
  if (ti < 0) return err->code;
  uint8_t *buf = malloc(nbytes ? nbytes : 1);
  if (!buf) return nq_fail(err, NQ_ERR_NOMEM, "%s: constant '%s': out of memory", file, name);
  if (tp->tensor_content.len) {
    size_t src_esz = tp->dtype == TF_DT_DOUBLE ? 8 : tp->dtype == TF_DT_HALF ? 2 : esz;
    if (tp->tensor_content.len != n * src_esz) {
      free(buf);
      return nq_fail(err, NQ_ERR_FORMAT, "%s: constant '%s': tensor_content has %zu bytes, shape needs %zu",
                     file, name, tp->tensor_content.len, n * src_esz);
    }
    const uint8_t *src = tp->tensor_content.data;
    for (size_t i = 0; i < n; i++) {
      if (tp->dtype == TF_DT_DOUBLE) {
        double d;
        memcpy(&d, src + 8 * i, 8);
        float f = (float)d;
        memcpy(buf + 4 * i, &f, 4);
      } else if (tp->dtype == TF_DT_HALF) {
        uint16_t h;
        memcpy(&h, src + 2 * i, 2);
        float f = half_to_float(h);
        memcpy(buf + 4 * i, &f, 4);
      }
    }
    if (tp->dtype != TF_DT_DOUBLE && tp->dtype != TF_DT_HALF) memcpy(buf, src, nbytes);
  } else {
    for (size_t i = 0; i < n; i++) {
      switch (tp->dtype) {
        case TF_DT_FLOAT: {
          float v = PICK(tp->float_val, tp->n_float_val, i);
          memcpy(buf + 4 * i, &v, 4);
          break;
        }
        case TF_DT_DOUBLE: {
          float v = (float)PICK(tp->double_val, tp->n_double_val, i);
          memcpy(buf + 4 * i, &v, 4);
          break;
        }
        case TF_DT_HALF: {
          float v = half_to_float((uint16_t)PICK(tp->half_val, tp->n_half_val, i));
          memcpy(buf + 4 * i, &v, 4);
          break;
        }
        case TF_DT_INT32: {
          int32_t v = PICK(tp->int_val, tp->n_int_val, i);
          memcpy(buf + 4 * i, &v, 4);
          break;
        }
        case TF_DT_INT16: {
          int16_t v = (int16_t)PICK(tp->int_val, tp->n_int_val, i);
          memcpy(buf + 2 * i, &v, 2);
          break;
        }
        case TF_DT_INT8:
        case TF_DT_UINT8:
          buf[i] = (uint8_t)PICK(tp->int_val, tp->n_int_val, i);
          break;
        case TF_DT_INT64: {
          int64_t v = PICK(tp->int64_val, tp->n_int64_val, i);
          memcpy(buf + 8 * i, &v, 8);
          break;
        }
        case TF_DT_BOOL:
          buf[i] = (uint8_t)(PICK(tp->bool_val, tp->n_bool_val, i) != 0);
          break;
        default:
          break;
      }
    }
  }
  nq_status st = nq_tensor_set_data(g, ti, buf, nbytes, err);
  if (st != NQ_OK) return st;
  *out = ti;
  return NQ_OK;
}
