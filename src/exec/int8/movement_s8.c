/*
 * Data-movement ops on the integer side. They never change values, so they
 * are byte-generic (any element size: int8, uint8, int16, int32, int64,
 * bool) and serve the int32 shape arithmetic that sits between quantized
 * ops too. TFLite requires the same scale and zero point on input and
 * output for all of them; where they create elements (PAD, SPACE_TO_BATCH)
 * the new elements are the output zero point (a real 0), or PADV2's
 * constant.
 *
 * RESHAPE SQUEEZE EXPAND_DIMS: copy.  TRANSPOSE (perm, input 1).
 * SLICE (begin, size).  STRIDED_SLICE (begin, end, strides and every mask,
 * through ir/strided_slice.h so kernel and shape inference agree).
 * PAD PADV2 (paddings [rank, 2]).  MIRROR_PAD (REFLECT/SYMMETRIC).
 * SPLIT (axis, input) SPLIT_V (input, sizes, axis).  PACK UNPACK (p->axis).
 * GATHER (params, indices; p->axis, batch_dims 0; indices are checked).
 * TILE (multiples, input 1).
 * SPACE_TO_DEPTH DEPTH_TO_SPACE (NHWC, p->block_size).
 * SPACE_TO_BATCH_ND BATCH_TO_SPACE_ND (NHWC, block [2], paddings/crops [2,2]).
 */
#include "exec/int8/int8_kernels.h"
#include "ir/strided_slice.h"

#include <string.h>

static inline void cp(void *dst, size_t di, const void *src, size_t si, size_t es) {
  if (es == 1)
    ((uint8_t *)dst)[di] = ((const uint8_t *)src)[si];
  else
    memcpy((char *)dst + di * es, (const char *)src + si * es, es);
}

/* Row-major element strides of a view. */
static void strides_of(const nq_tview *v, int64_t st[NQ_MAX_RANK]) {
  int64_t s = 1;
  for (int d = v->rank - 1; d >= 0; d--) {
    st[d] = s;
    s *= v->shape[d];
  }
}

/* The value new elements get: PADV2's constant, the output zero point of a
 * quantized output, or 0. Written as raw bytes of one element. */
static nq_status fill_value(const nq_kernel_args *a, const nq_tview *cval, uint8_t buf[8], nq_error *err) {
  const nq_tview *out = &a->out[0];
  const size_t es = nq_dtype_size(out->type);
  memset(buf, 0, 8);
  if (cval && cval->data) {
    if (cval->type != out->type || nq_tview_elems(cval) < 1)
      return nq_i8_fail(a, err, "constant value must be one %s", nq_dtype_name(out->type));
    memcpy(buf, cval->data, es);
  } else if (nq_i8_is_q8(out->type) && out->q && out->q->n >= 1) {
    int32_t lo, hi;
    nq_i8_type_range(out->type, &lo, &hi);
    int64_t z = out->q->zero_point[0];
    nq_i8_st(buf, out->type, 0, (int32_t)(z < lo ? lo : z > hi ? hi : z));
  }
  return NQ_OK;
}

/* Copy out[i] = in[base + sum idx_d * st[d]] over the shape `shape`. */
static void strided_copy(const nq_tview *in, void *dst, int rank, const int32_t *shape, int64_t base,
                         const int64_t *st) {
  nq_tview v = {.type = in->type, .rank = rank};
  size_t n = 1;
  for (int d = 0; d < rank; d++) {
    v.shape[d] = shape[d];
    n *= (size_t)shape[d];
  }
  const size_t es = nq_dtype_size(in->type);
  nq_i8_iter it;
  nq_i8_iter_init(&it, &v, st, NULL);
  for (size_t i = 0; i < n; i++, nq_i8_iter_next(&it)) cp(dst, i, in->data, (size_t)(base + it.off0), es);
}

static nq_status same_type(const nq_kernel_args *a, nq_error *err) {
  if (a->n_in < 1 || a->n_out < 1 || !a->in[0].data)
    return nq_i8_fail(a, err, "needs an input and an output");
  for (int k = 0; k < a->n_out; k++)
    if (a->out[k].type != a->in[0].type)
      return nq_i8_fail(a, err, "output %d type %s differs from input %s", k, nq_dtype_name(a->out[k].type),
                        nq_dtype_name(a->in[0].type));
  return NQ_OK;
}

