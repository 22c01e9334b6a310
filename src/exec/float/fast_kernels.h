/* The fast float kernels' entry points, one family per *_fast.c file,
 * wired into nq_float_kernels_fast by fast_table.c (see exec/kernel.h for
 * what run / scratch / prepare / release do). */
#ifndef NQ_EXEC_FLOAT_FAST_KERNELS_H
#define NQ_EXEC_FLOAT_FAST_KERNELS_H

#include "exec/kernel.h"

/* conv2d_fast.c */
nq_status nq_conv2d_fast_run(const nq_kernel_args *a, nq_error *err);
size_t nq_conv2d_fast_scratch(const nq_kernel_args *a);
nq_status nq_conv2d_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
void nq_conv2d_fast_release(void *prepared);

/* fully_connected_fast.c */
nq_status nq_fc_fast_run(const nq_kernel_args *a, nq_error *err);
size_t nq_fc_fast_scratch(const nq_kernel_args *a);
nq_status nq_fc_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
void nq_fc_fast_release(void *prepared);

/* depthwise_conv2d_fast.c */
nq_status nq_dw_fast_run(const nq_kernel_args *a, nq_error *err);
size_t nq_dw_fast_scratch(const nq_kernel_args *a);
nq_status nq_dw_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);

/* pool2d_fast.c */
nq_status nq_avgpool_fast_run(const nq_kernel_args *a, nq_error *err);
size_t nq_avgpool_fast_scratch(const nq_kernel_args *a);
nq_status nq_maxpool_fast_run(const nq_kernel_args *a, nq_error *err);
size_t nq_maxpool_fast_scratch(const nq_kernel_args *a);
nq_status nq_avgpool_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
nq_status nq_maxpool_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);

/* elementwise_fast.c */
nq_status nq_add_fast_run(const nq_kernel_args *a, nq_error *err);
size_t nq_add_fast_scratch(const nq_kernel_args *a);
nq_status nq_add_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
nq_status nq_sub_fast_run(const nq_kernel_args *a, nq_error *err);
size_t nq_sub_fast_scratch(const nq_kernel_args *a);
nq_status nq_sub_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
nq_status nq_mul_fast_run(const nq_kernel_args *a, nq_error *err);
size_t nq_mul_fast_scratch(const nq_kernel_args *a);
nq_status nq_mul_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);

/* resize_bilinear_fast.c */
nq_status nq_resize_bilinear_fast_run(const nq_kernel_args *a, nq_error *err);
size_t nq_resize_bilinear_fast_scratch(const nq_kernel_args *a);
nq_status nq_resize_bilinear_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);

/* activation_fast.c: one run per op, shared prepare and scratch */
nq_status nq_relu_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_relu6_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_relu_n1_to_1_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_leaky_relu_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_hard_swish_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_logistic_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_activation_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
size_t nq_activation_fast_scratch(const nq_kernel_args *a);

/* reduce_fast.c: MEAN and SUM over a contiguous run of axes */
nq_status nq_mean_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_sum_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_reduce_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
size_t nq_reduce_fast_scratch(const nq_kernel_args *a);

/* elementwise_fast.c: PRELU */
nq_status nq_prelu_fast_run(const nq_kernel_args *a, nq_error *err);
size_t nq_prelu_fast_scratch(const nq_kernel_args *a);
nq_status nq_prelu_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);

/* pad_fast.c: PAD and PADV2 */
nq_status nq_pad_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_padv2_fast_run(const nq_kernel_args *a, nq_error *err);
nq_status nq_pad_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err);
size_t nq_pad_fast_scratch(const nq_kernel_args *a);

#endif
