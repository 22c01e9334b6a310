/*
 * The integer kernel entry points, one triple per op family
 * (nq_i8_<name>_run / _scratch / _prepare), gathered into
 * nq_int8_kernels[] by int8_table.c. Only the functions a family needs are
 * defined; see each *_s8.c file for the op semantics, argument ranges and
 * overflow reasoning.
 */
#ifndef NQ_EXEC_INT8_KERNELS_H
#define NQ_EXEC_INT8_KERNELS_H

#include "exec/int8/int8_common.h"

#define NQ_I8_DECLARE(name)                                             \
  nq_status nq_i8_##name##_run(const nq_kernel_args *a, nq_error *err); \
  size_t nq_i8_##name##_scratch(const nq_kernel_args *a);               \
  nq_status nq_i8_##name##_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);

NQ_I8_DECLARE(conv)                           /* CONV_2D */
NQ_I8_DECLARE(conv_fast)                      /* CONV_2D, fast (conv_s8_fast.c) */
NQ_I8_DECLARE(fc_fast)                        /* FULLY_CONNECTED, fast (conv_s8_fast.c) */
NQ_I8_DECLARE(dw_fast)                        /* DEPTHWISE_CONV_2D, fast (depthwise_s8_fast.c) */
void nq_i8_conv_fast_release(void *prepared); /* both fast families' prepared blocks */
NQ_I8_DECLARE(dw)                             /* DEPTHWISE_CONV_2D */
NQ_I8_DECLARE(tconv)                          /* TRANSPOSE_CONV */
NQ_I8_DECLARE(fc)                             /* FULLY_CONNECTED */
NQ_I8_DECLARE(binary)                         /* ADD SUB MUL MAXIMUM MINIMUM */
NQ_I8_DECLARE(binary_fast)                    /* the same, fast (elementwise_s8_fast.c) */
/* One element of the reference binary op: the output for 8-bit inputs x1, x2
 * (widened), given the reference prepare's block and the node's args. */
int32_t nq_i8_binary_eval(const nq_kernel_args *a, const void *prepared, int32_t x1, int32_t x2);
/* HARD_SWISH, the RELU family, LEAKY_RELU, ABS and the table ops, fast: a
 * 256-byte table of the reference's results (unary_s8_fast.c) */
nq_status nq_i8_unary_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_i8_unary_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
/* o[i] = table[x[i]] for the first elements of [0, n) in steps of 32;
 * returns how many were done (0 without AVX2). unary_s8_avx2.c */
size_t nq_i8_table_lookup_avx2(const uint8_t table[256], const uint8_t *x, uint8_t *o, size_t n);
NQ_I8_DECLARE(pool) /* AVERAGE_POOL_2D MAX_POOL_2D */
/* The pooling prepare's block: the fused activation's clamp range. */
typedef struct nq_i8_pool_prep {
  int32_t lo, hi;
} nq_i8_pool_prep;
nq_status nq_i8_maxpool_fast_run(const nq_kernel_args *a, nq_error *err); /* pool_s8_fast.c */
NQ_I8_DECLARE(reduce)                                                     /* MEAN SUM REDUCE_MAX REDUCE_MIN */
/* The reduction's pieces, shared with the fast MEAN/SUM (reduce_s8_fast.c),
 * which sums in another order (integer sums: the same values) and finishes
 * with the same code. reduce_axes marks the reduced dims of the axis input
 * and says whether TFLite's spatial-mean form (path 1 in reduce_s8.c) runs;
 * spatial_finish is that form's output for one channel's sum of raw values
 * over cnt elements; reduce_finish writes every output from out_n sums
 * (sum of raw values, or the extreme for REDUCE_MAX/MIN) over cnt elements
 * each. */