static nq_status read_ints(const nq_kernel_args *a, int idx, size_t want, int64_t *dst, const char *what,
                           nq_error *err) {
  if (idx >= a->n_in) return nq_i8_fail(a, err, "%s input is missing", what);
  const nq_tview *v = &a->in[idx];
  if (nq_tview_elems(v) < want)
    return nq_i8_fail(a, err, "%s has %zu values, %zu expected", what, nq_tview_elems(v), want);
  for (size_t i = 0; i < want; i++)
    if (!nq_i8_const_int(v, i, &dst[i])) return nq_i8_fail(a, err, "%s must be int32/int64", what);
  return NQ_OK;
}

/* ---- RESHAPE / SQUEEZE / EXPAND_DIMS ---- */
nq_status nq_i8_copy_run(const nq_kernel_args *a, nq_error *err) {
  NQ_TRY(same_type(a, err));
  const size_t n = nq_tview_elems(&a->in[0]);
  if (n != nq_tview_elems(&a->out[0]))
    return nq_i8_fail(a, err, "input has %zu elements, output %zu", n, nq_tview_elems(&a->out[0]));
  if (a->out[0].data != a->in[0].data)
    memmove(a->out[0].data, a->in[0].data, n * nq_dtype_size(a->in[0].type));
  return NQ_OK;
}

/* The copy TRANSPOSE, SLICE and STRIDED_SLICE end with: the reference's
 * strided_copy, or the fast kernels' nq_i8_strided_copy_fast (the same
 * mapping; tests/kernels_fast compares them). */
typedef void (*copy_fn)(const nq_tview *in, void *dst, int rank, const int32_t *shape, int64_t base,
                        const int64_t *st);

/* ---- TRANSPOSE ---- */
static nq_status transpose_with(const nq_kernel_args *a, copy_fn copy, nq_error *err) {
  NQ_TRY(same_type(a, err));
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  const int r = in->rank;
  int64_t perm[NQ_MAX_RANK], st_in[NQ_MAX_RANK], st[NQ_MAX_RANK];
  NQ_TRY(read_ints(a, 1, (size_t)r, perm, "perm", err));
  strides_of(in, st_in);
  bool seen[NQ_MAX_RANK] = {false};
  if (out->rank != r) return nq_i8_fail(a, err, "output rank %d, %d expected", out->rank, r);
  for (int d = 0; d < r; d++) {
    int64_t p = perm[d] < 0 ? perm[d] + r : perm[d];
    if (p < 0 || p >= r || seen[p] || out->shape[d] != in->shape[p])
      return nq_i8_fail(a, err, "perm[%d] = %lld is invalid", d, (long long)perm[d]);
    seen[p] = true;
    st[d] = st_in[p];
  }
  copy(in, out->data, r, out->shape, 0, st);
  return NQ_OK;
}
nq_status nq_i8_transpose_run(const nq_kernel_args *a, nq_error *err) {
  return transpose_with(a, strided_copy, err);
}
nq_status nq_i8_transpose_fast_run(const nq_kernel_args *a, nq_error *err) {
  return transpose_with(a, nq_i8_strided_copy_fast, err);
}

/* ---- SLICE ---- */
static nq_status slice_with(const nq_kernel_args *a, copy_fn copy, nq_error *err) {
  NQ_TRY(same_type(a, err));
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  const int r = in->rank;
  int64_t begin[NQ_MAX_RANK], st[NQ_MAX_RANK];
  NQ_TRY(read_ints(a, 1, (size_t)r, begin, "begin", err));
  strides_of(in, st);
  if (out->rank != r) return nq_i8_fail(a, err, "output rank %d, %d expected", out->rank, r);
  int64_t base = 0;
  for (int d = 0; d < r; d++) {
    if (begin[d] < 0 || begin[d] + out->shape[d] > in->shape[d])
      return nq_i8_fail(a, err, "dim %d: begin %lld + size %d exceeds %d", d, (long long)begin[d],
                        (int)out->shape[d], (int)in->shape[d]);
    base += begin[d] * st[d];
  }
  copy(in, out->data, r, out->shape, base, st);
  return NQ_OK;
}
nq_status nq_i8_slice_run(const nq_kernel_args *a, nq_error *err) { return slice_with(a, strided_copy, err); }
nq_status nq_i8_slice_fast_run(const nq_kernel_args *a, nq_error *err) {
  return slice_with(a, nq_i8_strided_copy_fast, err);
}

