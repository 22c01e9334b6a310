/* The fast float kernel table (see fast.h). An empty entry means the
 * reference kernel runs; a fast kernel itself hands off to the reference
 * for the cases it does not specialise (see fast_common.h). */
#include <stddef.h>

#include "exec/float/fast.h"
#include "exec/float/fast_kernels.h"

const nq_kernel nq_float_kernels_fast[NQ_OP_COUNT] = {
    [NQ_OP_ADD] = {nq_add_fast_run, nq_add_fast_scratch, nq_add_fast_prepare, NULL},
    [NQ_OP_SUB] = {nq_sub_fast_run, nq_sub_fast_scratch, nq_sub_fast_prepare, NULL},
    [NQ_OP_MUL] = {nq_mul_fast_run, nq_mul_fast_scratch, nq_mul_fast_prepare, NULL},
    [NQ_OP_CONV_2D] = {nq_conv2d_fast_run, nq_conv2d_fast_scratch, nq_conv2d_fast_prepare,
                       nq_conv2d_fast_release},
    [NQ_OP_DEPTHWISE_CONV_2D] = {nq_dw_fast_run, nq_dw_fast_scratch, nq_dw_fast_prepare, NULL},
    [NQ_OP_FULLY_CONNECTED] = {nq_fc_fast_run, nq_fc_fast_scratch, nq_fc_fast_prepare, nq_fc_fast_release},
    [NQ_OP_AVERAGE_POOL_2D] = {nq_avgpool_fast_run, nq_avgpool_fast_scratch, nq_avgpool_fast_prepare, NULL},
    [NQ_OP_MAX_POOL_2D] = {nq_maxpool_fast_run, nq_maxpool_fast_scratch, nq_maxpool_fast_prepare, NULL},
    [NQ_OP_RESIZE_BILINEAR] = {nq_resize_bilinear_fast_run, nq_resize_bilinear_fast_scratch,
                               nq_resize_bilinear_fast_prepare, NULL},
    [NQ_OP_RELU] = {nq_relu_fast_run, nq_activation_fast_scratch, nq_activation_fast_prepare, NULL},
    [NQ_OP_RELU6] = {nq_relu6_fast_run, nq_activation_fast_scratch, nq_activation_fast_prepare, NULL},
    [NQ_OP_RELU_N1_TO_1] = {nq_relu_n1_to_1_fast_run, nq_activation_fast_scratch, nq_activation_fast_prepare,
                            NULL},
    [NQ_OP_LEAKY_RELU] = {nq_leaky_relu_fast_run, nq_activation_fast_scratch, nq_activation_fast_prepare,
                          NULL},
    [NQ_OP_HARD_SWISH] = {nq_hard_swish_fast_run, nq_activation_fast_scratch, nq_activation_fast_prepare,
                          NULL},
    [NQ_OP_LOGISTIC] = {nq_logistic_fast_run, nq_activation_fast_scratch, nq_activation_fast_prepare, NULL},
    [NQ_OP_PRELU] = {nq_prelu_fast_run, nq_prelu_fast_scratch, nq_prelu_fast_prepare, NULL},
    [NQ_OP_PAD] = {nq_pad_fast_run, nq_pad_fast_scratch, nq_pad_fast_prepare, NULL},
    [NQ_OP_PADV2] = {nq_padv2_fast_run, nq_pad_fast_scratch, nq_pad_fast_prepare, NULL},
    [NQ_OP_MEAN] = {nq_mean_fast_run, nq_reduce_fast_scratch, nq_reduce_fast_prepare, NULL},
    [NQ_OP_SUM] = {nq_sum_fast_run, nq_reduce_fast_scratch, nq_reduce_fast_prepare, NULL},
};
