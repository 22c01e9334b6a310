/*
 * The ONNX op table: every op_type of the default domain the translator
 * knows, in strcmp order, with its translator (ox_op_* in onnx_ops_elem.c,
 * onnx_ops_nn.c, onnx_ops_shape.c, onnx_ops_convt.c). A translator that
 * serves several op types reads n->op_type. translate_node (onnx_load.c)
 * finds a node's op here by binary search; tests/ops/test_frontend_tables.c
 * checks the order.
 */
#include "frontends/name_table.h"
#include "frontends/onnx/onnx_internal.h"

/* Sorted by strcmp (uppercase before lowercase), each name once. The IR op
 * is the one the translation produces (ox_op_binary, ox_op_unary and
 * ox_op_reduce emit exactly it; the others may pick a variant, e.g. Conv
 * with groups -> DEPTHWISE_CONV_2D), NQ_OP_COUNT when it produces several
 * ops (BatchNormalization, LayerNormalization) or none (Identity). The
 * fourth column names the variant a translator may pick instead (Conv with
 * one group per channel -> DEPTHWISE_CONV_2D), NQ_OP_COUNT when none; it is
 * only read by the catalogue, docs/ops.md. */
static const ox_op_entry ox_ops[] = {
    {"Abs", ox_op_unary, NQ_OP_ABS, NQ_OP_COUNT},
    {"Add", ox_op_binary, NQ_OP_ADD, NQ_OP_COUNT},
    {"And", ox_op_binary, NQ_OP_LOGICAL_AND, NQ_OP_COUNT},
    {"AveragePool", ox_op_pool, NQ_OP_AVERAGE_POOL_2D, NQ_OP_COUNT},
    {"BatchNormalization", ox_op_batchnorm, NQ_OP_COUNT, NQ_OP_COUNT},
    {"Cast", ox_op_cast, NQ_OP_COUNT, NQ_OP_COUNT},
    {"Clip", ox_op_clip, NQ_OP_COUNT, NQ_OP_COUNT},
    {"Concat", ox_op_concat, NQ_OP_CONCATENATION, NQ_OP_COUNT},
    {"Conv", ox_op_conv, NQ_OP_CONV_2D, NQ_OP_DEPTHWISE_CONV_2D},
    {"ConvTranspose", ox_op_conv_transpose, NQ_OP_TRANSPOSE_CONV, NQ_OP_COUNT},
    {"Div", ox_op_binary, NQ_OP_DIV, NQ_OP_COUNT},
    {"Dropout", ox_op_identity, NQ_OP_COUNT, NQ_OP_COUNT},
    {"Elu", ox_op_elu, NQ_OP_ELU, NQ_OP_COUNT},
    {"Equal", ox_op_binary, NQ_OP_EQUAL, NQ_OP_COUNT},
    {"Erf", ox_op_unary, NQ_OP_ERF, NQ_OP_COUNT},
    {"Exp", ox_op_unary, NQ_OP_EXP, NQ_OP_COUNT},
    {"Flatten", ox_op_flatten, NQ_OP_RESHAPE, NQ_OP_COUNT},
    {"Floor", ox_op_unary, NQ_OP_FLOOR, NQ_OP_COUNT},
    {"Gather", ox_op_gather, NQ_OP_GATHER, NQ_OP_COUNT},
    {"Gemm", ox_op_gemm, NQ_OP_FULLY_CONNECTED, NQ_OP_COUNT},
    {"GlobalAveragePool", ox_op_global_pool, NQ_OP_MEAN, NQ_OP_COUNT},
    {"GlobalMaxPool", ox_op_global_pool, NQ_OP_REDUCE_MAX, NQ_OP_COUNT},
    {"Greater", ox_op_binary, NQ_OP_GREATER, NQ_OP_COUNT},
    {"GreaterOrEqual", ox_op_binary, NQ_OP_GREATER_EQUAL, NQ_OP_COUNT},
    {"HardSigmoid", ox_op_hardsigmoid, NQ_OP_COUNT, NQ_OP_COUNT},
    {"HardSwish", ox_op_unary, NQ_OP_HARD_SWISH, NQ_OP_COUNT},
    {"Identity", ox_op_identity, NQ_OP_COUNT, NQ_OP_COUNT},
    {"If", ox_op_if, NQ_OP_COUNT, NQ_OP_COUNT},
    {"LayerNormalization", ox_op_layernorm, NQ_OP_COUNT, NQ_OP_COUNT},
    {"LeakyRelu", ox_op_leaky, NQ_OP_LEAKY_RELU, NQ_OP_COUNT},
    {"Less", ox_op_binary, NQ_OP_LESS, NQ_OP_COUNT},
    {"LessOrEqual", ox_op_binary, NQ_OP_LESS_EQUAL, NQ_OP_COUNT},
    {"Log", ox_op_unary, NQ_OP_LOG, NQ_OP_COUNT},
    {"LogSoftmax", ox_op_softmax, NQ_OP_LOG_SOFTMAX, NQ_OP_COUNT},
    {"MatMul", ox_op_matmul, NQ_OP_FULLY_CONNECTED, NQ_OP_BATCH_MATMUL},
    {"Max", ox_op_binary, NQ_OP_MAXIMUM, NQ_OP_COUNT},
    {"MaxPool", ox_op_pool, NQ_OP_MAX_POOL_2D, NQ_OP_COUNT},
    {"Min", ox_op_binary, NQ_OP_MINIMUM, NQ_OP_COUNT},
    {"Mod", ox_op_mod, NQ_OP_FLOOR_MOD, NQ_OP_COUNT},
    {"Mul", ox_op_binary, NQ_OP_MUL, NQ_OP_COUNT},
    {"Neg", ox_op_unary, NQ_OP_NEG, NQ_OP_COUNT},
    {"Not", ox_op_unary, NQ_OP_LOGICAL_NOT, NQ_OP_COUNT},
    {"Or", ox_op_binary, NQ_OP_LOGICAL_OR, NQ_OP_COUNT},
    {"PRelu", ox_op_prelu, NQ_OP_PRELU, NQ_OP_COUNT},
    {"Pad", ox_op_pad, NQ_OP_PAD, NQ_OP_PADV2},
    {"Pow", ox_op_binary, NQ_OP_POW, NQ_OP_COUNT},
    {"ReduceMax", ox_op_reduce, NQ_OP_REDUCE_MAX, NQ_OP_COUNT},
    {"ReduceMean", ox_op_reduce, NQ_OP_MEAN, NQ_OP_COUNT},
    {"ReduceMin", ox_op_reduce, NQ_OP_REDUCE_MIN, NQ_OP_COUNT},
    {"ReduceProd", ox_op_reduce, NQ_OP_REDUCE_PROD, NQ_OP_COUNT},
    {"ReduceSum", ox_op_reduce, NQ_OP_SUM, NQ_OP_COUNT},
    {"Relu", ox_op_unary, NQ_OP_RELU, NQ_OP_COUNT},
    {"Reshape", ox_op_reshape, NQ_OP_RESHAPE, NQ_OP_COUNT},
    {"Resize", ox_op_resize, NQ_OP_RESIZE_BILINEAR, NQ_OP_RESIZE_NEAREST_NEIGHBOR},
    {"Sigmoid", ox_op_unary, NQ_OP_LOGISTIC, NQ_OP_COUNT},
    {"Slice", ox_op_slice, NQ_OP_STRIDED_SLICE, NQ_OP_COUNT},
    {"Softmax", ox_op_softmax, NQ_OP_SOFTMAX, NQ_OP_COUNT},
    {"Split", ox_op_split, NQ_OP_SPLIT_V, NQ_OP_COUNT},
    {"Sqrt", ox_op_unary, NQ_OP_SQRT, NQ_OP_COUNT},
    {"Squeeze", ox_op_squeeze_unsqueeze, NQ_OP_RESHAPE, NQ_OP_COUNT},
    {"Sub", ox_op_binary, NQ_OP_SUB, NQ_OP_COUNT},
    {"Tanh", ox_op_unary, NQ_OP_TANH, NQ_OP_COUNT},
    {"Transpose", ox_op_transpose, NQ_OP_TRANSPOSE, NQ_OP_COUNT},
    {"Unsqueeze", ox_op_squeeze_unsqueeze, NQ_OP_RESHAPE, NQ_OP_COUNT},
    {"Upsample", ox_op_resize, NQ_OP_RESIZE_NEAREST_NEIGHBOR, NQ_OP_RESIZE_BILINEAR},
    {"Where", ox_op_where, NQ_OP_SELECT_V2, NQ_OP_COUNT},
};

const ox_op_entry *ox_op_table(size_t *n) {
  *n = sizeof ox_ops / sizeof ox_ops[0];
  return ox_ops;
}

const ox_op_entry *ox_find_op(const char *op_type) {
  return nq_name_table_find(ox_ops, sizeof ox_ops / sizeof ox_ops[0], sizeof ox_ops[0], op_type);
}

nq_op ox_table_op(const Onnx__NodeProto *n) {
  const ox_op_entry *e = ox_find_op(n->op_type);
  return e ? e->op : NQ_OP_COUNT;
}