/* ---- STRIDED_SLICE (index arithmetic shared with shape inference) ---- */
static nq_status strided_slice_with(const nq_kernel_args *a, copy_fn copy, nq_error *err) {
  NQ_TRY(same_type(a, err));
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  if (a->n_in < 4) return nq_i8_fail(a, err, "%d inputs, 4 expected", a->n_in);
  const size_t k = nq_tview_elems(&a->in[1]);
  if (k > NQ_MAX_RANK || nq_tview_elems(&a->in[2]) != k || nq_tview_elems(&a->in[3]) != k)
    return nq_i8_fail(a, err, "begin/end/strides must have the same length <= %d", NQ_MAX_RANK);
  int64_t b[NQ_MAX_RANK], e[NQ_MAX_RANK], s[NQ_MAX_RANK], st_in[NQ_MAX_RANK], st[NQ_MAX_RANK];
  NQ_TRY(read_ints(a, 1, k, b, "begin", err));
  NQ_TRY(read_ints(a, 2, k, e, "end", err));
  NQ_TRY(read_ints(a, 3, k, s, "strides", err));
  nq_slice_plan plan;
  char why[256];
  if (!nq_strided_slice_plan(in->shape, in->rank, b, e, s, (int)k, a->p, &plan, why, sizeof why))
    return nq_i8_fail(a, err, "%s", why);
  strides_of(in, st_in);
  int32_t cnt[NQ_MAX_RANK];
  int64_t base = 0;
  size_t total = 1;
  for (int d = 0; d < in->rank; d++) {
    cnt[d] = (int32_t)plan.count[d];
    total *= (size_t)plan.count[d];
    base += plan.begin[d] * st_in[d];
    st[d] = plan.stride[d] * st_in[d];
  }
  if (total != nq_tview_elems(out))
    return nq_i8_fail(a, err, "slice has %zu elements, output %zu", total, nq_tview_elems(out));
  if (total) copy(in, out->data, in->rank, cnt, base, st);
  return NQ_OK;
}
nq_status nq_i8_strided_slice_run(const nq_kernel_args *a, nq_error *err) {
  return strided_slice_with(a, strided_copy, err);
}
nq_status nq_i8_strided_slice_fast_run(const nq_kernel_args *a, nq_error *err) {
  return strided_slice_with(a, nq_i8_strided_copy_fast, err);
}

/* ---- PAD / PADV2 ---- */
/* Checks shared by both PAD bodies: the output element offset of input
 * element 0 (base), the output strides and the fill bytes. */
static nq_status pad_plan(const nq_kernel_args *a, int64_t *base_out, int64_t st_out[NQ_MAX_RANK],
                          uint8_t fill[8], nq_error *err) {
  NQ_TRY(same_type(a, err));
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  const int r = in->rank;
  int64_t pads[2 * NQ_MAX_RANK];
  NQ_TRY(read_ints(a, 1, 2 * (size_t)r, pads, "paddings", err));
  if (out->rank != r) return nq_i8_fail(a, err, "output rank %d, %d expected", out->rank, r);
  strides_of(out, st_out);
  int64_t base = 0;
  for (int d = 0; d < r; d++) {
    if (pads[2 * d] < 0 || pads[2 * d + 1] < 0 ||
        in->shape[d] + pads[2 * d] + pads[2 * d + 1] != out->shape[d])
      return nq_i8_fail(a, err, "dim %d: paddings %lld,%lld do not match", d, (long long)pads[2 * d],
                        (long long)pads[2 * d + 1]);
    base += pads[2 * d] * st_out[d];
  }
  *base_out = base;
  return fill_value(a, a->node->op == NQ_OP_PADV2 && a->n_in > 2 ? &a->in[2] : NULL, fill, err);
}

