/*
 * Helpers shared by the integer kernels (src/exec/int8/ *_s8.c): reading
 * quantization parameters off views, loading/storing int8/uint8 elements,
 * TFLite's padding rule, broadcasting, and error messages that name the node.
 *
 * Element types: the "8-bit" kernels accept NQ_INT8 ([-128, 127]) and
 * NQ_UINT8 ([0, 255], TFLite's legacy uint8 models) activations. Values are
 * widened to int32 on load, so one code path serves both types, and narrowed
 * with clamping on store. A few whose TFLite int16 (16x8) kernel is the
 * same loop (pools, RELU/RELU6, requantizing QUANTIZE, RESIZE_BILINEAR) also
 * take NQ_INT16 through nq_i8_need_qact; the others have *_s16.c kernels.
 */
#ifndef NQ_EXEC_INT8_COMMON_H
#define NQ_EXEC_INT8_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "exec/kernel.h"
#include "exec/requant.h"

/* Fail with "int8 <OP> node <i> '<name>': <message>". */
nq_status nq_i8_fail(const nq_kernel_args *a, nq_error *err, const char *fmt, ...) NQ_PRINTF(3, 4);

/* True for the 8-bit activation types (INT8, UINT8). */
static inline bool nq_i8_is_q8(nq_dtype t) { return t == NQ_INT8 || t == NQ_UINT8; }

/* [qmin, qmax] of an integer type (INT8, UINT8, INT16, INT32). */
void nq_i8_type_range(nq_dtype t, int32_t *qmin, int32_t *qmax);

/* Per-tensor scale and zero point of view `v` (input index `idx` or, with
 * is_out, output index), failing with a message when it is not quantized,
 * the scale is not a positive finite number, or the zero point does not fit
 * the type. */
nq_status nq_i8_qparams(const nq_kernel_args *a, const nq_tview *v, const char *what, float *scale,
                        int32_t *zp, nq_error *err);

/* Check that input `i` exists, is 8-bit and has data. */
nq_status nq_i8_need_q8(const nq_kernel_args *a, const nq_tview *v, const char *what, nq_error *err);

/* Check that v exists, is an integer activation (INT8, UINT8 or INT16)
 * and has data: for the kernels whose int16 form is their 8-bit loop. */
nq_status nq_i8_need_qact(const nq_kernel_args *a, const nq_tview *v, const char *what, nq_error *err);

/* The rounding variant for a node touching type t: XNNPACK takes no int16
 * op, so LiteRT runs TFLite's default (double-rounding) kernels on int16 in
 * both of our modes. */
static inline int nq_i8_rounding_for(const nq_kernel_args *a, nq_dtype t) {
  return t == NQ_INT16 ? 0 : a->single_rounding;
}

/* Element i of an 8-bit (or int16) view, widened. */
static inline int32_t nq_i8_ld(const void *data, nq_dtype t, size_t i) {
  if (t == NQ_INT16) return ((const int16_t *)data)[i];
  return t == NQ_UINT8 ? (int32_t)((const uint8_t *)data)[i] : (int32_t)((const int8_t *)data)[i];
}
/* Store v, which the caller has already clamped to the type's range. */
static inline void nq_i8_st(void *data, nq_dtype t, size_t i, int32_t v) {
  if (t == NQ_UINT8)
    ((uint8_t *)data)[i] = (uint8_t)v;
  else if (t == NQ_INT16)
    ((int16_t *)data)[i] = (int16_t)v;
  else
    ((int8_t *)data)[i] = (int8_t)v;
}

/* TFLite ComputePaddingWithOffset: the leading padding of one spatial
 * dimension given input size, output size, stride, dilation and filter
 * size: max(0, (out - 1) * stride + (filter - 1) * dilation + 1 - in) / 2.
 * Works for SAME and VALID alike (VALID gives 0). */
int nq_i8_pad_before(int in, int out, int stride, int dilation, int filter);

/* Check one spatial dimension of a sliding window (conv, pool): stride and
 * dilation >= 1, filter >= 1, and every tap position (out - 1) * stride +
 * (filter - 1) * dilation stays far inside int range. */
nq_status nq_i8_check_window(const nq_kernel_args *a, const char *dim, int in, int out, int stride,
                             int dilation, int filter, nq_error *err);

/* Fail unless view v (named `what` in the message) has rank 4: the conv
 * kernels' layouts are NHWC / OHWI / 1HWC. */
nq_status nq_i8_check_rank4(const nq_kernel_args *a, const nq_tview *v, const char *what, nq_error *err);

/* Dimension d of a view, counted from the right as TFLite's 4-D kernels do
 * when they extend a shape to rank 4 (missing leading dims are 1). */
static inline int32_t nq_i8_dim4(const nq_tview *v, int d) {
  int k = d - (4 - v->rank);
  return k < 0 ? 1 : v->shape[k];
}

/* Broadcast strides: for each of the `rank` output dims (right-aligned
 * with the input), the input's element stride, or 0 where the input dim is
 * 1 (broadcast). Fails when the input is not broadcast-compatible. */
nq_status nq_i8_bcast_strides(const nq_kernel_args *a, const nq_tview *in, const nq_tview *out,
                              int64_t strides[NQ_MAX_RANK], nq_error *err);

/* Reduction strides: for each input dim, the output's element stride, or 0
 * on a reduced dim (so summing input element i into output offset
 * sum(index_d * strides[d]) reduces). Fails unless the kept dims hold
 * exactly out_n elements. */
nq_status nq_i8_reduce_strides(const nq_kernel_args *a, const nq_tview *in, const bool reduced[NQ_MAX_RANK],
                               size_t out_n, int64_t strides[NQ_MAX_RANK], nq_error *err);

/* Odometer over an output shape that maintains up to two input offsets. */
typedef struct nq_i8_iter {
  int rank;
  int32_t shape[NQ_MAX_RANK];
  int32_t idx[NQ_MAX_RANK];
  int64_t st0[NQ_MAX_RANK], st1[NQ_MAX_RANK];
  int64_t off0, off1;
} nq_i8_iter;
void nq_i8_iter_init(nq_i8_iter *it, const nq_tview *out, const int64_t *st0, const int64_t *st1);
void nq_i8_iter_next(nq_i8_iter *it);

/* calloc-style allocation of a kernel's prepared block; fails cleanly. */
nq_status nq_i8_alloc_prepared(const nq_kernel_args *a, size_t size, void **out, nq_error *err);

/* Element count of a view, as size_t (shapes were checked by the engine). */
static inline size_t nq_i8_elems(const nq_tview *v) { return nq_tview_elems(v); }

/* An int32 constant input (axis, paddings...) at flat index i; int64 views
 * are narrowed with saturation. Returns false when the view is not
 * INT32/INT64 or has no data. */
bool nq_i8_const_int(const nq_tview *v, size_t i, int64_t *out);

/* n rounded up to a multiple of 64 (scratch sub-buffers stay aligned). */
static inline size_t nq_i8_align64(size_t n) { return (n + 63) & ~(size_t)63; }

/* Re-centre an 8-bit view into int16: dst[i] = x[i] - zp, in [-255, 255]. */
void nq_i8_centre(const nq_tview *in, int32_t zp, int16_t *dst);

#endif
