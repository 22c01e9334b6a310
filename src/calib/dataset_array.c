/* .npy/.npz arrays as samples: shape fitting and conversion to float32. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "calib/dataset_internal.h"
#include "core/checked.h"
#include "core/status.h"

/* Shapes equal after dropping every dimension of size 1. */
static int squeeze_equal(const int32_t *a, int ra, const int32_t *b, int rb) {
  int i = 0, j = 0;
  while (1) {
    while (i < ra && a[i] == 1) i++;
    while (j < rb && b[j] == 1) j++;
    if (i == ra || j == rb) return i == ra && j == rb;
    if (a[i] != b[j]) return 0;
    i++, j++;
  }
}

nq_status ds_fit_array(const nq_dataset *ds, const char *label, int rank, const int32_t *shape,
                       size_t *n_samples, int *stacked, nq_error *err) {
  const nq_input_spec *sp = &ds->spec;
  if (squeeze_equal(shape, rank, sp->shape, sp->rank)) {
    *n_samples = 1;
    *stacked = 0;
    return NQ_OK;
  }
  if (rank >= 1 && shape[0] > 0 && squeeze_equal(shape + 1, rank - 1, sp->shape, sp->rank)) {
    *n_samples = (size_t)shape[0];
    *stacked = 1;
    return NQ_OK;
  }
  char a[128], b[128];
  nq_shape_str(shape, rank, a, sizeof a);
  nq_shape_str(sp->shape, sp->rank, b, sizeof b);
  return nq_fail(err, NQ_ERR_SHAPE,
                 "%s: array shape %s does not fit input%s%s%s of shape %s: expected %s itself or "
                 "a stack (K, ...) of it (size-1 dimensions may be left out)",
                 label, a, sp->name ? " '" : "", sp->name ? sp->name : "", sp->name ? "'" : "", b, b);
}

/* IEEE half to float, exact (every half is a float). */
static float half_to_float(uint16_t h) {
  int sign = h >> 15, exp = (h >> 10) & 0x1F, man = h & 0x3FF;
  float v;
  if (exp == 0)
    v = ldexpf((float)man, -24);
  else if (exp == 31)
    v = man ? NAN : INFINITY;
  else
    v = ldexpf((float)(man | 0x400), exp - 25);
  return sign ? -v : v;
}

/* The multi-index of flat element `flat` in shape, as "[i, j, k]". */
static void index_str(size_t flat, const int32_t *shape, int rank, char *buf, size_t n) {
  size_t idx[NQ_NPY_MAX_RANK];
  for (int d = rank - 1; d >= 0; d--) {
    size_t dim = shape[d] > 0 ? (size_t)shape[d] : 1;
    idx[d] = flat % dim;
    flat /= dim;
  }
  size_t used = 0;
  used += (size_t)snprintf(buf, n, "[");
  for (int d = 0; d < rank && used < n; d++)
    used += (size_t)snprintf(buf + used, n - used, d ? ", %zu" : "%zu", idx[d]);
  if (used < n) snprintf(buf + used, n - used, "]");
}

nq_status ds_array_sample(const nq_array *a, size_t index, size_t elems, const char *label, float *dst,
                          nq_error *err) {
  size_t first, end;
  if (!nq_mul_size(index, elems, &first) || !nq_add_size(first, elems, &end) || end > a->nelems)
    return nq_fail(err, NQ_ERR_SHAPE, "%s: sample %zu of %zu elements is past the array's %zu", label, index,
                   elems, a->nelems);
  const unsigned char *base = a->data;
  for (size_t k = 0; k < elems; k++) {
    size_t e = first + k;
    float v;
    switch (a->type) {
      case NQ_FLOAT32:
        memcpy(&v, base + 4 * e, 4);
        break;
      case NQ_FLOAT16: {
        uint16_t h;
        memcpy(&h, base + 2 * e, 2);
        v = half_to_float(h);
        break;
      }
      case NQ_INT8:
        v = (float)((const int8_t *)a->data)[e];
        break;
      case NQ_UINT8:
        v = (float)base[e];
        break;
      case NQ_BOOL:
        v = base[e] ? 1.0f : 0.0f;
        break;
      case NQ_INT16: {
        int16_t x;
        memcpy(&x, base + 2 * e, 2);
        v = (float)x;
        break;
      }
      case NQ_INT32: {
        int32_t x;
        memcpy(&x, base + 4 * e, 4);
        v = (float)x;
        break;
      }
      case NQ_INT64: {
        int64_t x;
        memcpy(&x, base + 8 * e, 8);
        v = (float)x;
        break;
      }
      default:
        return nq_fail(err, NQ_ERR_FORMAT, "%s: element type %s cannot be used as data", label,
                       nq_dtype_name(a->type));
    }
    if (!isfinite(v)) {
      char idx[160];
      index_str(e, a->shape, a->rank, idx, sizeof idx);
      return nq_fail(err, NQ_ERR_NUMERIC, "%s: element %s is %s", label, idx, isnan(v) ? "NaN" : "infinite");
    }
    dst[k] = v;
  }
  return NQ_OK;
}