nq_status nq_i8_pad_run(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  int64_t base, st_out[NQ_MAX_RANK];
  uint8_t fill[8];
  NQ_TRY(pad_plan(a, &base, st_out, fill, err));
  const size_t es = nq_dtype_size(out->type), n_out = nq_tview_elems(out);
  for (size_t i = 0; i < n_out; i++) cp(out->data, i, fill, 0, es);
  nq_i8_iter it;
  nq_i8_iter_init(&it, in, st_out, NULL);
  const size_t n_in = nq_tview_elems(in);
  for (size_t i = 0; i < n_in; i++, nq_i8_iter_next(&it))
    cp(out->data, (size_t)(base + it.off0), in->data, i, es);
  return NQ_OK;
}

/* The same result (int8_fast_table.c): one memset for fills of one repeated
 * byte (any 8-bit fill, an int16 0), then
 * one memcpy per input block over the unpadded inner dims instead of an
 * index per element. */
nq_status nq_i8_pad_fast_run(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  int64_t base, st_out[NQ_MAX_RANK];
  uint8_t fill[8];
  NQ_TRY(pad_plan(a, &base, st_out, fill, err));
  const size_t es = nq_dtype_size(out->type), n_out = nq_tview_elems(out), n_in = nq_tview_elems(in);
  bool one_byte = true; /* the fill is one byte repeated (int16 0, say) */
  for (size_t b = 1; b < es; b++) one_byte &= fill[b] == fill[0];
  if (one_byte)
    memset(out->data, fill[0], n_out * es);
  else
    for (size_t i = 0; i < n_out; i++) cp(out->data, i, fill, 0, es);
  const int r = in->rank;
  if (n_in == 0) return NQ_OK;
  if (r == 0) {
    cp(out->data, (size_t)base, in->data, 0, es);
    return NQ_OK;
  }
  /* Dims after q have no padding, so each input block over dims [q, r) is
   * contiguous in the output too: one memcpy (a whole image row of
   * [H, W, 3] padded in H and W, not 3 bytes at a time). */
  int q = r - 1;
  while (q > 0 && in->shape[q] == out->shape[q]) q--;
  size_t row = 1;
  for (int d = q; d < r; d++) row *= (size_t)in->shape[d];
  const size_t rows = n_in / row;
  int32_t idx[NQ_MAX_RANK] = {0};
  const char *src = in->data;
  char *dst = out->data;
  for (size_t k = 0; k < rows; k++) {
    int64_t off = base;
    for (int d = 0; d < q; d++) off += idx[d] * st_out[d];
    memcpy(dst + (size_t)off * es, src + k * row * es, row * es);
    for (int d = q - 1; d >= 0; d--) { /* odometer over the outer input dims */
      if (++idx[d] < in->shape[d]) break;
      idx[d] = 0;
    }
  }
  return NQ_OK;
}

/* ---- MIRROR_PAD ---- */
nq_status nq_i8_mirror_pad_run(const nq_kernel_args *a, nq_error *err) {
  NQ_TRY(same_type(a, err));
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  const int r = in->rank;
  int64_t pads[2 * NQ_MAX_RANK], st_in[NQ_MAX_RANK];
  NQ_TRY(read_ints(a, 1, 2 * (size_t)r, pads, "paddings", err));
  const int sym = a->p->mirror_mode == 1;
  for (int d = 0; d < r; d++) {
    const int64_t lim = in->shape[d] - (sym ? 0 : 1);
    if (pads[2 * d] < 0 || pads[2 * d + 1] < 0 || pads[2 * d] > lim || pads[2 * d + 1] > lim ||
        out->rank != r || in->shape[d] + pads[2 * d] + pads[2 * d + 1] != out->shape[d])
      return nq_i8_fail(a, err, "dim %d: paddings %lld,%lld invalid for size %d", d, (long long)pads[2 * d],
                        (long long)pads[2 * d + 1], (int)in->shape[d]);
  }
  strides_of(in, st_in);
  const size_t es = nq_dtype_size(out->type), n = nq_tview_elems(out);
  int32_t idx[NQ_MAX_RANK] = {0};
  for (size_t i = 0; i < n; i++) {
    int64_t off = 0;
    for (int d = 0; d < r; d++) {
      int64_t x = idx[d] - pads[2 * d];
      const int64_t m = in->shape[d];
      if (x < 0)
        x = sym ? -x - 1 : -x;
      else if (x >= m)
        x = sym ? 2 * m - 1 - x : 2 * m - 2 - x;
      off += x * st_in[d];
    }
    cp(out->data, i, in->data, (size_t)off, es);
    for (int d = r - 1; d >= 0; d--) {
      if (++idx[d] < out->shape[d]) break;
      idx[d] = 0;
    }
  }
  return NQ_OK;
}