nq_status nq_i8_reduce_axes(const nq_kernel_args *a, bool reduced[NQ_MAX_RANK], bool *spatial, nq_error *err);
int32_t nq_i8_reduce_spatial_finish(const nq_kernel_args *a, int32_t raw_sum, int32_t cnt);
void nq_i8_reduce_finish(const nq_kernel_args *a, const int64_t *sum, size_t out_n, size_t cnt);
nq_status nq_i8_reduce_fast_run(const nq_kernel_args *a, nq_error *err); /* MEAN SUM, fast */
size_t nq_i8_reduce_fast_scratch(const nq_kernel_args *a);
NQ_I8_DECLARE(softmax)                                                   /* SOFTMAX */
NQ_I8_DECLARE(lut)                                                       /* LOGISTIC TANH ELU GELU EXP LOG */
NQ_I8_DECLARE(abs)                                                       /* ABS */
NQ_I8_DECLARE(tile)                                                      /* TILE */
NQ_I8_DECLARE(batch_matmul)                                              /* BATCH_MATMUL */
NQ_I8_DECLARE(hardswish)                                                 /* HARD_SWISH */
NQ_I8_DECLARE(relu)                                                      /* RELU RELU6 RELU_N1_TO_1 */
NQ_I8_DECLARE(leaky_relu)                                                /* LEAKY_RELU */
NQ_I8_DECLARE(prelu)                                                     /* PRELU */
NQ_I8_DECLARE(l2norm)                                                    /* L2_NORMALIZATION */
NQ_I8_DECLARE(concat)                                                    /* CONCATENATION */
nq_status nq_i8_concat_fast_run(const nq_kernel_args *a, nq_error *err); /* rescaling by byte tables */
NQ_I8_DECLARE(quantize) /* QUANTIZE (8-bit -> 8-bit requantize) */
NQ_I8_DECLARE(copy)     /* RESHAPE SQUEEZE EXPAND_DIMS */
NQ_I8_DECLARE(pad)      /* PAD PADV2 */
nq_status nq_i8_pad_fast_run(const nq_kernel_args *a, nq_error *err); /* the same, row copies */
NQ_I8_DECLARE(mirror_pad)                                             /* MIRROR_PAD */
NQ_I8_DECLARE(transpose)                                              /* TRANSPOSE */
/* TRANSPOSE SLICE STRIDED_SLICE, fast: the same checks, then whole-row copies
 * (strided_copy_fast.c) instead of an odometer per element */
nq_status nq_i8_transpose_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_i8_slice_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_i8_strided_slice_fast_run(const nq_kernel_args *a, nq_error *err);
void nq_i8_strided_copy_fast(const nq_tview *in, void *dst, int rank, const int32_t *shape, int64_t base,
                             const int64_t *st);
NQ_I8_DECLARE(slice)              /* SLICE */
NQ_I8_DECLARE(strided_slice)      /* STRIDED_SLICE */
NQ_I8_DECLARE(split)              /* SPLIT SPLIT_V */
NQ_I8_DECLARE(pack)               /* PACK */
NQ_I8_DECLARE(unpack)             /* UNPACK */
NQ_I8_DECLARE(gather)             /* GATHER */
NQ_I8_DECLARE(space_depth)        /* SPACE_TO_DEPTH DEPTH_TO_SPACE */
NQ_I8_DECLARE(batch_space)        /* SPACE_TO_BATCH_ND BATCH_TO_SPACE_ND */
NQ_I8_DECLARE(resize)             /* RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR */
NQ_I8_DECLARE(arg_max)            /* ARG_MAX */
NQ_I8_DECLARE(log_softmax)        /* LOG_SOFTMAX */
NQ_I8_DECLARE(squared_difference) /* SQUARED_DIFFERENCE */
NQ_I8_DECLARE(compare)            /* LESS LESS_EQUAL GREATER GREATER_EQUAL EQUAL NOT_EQUAL (compare_s8.c) */
NQ_I8_DECLARE(unary_math)         /* RSQRT SQRT */
NQ_I8_DECLARE(reduce_prod)        /* REDUCE_PROD */

#undef NQ_I8_DECLARE

/* The int16x8 kernels (int16 activations; *_s16.c). The 8-bit family's
 * entry points hand a node with int16 activations to these, so the INT8
 * column of ops.def stays the one table. */
