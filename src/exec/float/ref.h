/*
 * Float32 reference kernels: plain loops that define what each op computes
 * (TFLite's float semantics). Indexed by nq_op; every op in ops.def has an
 * entry (column FLOAT of ops.def).
 *
 * Besides float32 compute ops the table holds type-generic data-movement
 * kernels (RESHAPE, TRANSPOSE, CONCATENATION, GATHER, ... work on any element
 * size, so int32 shape arithmetic and quantized tensors with unchanged
 * parameters move through them) and the float<->integer QUANTIZE,
 * DEQUANTIZE and CAST kernels.
 *
 * Every kernel has a `prepare` step that only checks the operand types, so
 * an unsupported type is reported at session creation, naming the node.
 *
 * The per-family kernel declarations below are what ref_table.c wires up;
 * the files are named <family>_ref.c.
 */
#ifndef NQ_EXEC_FLOAT_REF_H
#define NQ_EXEC_FLOAT_REF_H

#include "exec/kernel.h"

extern const nq_kernel nq_float_kernels_ref[NQ_OP_COUNT];

/* ---- shared helpers (common_ref.c) ---- */

/* "node 12 (CONV_2D 'conv1')" for messages. */
const char *nq_ref_label(const nq_kernel_args *a, char *buf, size_t n);
/* Fail with NQ_ERR_UNSUPPORTED naming the node and the operand types. */
nq_status nq_ref_type_fail(const nq_kernel_args *a, nq_error *err, const char *expected);
/* Fail with a runtime error (bad index, ...) naming the node. */
nq_status nq_ref_fail(const nq_kernel_args *a, nq_error *err, nq_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Read an int32/int64 view into vals (at most max); false on wrong type/size. */
bool nq_ref_ints(const nq_tview *v, int64_t *vals, int max, int *count);
/* TFLite's fused activation on one value. */
float nq_ref_act(nq_activation act, float x);
/* SAME/VALID padding before the first element (TFLite ComputePaddingWithOffset). */
/* Element strides (st[0..o->rank)) of v seen through the output's shape, v
 * aligned to its last dimensions: 0 on broadcast dims (binary, select,
 * comparison kernels). */
void nq_ref_broadcast_strides(const nq_tview *v, const nq_tview *o, size_t *st);
int nq_ref_pad_before(int stride, int dilation, int in, int filter, int out, int *offset);

/* Copy an N-d box: dst gets, in row-major order over count[0..rank), the
 * elements src[start + sum(i_d * stride_d)] (strides in elements, may be
 * negative). */
void nq_ref_copy_box(void *dst, const void *src, size_t elem_size, int rank, const int64_t *count,
                     int64_t start, const int64_t *stride);

/* prepare functions that check types (common_ref.c) */
nq_status nq_ref_prep_f32(const nq_kernel_args *a, void **prepared,
                          nq_error *err); /* every operand float32 */
nq_status nq_ref_prep_f32_io0(const nq_kernel_args *a, void **prepared,
                              nq_error *err); /* in0 and outputs float32 */
nq_status nq_ref_prep_num(const nq_kernel_args *a, void **prepared,
                          nq_error *err); /* float32, or int32 for ADD SUB MUL MAX MIN ABS NEG */
nq_status nq_ref_prep_move(const nq_kernel_args *a, void **prepared,
                           nq_error *err); /* data movement: same types */

/* ---- kernels, by family ---- */
#define NQ_REF_DECL(name) nq_status name(const nq_kernel_args *a, nq_error *err)
NQ_REF_DECL(nq_ref_conv2d);
NQ_REF_DECL(nq_ref_depthwise_conv2d);
NQ_REF_DECL(nq_ref_transpose_conv);
nq_status nq_ref_prep_transpose_conv(const nq_kernel_args *a, void **prepared, nq_error *err);
NQ_REF_DECL(nq_ref_fully_connected);
NQ_REF_DECL(nq_ref_average_pool);
NQ_REF_DECL(nq_ref_max_pool);
NQ_REF_DECL(nq_ref_custom); /* CUSTOM: the custom ops npuquant knows (custom_ref.c) */
nq_status nq_ref_prep_custom(const nq_kernel_args *a, void **prepared, nq_error *err);
size_t nq_ref_custom_scratch(const nq_kernel_args *a);
NQ_REF_DECL(nq_ref_select); /* SELECT_V2, byte-generic (float, int32, int8 data) */
NQ_REF_DECL(nq_ref_select); /* SELECT_V2, byte-generic (float, int32, int8 data) */
/* LESS LESS_EQUAL GREATER GREATER_EQUAL EQUAL NOT_EQUAL (compare_ref.c): bool out */
NQ_REF_DECL(nq_ref_compare);
nq_status nq_ref_prep_compare(const nq_kernel_args *a, void **prepared, nq_error *err);
/* The comparison `op` from the three orderings of its operands (all false: a NaN). */
bool nq_ref_compare_result(nq_op op, bool lt, bool eq, bool gt);
/* LOGICAL_AND LOGICAL_OR LOGICAL_NOT on bool (compare_ref.c) */
NQ_REF_DECL(nq_ref_logical);
nq_status nq_ref_prep_logical(const nq_kernel_args *a, void **prepared, nq_error *err);
NQ_REF_DECL(nq_ref_binary);     /* ADD SUB MUL DIV MAXIMUM MINIMUM POW SQUARED_DIFFERENCE PRELU */
NQ_REF_DECL(nq_ref_unary);      /* ABS NEG EXP LOG SQRT RSQRT SQUARE */
NQ_REF_DECL(nq_ref_activation); /* RELU RELU6 RELU_N1_TO_1 LOGISTIC TANH ELU HARD_SWISH LEAKY_RELU GELU ERF */
NQ_REF_DECL(nq_ref_softmax);    /* SOFTMAX LOG_SOFTMAX */
NQ_REF_DECL(nq_ref_l2norm);
NQ_REF_DECL(nq_ref_reduce); /* MEAN SUM REDUCE_PROD REDUCE_MAX REDUCE_MIN */
size_t nq_ref_reduce_scratch(const nq_kernel_args *a);
NQ_REF_DECL(nq_ref_copy); /* RESHAPE SQUEEZE EXPAND_DIMS */
NQ_REF_DECL(nq_ref_concat);
NQ_REF_DECL(nq_ref_split); /* SPLIT SPLIT_V */
NQ_REF_DECL(nq_ref_pack);
NQ_REF_DECL(nq_ref_unpack);
NQ_REF_DECL(nq_ref_slice);
NQ_REF_DECL(nq_ref_strided_slice);
NQ_REF_DECL(nq_ref_transpose);
NQ_REF_DECL(nq_ref_pad);    /* PAD PADV2 MIRROR_PAD */
NQ_REF_DECL(nq_ref_resize); /* RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR */
NQ_REF_DECL(nq_ref_space_to_depth);
NQ_REF_DECL(nq_ref_depth_to_space);
NQ_REF_DECL(nq_ref_space_to_batch);
NQ_REF_DECL(nq_ref_batch_to_space);
nq_status nq_ref_prep_space_batch(const nq_kernel_args *a, void **prepared, nq_error *err);
NQ_REF_DECL(nq_ref_gather);
nq_status nq_ref_prep_gather(const nq_kernel_args *a, void **prepared, nq_error *err);
NQ_REF_DECL(nq_ref_quantize);
nq_status nq_ref_prep_quantize(const nq_kernel_args *a, void **prepared, nq_error *err);
NQ_REF_DECL(nq_ref_dequantize);
nq_status nq_ref_prep_dequantize(const nq_kernel_args *a, void **prepared, nq_error *err);
NQ_REF_DECL(nq_ref_arg_max);
nq_status nq_ref_prep_arg_max(const nq_kernel_args *a, void **prepared, nq_error *err);
NQ_REF_DECL(nq_ref_cast);
nq_status nq_ref_prep_cast(const nq_kernel_args *a, void **prepared, nq_error *err);
NQ_REF_DECL(nq_ref_batch_matmul);
NQ_REF_DECL(nq_ref_tile);
#undef NQ_REF_DECL

/* RESIZE_BILINEAR coordinate mapping, shared by the reference and the fast
 * kernel so both sample the same points: the scale in/out, or
 * (in-1)/(out-1) with align_corners; and output index v's source coordinate
 * with its floor (clamped at 0) and ceil (clamped at in-1) neighbours. */
float nq_resize_scale(int in, int out, bool align);
void nq_resize_source(int v, float scale, bool half, int in, float *src, int *lo, int *hi);

#endif
