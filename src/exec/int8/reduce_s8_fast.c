/*
 * Fast integer MEAN and SUM: the reference (reduce_s8.c) with its
 * summation reorganised. When the reduced dims are one contiguous block of
 * the shape, the input is [outer, R, inner] (NHWC global average pooling:
 * [N, H*W, C]; a last-axis mean: [rows, R, 1]) and each output is the sum of
 * R values spaced inner apart: summed row by row into int32 accumulators
 * (|sum| <= 255 * R < 2^31, R < 2^23 checked), a loop the compiler
 * vectorizes, instead of the reference's per-element odometer. The sums
 * are the same integers, and the outputs come from the reference's own
 * finishing code (nq_i8_reduce_finish / nq_i8_reduce_spatial_finish), so
 * the results are the reference's bytes in both rounding modes. Any other
 * axis set runs the reference.
 */
#include "exec/int8/int8_kernels.h"

/* Sums of [outer, r, inner] bytes over r into acc[outer * inner] (int32),
 * one definition for int8 and uint8 data. */
#define DEFINE_SUM_BLOCK(name, T)                                                             \
  static void name(const T *x, size_t outer, size_t r, size_t inner, int32_t *restrict acc) { \
    for (size_t o = 0; o < outer; o++) {                                                      \
      int32_t *restrict s = acc + o * inner;                                                  \
      const T *restrict row = x + o * r * inner;                                              \
      if (inner == 1) {                                                                       \
        int32_t v = 0;                                                                        \
        for (size_t k = 0; k < r; k++) v += row[k];                                           \
        s[0] = v;                                                                             \
        continue;                                                                             \
      }                                                                                       \
      for (size_t c = 0; c < inner; c++) s[c] = 0;                                            \
      for (size_t k = 0; k < r; k++, row += inner)                                            \
        for (size_t c = 0; c < inner; c++) s[c] += row[c];                                    \
    }                                                                                         \
  }
DEFINE_SUM_BLOCK(sum_block_i8, int8_t)
DEFINE_SUM_BLOCK(sum_block_u8, uint8_t)
#undef DEFINE_SUM_BLOCK

static size_t acc_bytes(const nq_kernel_args *a) {
  return nq_i8_align64(nq_tview_elems(&a->out[0]) * sizeof(int32_t));
}

size_t nq_i8_reduce_fast_scratch(const nq_kernel_args *a) { return nq_i8_reduce_scratch(a) + acc_bytes(a); }

nq_status nq_i8_reduce_fast_run(const nq_kernel_args *a, nq_error *err) {
  if (!a->prepared) return nq_i8_fail(a, err, "not prepared");
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  bool reduced[NQ_MAX_RANK], spatial;
  NQ_TRY(nq_i8_reduce_axes(a, reduced, &spatial, err));
  /* The reduced dims must be one block [d0, d1) of the shape. */
  int d0 = 0, d1;
  while (d0 < in->rank && !reduced[d0]) d0++;
  d1 = d0;
  while (d1 < in->rank && reduced[d1]) d1++;
  bool block = d0 < in->rank;
  for (int d = d1; d < in->rank; d++) block &= !reduced[d];
  size_t outer = 1, r = 1, inner = 1;
  for (int d = 0; d < in->rank; d++) {
    const size_t s = (size_t)in->shape[d];
    if (d < d0)
      outer *= s;
    else if (d < d1)
      r *= s;
    else
      inner *= s;
  }
  const size_t out_n = nq_tview_elems(out);
  if (!block || r == 0 || nq_tview_elems(in) == 0 || r >= ((size_t)1 << 23) || outer * inner != out_n ||
      a->scratch_size < nq_i8_reduce_fast_scratch(a) || !a->scratch)
    return nq_i8_reduce_run(a, err);
  int64_t *sum = a->scratch;
  int32_t *acc = (int32_t *)(void *)((char *)a->scratch + nq_i8_reduce_scratch(a));
  if (in->type == NQ_UINT8)
    sum_block_u8(in->data, outer, r, inner, acc);
  else
    sum_block_i8(in->data, outer, r, inner, acc);
  if (spatial) { /* [N, H*W, C]: outer N, inner C */
    for (size_t i = 0; i < out_n; i++)
      nq_i8_st(out->data, in->type, i, nq_i8_reduce_spatial_finish(a, acc[i], (int32_t)r));
    return NQ_OK;
  }
  for (size_t i = 0; i < out_n; i++) sum[i] = acc[i];
  nq_i8_reduce_finish(a, sum, out_n, r);
  return NQ_OK;
}