/* Outer/inner element counts around `axis` of a view. */
static void outer_inner(const nq_tview *v, int axis, size_t *outer, size_t *inner) {
  *outer = 1;
  *inner = 1;
  for (int d = 0; d < axis; d++) *outer *= (size_t)v->shape[d];
  for (int d = axis + 1; d < v->rank; d++) *inner *= (size_t)v->shape[d];
}

/* ---- SPLIT / SPLIT_V ---- */
nq_status nq_i8_split_run(const nq_kernel_args *a, nq_error *err) {
  const bool v = a->node->op == NQ_OP_SPLIT_V;
  if (a->n_in < 2) return nq_i8_fail(a, err, "%d inputs, at least 2 expected", a->n_in);
  const nq_tview *in = v ? &a->in[0] : &a->in[1];
  int64_t axv;
  if (!nq_i8_const_int(v ? (a->n_in > 2 ? &a->in[2] : NULL) : &a->in[0], 0, &axv))
    return nq_i8_fail(a, err, "axis must be a constant int32/int64");
  const int r = in->rank;
  if (axv < -r || axv >= r) return nq_i8_fail(a, err, "axis %lld out of range", (long long)axv);
  const int axis = (int)(axv < 0 ? axv + r : axv);
  size_t outer, inner;
  outer_inner(in, axis, &outer, &inner);
  const size_t es = nq_dtype_size(in->type), row = (size_t)in->shape[axis] * inner;
  size_t base = 0;
  for (int k = 0; k < a->n_out; k++) {
    const nq_tview *o = &a->out[k];
    if (o->type != in->type || o->rank != r)
      return nq_i8_fail(a, err, "output %d does not match the input", k);
    const size_t blk = (size_t)o->shape[axis] * inner;
    if (base + blk > row) return nq_i8_fail(a, err, "outputs exceed the input along axis %d", axis);
    for (size_t i = 0; i < outer; i++)
      memcpy((char *)o->data + i * blk * es, (const char *)in->data + (i * row + base) * es, blk * es);
    base += blk;
  }
  if (base != row) return nq_i8_fail(a, err, "outputs do not cover the input along axis %d", axis);
  return NQ_OK;
}

/* ---- PACK ---- */
nq_status nq_i8_pack_run(const nq_kernel_args *a, nq_error *err) {
  const nq_tview *out = &a->out[0];
  const int r = out->rank;
  const int axis = a->p->axis < 0 ? a->p->axis + r : a->p->axis;
  if (axis < 0 || axis >= r || out->shape[axis] != a->n_in)
    return nq_i8_fail(a, err, "axis %d invalid for %d inputs", a->p->axis, a->n_in);
  size_t outer, inner;
  outer_inner(out, axis, &outer, &inner);
  const size_t es = nq_dtype_size(out->type);
  for (int k = 0; k < a->n_in; k++) {
    if (a->in[k].type != out->type || nq_tview_elems(&a->in[k]) != outer * inner)
      return nq_i8_fail(a, err, "input %d does not match the output", k);
    for (size_t o = 0; o < outer; o++)
      memcpy((char *)out->data + ((o * (size_t)a->n_in + (size_t)k) * inner) * es,
             (const char *)a->in[k].data + o * inner * es, inner * es);
  }
  return NQ_OK;
}

