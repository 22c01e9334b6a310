/* The fast integer kernel table (see int8.h). */
#include "exec/int8/int8.h"
#include "exec/int8/int8_kernels.h"

#define KF(name) \
  { nq_i8_##name##_run, nq_i8_##name##_scratch, nq_i8_##name##_prepare, nq_i8_conv_fast_release }

#define KB \
  { nq_i8_binary_fast_run, NULL, nq_i8_binary_fast_prepare, NULL }
#define KU \
  { nq_i8_unary_fast_run, NULL, nq_i8_unary_fast_prepare, NULL }

const nq_kernel nq_int8_kernels_fast[NQ_OP_COUNT] = {
    [NQ_OP_CONV_2D] = KF(conv_fast),
    [NQ_OP_FULLY_CONNECTED] = KF(fc_fast),
    [NQ_OP_DEPTHWISE_CONV_2D] = {nq_i8_dw_fast_run, nq_i8_dw_fast_scratch, nq_i8_dw_fast_prepare, NULL},
    [NQ_OP_ADD] = KB,
    [NQ_OP_SUB] = KB,
    [NQ_OP_MUL] = KB,
    [NQ_OP_MAXIMUM] = KB,
    [NQ_OP_MINIMUM] = KB,
    [NQ_OP_HARD_SWISH] = KU,
    [NQ_OP_RELU] = KU,
    [NQ_OP_RELU6] = KU,
    [NQ_OP_RELU_N1_TO_1] = KU,
    [NQ_OP_LEAKY_RELU] = KU,
    [NQ_OP_ABS] = KU,
    [NQ_OP_LOGISTIC] = KU,
    [NQ_OP_TANH] = KU,
    [NQ_OP_ELU] = KU,
    [NQ_OP_GELU] = KU,
    [NQ_OP_EXP] = KU,
    [NQ_OP_LOG] = KU,
    [NQ_OP_MAX_POOL_2D] = {nq_i8_maxpool_fast_run, NULL, nq_i8_pool_prepare, NULL},
    [NQ_OP_MEAN] = {nq_i8_reduce_fast_run, nq_i8_reduce_fast_scratch, nq_i8_reduce_prepare, NULL},
    [NQ_OP_SUM] = {nq_i8_reduce_fast_run, nq_i8_reduce_fast_scratch, nq_i8_reduce_prepare, NULL},
    [NQ_OP_CONCATENATION] = {nq_i8_concat_fast_run, NULL, NULL, NULL},
    [NQ_OP_TRANSPOSE] = {nq_i8_transpose_fast_run, NULL, NULL, NULL},
    [NQ_OP_SLICE] = {nq_i8_slice_fast_run, NULL, NULL, NULL},
    [NQ_OP_STRIDED_SLICE] = {nq_i8_strided_slice_fast_run, NULL, NULL, NULL},
    [NQ_OP_PAD] = {nq_i8_pad_fast_run, NULL, NULL, NULL},
    [NQ_OP_PADV2] = {nq_i8_pad_fast_run, NULL, NULL, NULL},
};

/* The 16x8 side (int16 activations): the weighted ops, PAD / PADV2, whose
 * fast row copies take any element size, and the elementwise ops and
 * LOGISTIC / TANH / EXP (the reference loops over the pool); every other
 * int16 node runs the reference kernels. */
#define KB16 \
  { nq_s16_binary_fast_run, NULL, nq_i8_binary_prepare, NULL }
#define KU16 \
  { nq_s16_lut_fast_run, NULL, nq_i8_lut_prepare, NULL }
const nq_kernel nq_int16_kernels_fast[NQ_OP_COUNT] = {
    [NQ_OP_CONV_2D] = {nq_s16_conv_fast_run, nq_s16_conv_fast_scratch, nq_s16_conv_fast_prepare,
                       nq_s16_fast_release},
    [NQ_OP_FULLY_CONNECTED] = {nq_s16_fc_fast_run, nq_s16_fc_fast_scratch, nq_s16_fc_fast_prepare,
                               nq_s16_fast_release},
    [NQ_OP_DEPTHWISE_CONV_2D] = {nq_s16_dw_fast_run, nq_s16_dw_fast_scratch, nq_s16_dw_fast_prepare,
                                 nq_s16_dw_fast_release},
    [NQ_OP_PAD] = {nq_i8_pad_fast_run, NULL, NULL, NULL},
    [NQ_OP_PADV2] = {nq_i8_pad_fast_run, NULL, NULL, NULL},
    [NQ_OP_ADD] = KB16,
    [NQ_OP_SUB] = KB16,
    [NQ_OP_MUL] = KB16,
    [NQ_OP_MAXIMUM] = KB16,
    [NQ_OP_MINIMUM] = KB16,
    [NQ_OP_LOGISTIC] = KU16,
    [NQ_OP_TANH] = KU16,
    [NQ_OP_EXP] = KU16,
};
