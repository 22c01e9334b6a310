/* The fast float kernel table (see fast.h). An empty entry means the
 * reference kernel runs; a fast kernel itself hands off to the reference
 * for the cases it does not specialise (see fast_common.h). */
#include "exec/float/fast.h"
#include "exec/float/fast_kernels.h"

#include <stddef.h>

const nq_kernel nq_float_kernels_fast[NQ_OP_COUNT] = {
    [NQ_OP_CONV_2D] = {nq_conv2d_fast_run, nq_conv2d_fast_scratch, nq_conv2d_fast_prepare,
                        nq_conv2d_fast_release},
    [NQ_OP_DEPTHWISE_CONV_2D] = {nq_dw_fast_run, nq_dw_fast_scratch, nq_dw_fast_prepare, NULL},
    [NQ_OP_FULLY_CONNECTED] = {nq_fc_fast_run, nq_fc_fast_scratch, nq_fc_fast_prepare,
                                nq_fc_fast_release},
    [NQ_OP_AVERAGE_POOL_2D] = {nq_avgpool_fast_run, nq_avgpool_fast_scratch,
                                nq_avgpool_fast_prepare, NULL},
    [NQ_OP_MAX_POOL_2D] = {nq_maxpool_fast_run, nq_maxpool_fast_scratch, nq_maxpool_fast_prepare,
                            NULL},
};