/* ---- UNPACK ---- */
nq_status nq_i8_unpack_run(const nq_kernel_args *a, nq_error *err) {
  NQ_TRY(same_type(a, err));
  const nq_tview *in = &a->in[0];
  const int r = in->rank;
  const int axis = a->p->axis < 0 ? a->p->axis + r : a->p->axis;
  if (axis < 0 || axis >= r || in->shape[axis] != a->n_out)
    return nq_i8_fail(a, err, "axis %d invalid for %d outputs", a->p->axis, a->n_out);
  size_t outer, inner;
  outer_inner(in, axis, &outer, &inner);
  const size_t es = nq_dtype_size(in->type);
  for (int k = 0; k < a->n_out; k++) {
    if (nq_tview_elems(&a->out[k]) != outer * inner)
      return nq_i8_fail(a, err, "output %d does not match the input", k);
    for (size_t o = 0; o < outer; o++)
      memcpy((char *)a->out[k].data + o * inner * es,
             (const char *)in->data + ((o * (size_t)a->n_out + (size_t)k) * inner) * es, inner * es);
  }
  return NQ_OK;
}

/* ---- GATHER ---- */
nq_status nq_i8_gather_run(const nq_kernel_args *a, nq_error *err) {
  NQ_TRY(same_type(a, err));
  if (a->n_in < 2) return nq_i8_fail(a, err, "%d inputs, 2 expected", a->n_in);
  const nq_tview *in = &a->in[0], *ix = &a->in[1], *out = &a->out[0];
  const int r = in->rank;
  const int axis = a->p->axis < 0 ? a->p->axis + r : a->p->axis;
  if (axis < 0 || axis >= r) return nq_i8_fail(a, err, "axis %d out of range", a->p->axis);
  size_t outer, inner;
  outer_inner(in, axis, &outer, &inner);
  const size_t n_idx = nq_tview_elems(ix), dim = (size_t)in->shape[axis];
  const size_t es = nq_dtype_size(in->type);
  if (nq_tview_elems(out) != outer * n_idx * inner)
    return nq_i8_fail(a, err, "output has %zu elements, %zu expected", nq_tview_elems(out),
                      outer * n_idx * inner);
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < n_idx; i++) {
      int64_t k;
      if (!nq_i8_const_int(ix, i, &k)) return nq_i8_fail(a, err, "indices must be int32/int64");
      if (k < 0 || (uint64_t)k >= dim)
        return nq_i8_fail(a, err, "index %lld out of range [0, %zu)", (long long)k, dim);
      memcpy((char *)out->data + ((o * n_idx + i) * inner) * es,
             (const char *)in->data + ((o * dim + (size_t)k) * inner) * es, inner * es);
    }
  return NQ_OK;
}

/* ---- SPACE_TO_DEPTH / DEPTH_TO_SPACE ---- */
nq_status nq_i8_space_depth_run(const nq_kernel_args *a, nq_error *err) {
  NQ_TRY(same_type(a, err));
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  const int bs = a->p->block_size;
  if (in->rank != 4 || out->rank != 4 || bs < 1)
    return nq_i8_fail(a, err, "rank-4 input/output and block size >= 1 expected");
  const bool to_depth = a->node->op == NQ_OP_SPACE_TO_DEPTH;
  /* Express both as a map from the "space" tensor S [N, H*bs, W*bs, C] to
   * the "depth" tensor D [N, H, W, bs*bs*C]. */
  const nq_tview *sp = to_depth ? in : out, *dp = to_depth ? out : in;
  const int N = dp->shape[0], H = dp->shape[1], W = dp->shape[2], C = sp->shape[3];
  if (sp->shape[0] != N || sp->shape[1] != H * bs || sp->shape[2] != W * bs || dp->shape[3] != bs * bs * C)
    return nq_i8_fail(a, err, "shapes do not match block size %d", bs);
  const size_t es = nq_dtype_size(in->type);
  for (int n = 0; n < N; n++)
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++)
        for (int by = 0; by < bs; by++)
          for (int bx = 0; bx < bs; bx++) {
            const size_t s_off =
                ((((size_t)n * H * bs + (size_t)y * bs + by) * W * bs) + (size_t)x * bs + bx) * C;
            const size_t d_off =
                (((size_t)n * H + y) * W + x) * (size_t)(bs * bs * C) + ((size_t)by * bs + bx) * C;
            if (to_depth)
              memcpy((char *)out->data + d_off * es, (const char *)in->data + s_off * es, C * es);
            else
              memcpy((char *)out->data + s_off * es, (const char *)in->data + d_off * es, C * es);
          }
  return NQ_OK;
}

