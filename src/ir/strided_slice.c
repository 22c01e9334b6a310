/* STRIDED_SLICE spec expansion (see strided_slice.h). Follows the
 * sparse -> dense algorithm of TensorFlow's strided_slice_op, which TFLite's
 * kernel matches for every mask combination. */
#include "ir/strided_slice.h"

#include <stdio.h>

#define NEW_AXIS (-1)
#define SHRINK_AXIS (-2)

bool nq_strided_slice_plan(const int32_t *in_shape, int in_rank, const int64_t *begin, const int64_t *end,
                           const int64_t *strides, int n, const nq_op_params *p, nq_slice_plan *out,
                           char *why, size_t whylen) {
  if (n < 0 || n > 16) {
    snprintf(why, whylen, "begin/end/strides have %d entries", n);
    return false;
  }
  /* Dense spec per input dimension. */
  int64_t db[NQ_MAX_RANK], de[NQ_MAX_RANK], ds[NQ_MAX_RANK];
  bool dbm[NQ_MAX_RANK], dem[NQ_MAX_RANK], dshrink[NQ_MAX_RANK];
  int gather[2 * NQ_MAX_RANK + 16]; /* output dims: input dim index, NEW_AXIS or SHRINK_AXIS */
  int n_gather = 0;

  int ellipsis = p->ellipsis_mask, new_axis = p->new_axis_mask;
  int sparse_n = n;
  bool has_ellipsis = false;
  for (int i = 0; i < n; i++)
    if (ellipsis & (1 << i)) has_ellipsis = true;
  if (!has_ellipsis) { /* an implicit ellipsis after the last entry */
    ellipsis |= 1 << n;
    sparse_n = n + 1;
  }
  int adds_after_ellipsis = 0;
  {
    bool seen = false;
    for (int i = 0; i < sparse_n; i++) {
      if (seen && (new_axis & (1 << i)) && !(ellipsis & (1 << i))) adds_after_ellipsis++;
      if (ellipsis & (1 << i)) {
        if (seen) {
          snprintf(why, whylen, "more than one ellipsis in ellipsis_mask 0x%x", p->ellipsis_mask);
          return false;
        }
        seen = true;
      }
    }
  }
  int full = 0;
  for (int i = 0; i < sparse_n; i++) {
    if (ellipsis & (1 << i)) {
      int next = in_rank - (sparse_n - i) + 1 + adds_after_ellipsis;
      if (next > in_rank) next = in_rank;
      for (; full < next; full++) {
        db[full] = de[full] = 0;
        ds[full] = 1;
        dbm[full] = dem[full] = true;
        dshrink[full] = false;
        gather[n_gather++] = full;
      }
    } else if (new_axis & (1 << i)) {
      gather[n_gather++] = NEW_AXIS;
    } else {
      if (full >= in_rank) {
        snprintf(why, whylen, "index %d is past the input's rank %d", i, in_rank);
        return false;
      }
      db[full] = begin[i];
      de[full] = end[i];
      ds[full] = strides[i];
      dbm[full] = (p->begin_mask >> i) & 1;
      dem[full] = (p->end_mask >> i) & 1;
      dshrink[full] = (p->shrink_axis_mask >> i) & 1;
      if (p->offset && !dem[full]) de[full] += db[full];
      gather[n_gather++] = dshrink[full] ? SHRINK_AXIS : full;
      full++;
    }
  }
  /* Dimensions not mentioned (only possible with an explicit ellipsis
   * earlier consuming too few) take everything. */
  for (; full < in_rank; full++) {
    db[full] = de[full] = 0;
    ds[full] = 1;
    dbm[full] = dem[full] = true;
    dshrink[full] = false;
    gather[n_gather++] = full;
  }

  out->in_rank = in_rank;
  for (int d = 0; d < in_rank; d++) {
    int64_t dim = in_shape[d], s = ds[d];
    if (s == 0) {
      snprintf(why, whylen, "stride of dimension %d is 0", d);
      return false;
    }
    if (dshrink[d]) {
      int64_t b = db[d] < 0 ? db[d] + dim : db[d];
      if (dbm[d]) b = 0;
      if (b < 0 || b >= dim) {
        snprintf(why, whylen, "shrink index %lld out of range for dimension %d of size %lld",
                 (long long)db[d], d, (long long)dim);
        return false;
      }
      out->begin[d] = b;
      out->stride[d] = 1;
      out->count[d] = 1;
      continue;
    }
    int64_t lo = s > 0 ? 0 : -1, hi = s > 0 ? dim : dim - 1;
    int64_t b, e;
    if (dbm[d]) {
      b = s > 0 ? lo : hi;
    } else {
      b = db[d] < 0 ? db[d] + dim : db[d];
      b = b < lo ? lo : b > hi ? hi : b;
    }
    if (dem[d]) {
      e = s > 0 ? hi : lo;
    } else {
      e = de[d] < 0 ? de[d] + dim : de[d];
      e = e < lo ? lo : e > hi ? hi : e;
    }
    int64_t interval = e - b, cnt;
    if (interval == 0 || (interval < 0) != (s < 0))
      cnt = 0;
    else
      cnt = interval / s + (interval % s != 0);
    out->begin[d] = b;
    out->stride[d] = s;
    out->count[d] = cnt;
  }
  int r = 0;
  for (int i = 0; i < n_gather; i++) {
    if (gather[i] == SHRINK_AXIS) continue;
    if (r >= NQ_MAX_RANK) {
      snprintf(why, whylen, "output rank exceeds %d", NQ_MAX_RANK);
      return false;
    }
    out->out_shape[r++] = gather[i] == NEW_AXIS ? 1 : (int32_t)out->count[gather[i]];
  }
  out->out_rank = r;
  return true;
}
