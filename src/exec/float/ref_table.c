/* The float reference kernel table (see ref.h): one entry per op in ops.def. */
#include "exec/float/ref.h"

#define K(run_, prep_) {.run = run_, .prepare = prep_}
#define KS(run_, prep_, scratch_) {.run = run_, .prepare = prep_, .scratch = scratch_}

/* One line per op in ops.def. The table below is generated from ops.def, so
 * an op added there without a REF_<op> line here fails to compile. */
#define REF_ADD K(nq_ref_binary, nq_ref_prep_num)
#define REF_AVERAGE_POOL_2D K(nq_ref_average_pool, nq_ref_prep_f32)
#define REF_CONCATENATION K(nq_ref_concat, nq_ref_prep_move)
#define REF_CONV_2D K(nq_ref_conv2d, nq_ref_prep_f32)
#define REF_DEPTHWISE_CONV_2D K(nq_ref_depthwise_conv2d, nq_ref_prep_f32)
#define REF_DEPTH_TO_SPACE K(nq_ref_depth_to_space, nq_ref_prep_move)
#define REF_DEQUANTIZE K(nq_ref_dequantize, nq_ref_prep_dequantize)
#define REF_FULLY_CONNECTED K(nq_ref_fully_connected, nq_ref_prep_f32)
#define REF_L2_NORMALIZATION K(nq_ref_l2norm, nq_ref_prep_f32)
#define REF_LOGISTIC K(nq_ref_activation, nq_ref_prep_f32)
#define REF_MAX_POOL_2D K(nq_ref_max_pool, nq_ref_prep_f32)
#define REF_MUL K(nq_ref_binary, nq_ref_prep_num)
#define REF_RELU K(nq_ref_activation, nq_ref_prep_f32)
#define REF_RELU_N1_TO_1 K(nq_ref_activation, nq_ref_prep_f32)
#define REF_RELU6 K(nq_ref_activation, nq_ref_prep_f32)
#define REF_RESHAPE K(nq_ref_copy, nq_ref_prep_move)
#define REF_RESIZE_BILINEAR K(nq_ref_resize, nq_ref_prep_f32_io0)
#define REF_SOFTMAX K(nq_ref_softmax, nq_ref_prep_f32)
#define REF_SPACE_TO_DEPTH K(nq_ref_space_to_depth, nq_ref_prep_move)
#define REF_TANH K(nq_ref_activation, nq_ref_prep_f32)
#define REF_PAD K(nq_ref_pad, nq_ref_prep_move)
#define REF_GATHER K(nq_ref_gather, nq_ref_prep_gather)
#define REF_BATCH_TO_SPACE_ND K(nq_ref_batch_to_space, nq_ref_prep_space_batch)
#define REF_SPACE_TO_BATCH_ND K(nq_ref_space_to_batch, nq_ref_prep_space_batch)
#define REF_TRANSPOSE K(nq_ref_transpose, nq_ref_prep_move)
#define REF_MEAN KS(nq_ref_reduce, nq_ref_prep_f32_io0, nq_ref_reduce_scratch)
#define REF_SUB K(nq_ref_binary, nq_ref_prep_num)
#define REF_DIV K(nq_ref_binary, nq_ref_prep_f32)
#define REF_SQUEEZE K(nq_ref_copy, nq_ref_prep_move)
#define REF_STRIDED_SLICE K(nq_ref_strided_slice, nq_ref_prep_move)
#define REF_EXP K(nq_ref_unary, nq_ref_prep_f32)
#define REF_SPLIT K(nq_ref_split, nq_ref_prep_move)
#define REF_LOG_SOFTMAX K(nq_ref_softmax, nq_ref_prep_f32)
#define REF_CAST K(nq_ref_cast, nq_ref_prep_cast)
#define REF_PRELU K(nq_ref_binary, nq_ref_prep_f32)
#define REF_MAXIMUM K(nq_ref_binary, nq_ref_prep_num)
#define REF_ARG_MAX K(nq_ref_arg_max, nq_ref_prep_arg_max)
#define REF_MINIMUM K(nq_ref_binary, nq_ref_prep_num)
#define REF_NEG K(nq_ref_unary, nq_ref_prep_num)
#define REF_PADV2 K(nq_ref_pad, nq_ref_prep_move)
#define REF_SLICE K(nq_ref_slice, nq_ref_prep_move)
#define REF_TRANSPOSE_CONV K(nq_ref_transpose_conv, nq_ref_prep_transpose_conv)
#define REF_TILE K(nq_ref_tile, nq_ref_prep_move)
#define REF_EXPAND_DIMS K(nq_ref_copy, nq_ref_prep_move)
#define REF_LOG K(nq_ref_unary, nq_ref_prep_f32)
#define REF_SUM KS(nq_ref_reduce, nq_ref_prep_f32_io0, nq_ref_reduce_scratch)
#define REF_SQRT K(nq_ref_unary, nq_ref_prep_f32)
#define REF_RSQRT K(nq_ref_unary, nq_ref_prep_f32)
#define REF_POW K(nq_ref_binary, nq_ref_prep_f32)
#define REF_REDUCE_PROD KS(nq_ref_reduce, nq_ref_prep_f32_io0, nq_ref_reduce_scratch)
#define REF_REDUCE_MAX KS(nq_ref_reduce, nq_ref_prep_f32_io0, nq_ref_reduce_scratch)
#define REF_PACK K(nq_ref_pack, nq_ref_prep_move)
#define REF_UNPACK K(nq_ref_unpack, nq_ref_prep_move)
#define REF_REDUCE_MIN KS(nq_ref_reduce, nq_ref_prep_f32_io0, nq_ref_reduce_scratch)
#define REF_SQUARE K(nq_ref_unary, nq_ref_prep_f32)
#define REF_RESIZE_NEAREST_NEIGHBOR K(nq_ref_resize, nq_ref_prep_move)
#define REF_LEAKY_RELU K(nq_ref_activation, nq_ref_prep_f32)
#define REF_SQUARED_DIFFERENCE K(nq_ref_binary, nq_ref_prep_f32)
#define REF_MIRROR_PAD K(nq_ref_pad, nq_ref_prep_move)
#define REF_ABS K(nq_ref_unary, nq_ref_prep_num)
#define REF_SPLIT_V K(nq_ref_split, nq_ref_prep_move)
#define REF_ELU K(nq_ref_activation, nq_ref_prep_f32)
#define REF_QUANTIZE K(nq_ref_quantize, nq_ref_prep_quantize)
#define REF_HARD_SWISH K(nq_ref_activation, nq_ref_prep_f32)
#define REF_BATCH_MATMUL K(nq_ref_batch_matmul, nq_ref_prep_f32)
#define REF_GELU K(nq_ref_activation, nq_ref_prep_f32)
#define REF_ERF K(nq_ref_activation, nq_ref_prep_f32)

const nq_kernel nq_float_kernels_ref[NQ_OP_COUNT] = {
#define NQ_OP(id, tfl) [NQ_OP_##id] = REF_##id,
#include "ir/ops.def"
#undef NQ_OP
};
_Static_assert(sizeof nq_float_kernels_ref / sizeof nq_float_kernels_ref[0] == NQ_OP_COUNT,
               "nq_float_kernels_ref must cover ops.def");