/* ---- SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND (NHWC) ---- */
nq_status nq_i8_batch_space_run(const nq_kernel_args *a, nq_error *err) {
  NQ_TRY(same_type(a, err));
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  if (in->rank != 4 || out->rank != 4) return nq_i8_fail(a, err, "rank-4 input/output expected");
  int64_t blk[2], pc[4];
  NQ_TRY(read_ints(a, 1, 2, blk, "block shape", err));
  NQ_TRY(read_ints(a, 2, 4, pc, "paddings/crops", err));
  const int64_t bh = blk[0], bw = blk[1];
  if (bh < 1 || bw < 1) return nq_i8_fail(a, err, "block shape must be >= 1");
  const bool to_batch = a->node->op == NQ_OP_SPACE_TO_BATCH_ND;
  /* B = batch tensor [N*bh*bw, h, w, C], S = space tensor [N, H, W, C] with
   * S[n, y*bh + oy - top, x*bw + ox - left] = B[(oy*bw + ox)*N + n, y, x]. */
  const nq_tview *bt = to_batch ? out : in, *st = to_batch ? in : out;
  const int64_t N = st->shape[0], H = st->shape[1], W = st->shape[2], C = st->shape[3];
  const int64_t h = bt->shape[1], w = bt->shape[2];
  if (bt->shape[0] != N * bh * bw || bt->shape[3] != C || pc[0] < 0 || pc[2] < 0 ||
      h * bh != H + pc[0] + pc[1] || w * bw != W + pc[2] + pc[3])
    return nq_i8_fail(a, err, "shapes do not match block %lldx%lld", (long long)bh, (long long)bw);
  const size_t es = nq_dtype_size(in->type);
  uint8_t fill[8];
  NQ_TRY(fill_value(a, NULL, fill, err));
  for (int64_t b = 0; b < bt->shape[0]; b++) {
    const int64_t n = b % N, q = b / N, oy = q / bw, ox = q % bw;
    for (int64_t y = 0; y < h; y++)
      for (int64_t x = 0; x < w; x++) {
        const int64_t sy = y * bh + oy - pc[0], sx = x * bw + ox - pc[2];
        const size_t b_off = (size_t)(((b * h + y) * w + x) * C);
        const bool inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
        const size_t s_off = inside ? (size_t)(((n * H + sy) * W + sx) * C) : 0;
        for (int64_t c = 0; c < C; c++) {
          if (to_batch)
            cp(out->data, b_off + (size_t)c, inside ? in->data : fill, inside ? s_off + (size_t)c : 0, es);
          else if (inside)
            cp(out->data, s_off + (size_t)c, in->data, b_off + (size_t)c, es);
        }
      }
  }
  return NQ_OK;
}

/* ---- TILE ---- */
nq_status nq_i8_tile_run(const nq_kernel_args *a, nq_error *err) {
  NQ_TRY(same_type(a, err));
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  const int r = in->rank;
  int64_t mult[NQ_MAX_RANK], st_in[NQ_MAX_RANK];
  NQ_TRY(read_ints(a, 1, (size_t)r, mult, "multiples", err));
  if (out->rank != r) return nq_i8_fail(a, err, "output rank %d, %d expected", out->rank, r);
  for (int d = 0; d < r; d++)
    if (mult[d] < 0 || (int64_t)in->shape[d] * mult[d] != out->shape[d])
      return nq_i8_fail(a, err, "dim %d: %d x %lld != %d", d, (int)in->shape[d], (long long)mult[d],
                        (int)out->shape[d]);
  strides_of(in, st_in);
  const size_t es = nq_dtype_size(out->type), n = nq_tview_elems(out);
  int32_t idx[NQ_MAX_RANK] = {0};
  for (size_t i = 0; i < n; i++) {
    int64_t off = 0;
    for (int d = 0; d < r; d++) off += (int64_t)(idx[d] % in->shape[d]) * st_in[d];
    cp(out->data, i, in->data, (size_t)off, es);
    for (int d = r - 1; d >= 0; d--) {
      if (++idx[d] < out->shape[d]) break;
      idx[d] = 0;
    }
  }
  return NQ_OK;
}