nq_status nq_s16_conv_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
size_t nq_s16_conv_scratch(const nq_kernel_args *a);
nq_status nq_s16_conv_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_s16_tconv_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
size_t nq_s16_tconv_scratch(const nq_kernel_args *a);
nq_status nq_s16_tconv_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_s16_dw_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
size_t nq_s16_dw_scratch(const nq_kernel_args *a);
nq_status nq_s16_dw_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_s16_fc_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
nq_status nq_s16_fc_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_s16_binary_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
nq_status nq_s16_binary_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_s16_lut_prepare(const nq_kernel_args *a, void **prepared, nq_error *err); /* LOGISTIC TANH */
nq_status nq_s16_lut_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_s16_softmax_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
nq_status nq_s16_softmax_run(const nq_kernel_args *a, nq_error *err);
/* The fast 16x8 CONV_2D / FULLY_CONNECTED (conv_s16_fast.c: the qgemm tile
 * in int32 chunks summed in int64) and DEPTHWISE_CONV_2D
 * (depthwise_s16_fast.c), bit-identical with the *_s16.c kernels above. */
nq_status nq_s16_conv_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
size_t nq_s16_conv_fast_scratch(const nq_kernel_args *a);
nq_status nq_s16_conv_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_s16_fc_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
size_t nq_s16_fc_fast_scratch(const nq_kernel_args *a);
nq_status nq_s16_fc_fast_run(const nq_kernel_args *a, nq_error *err);
void nq_s16_fast_release(void *prepared); /* CONV_2D's and FULLY_CONNECTED's blocks */
nq_status nq_s16_dw_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
size_t nq_s16_dw_fast_scratch(const nq_kernel_args *a);
nq_status nq_s16_dw_fast_run(const nq_kernel_args *a, nq_error *err);
void nq_s16_dw_fast_release(void *prepared);
/* The int16 elementwise ops over a contiguous range (the reference loops,
 * shared with elementwise_s16_fast.c, which runs them over the pool):
 * LOGISTIC / TANH / EXP, and the two-input ops on equal shapes. */
void nq_s16_lut_range(const void *prepared, const int16_t *x, int16_t *y, size_t n);
void nq_s16_binary_range(const void *prepared, const int16_t *x1, const int16_t *x2, int16_t *y, size_t n);
bool nq_s16_binary_same_shape(const nq_kernel_args *a);
nq_status nq_s16_lut_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_s16_binary_fast_run(const nq_kernel_args *a, nq_error *err);
/* Whether node a (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED) takes the
 * fast 16x8 path rather than handing off to the reference (tests). */
bool nq_s16_fast_applies(const nq_kernel_args *a);
bool nq_s16_dw_fast_ok(const nq_kernel_args *a); /* DEPTHWISE_CONV_2D's part of it */
/* TFLite's LUTPopulate<int16_t> (float arithmetic) of f from the input grid
 * (scale, zero point) to the output grid: 513 entries for
 * nq_s16_lut_lookup, lut_lookup_with_interpolation (softmax_s16.c). */
void nq_s16_lut_populate(float in_scale, int32_t in_zp, float out_scale, int32_t out_zp, float (*f)(float),
                         int16_t lut[513]);
int16_t nq_s16_lut_lookup(int16_t v, const int16_t lut[513]);
/* The checks every int16 one-input table op shares (LOGISTIC, TANH, EXP,
 * SOFTMAX): input and output present, int16, zero point 0; their scales
 * (softmax_s16.c). */
nq_status nq_s16_symmetric_io(const nq_kernel_args *a, float *s_in, float *s_out, nq_error *err);

/* TFLite GetInvSqrtQuantizedMultiplierExp(input, reverse_shift = -1):
 * 1/sqrt(input) as a multiplier (l2norm_s8.c; also RSQRT). */
void nq_i8_inv_sqrt_multiplier(int32_t input, int32_t *mult, int *shift);

#endif
