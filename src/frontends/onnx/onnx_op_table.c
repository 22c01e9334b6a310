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
 * catalogue docs/ops.md lists these. */
static const ox_op_entry ox_ops[] = {
    {"Abs", ox_op_unary, NQ_OP_ABS},
    {"Add", ox_op_binary, NQ_OP_ADD},
    {"AveragePool", ox_op_pool, NQ_OP_AVERAGE_POOL_2D},
    {"BatchNormalization", ox_op_batchnorm, NQ_OP_COUNT},
    {"Cast", ox_op_cast, NQ_OP_COUNT},
    {"Clip", ox_op_clip, NQ_OP_COUNT},
    {"Concat", ox_op_concat, NQ_OP_CONCATENATION},
    {"Conv", ox_op_conv, NQ_OP_CONV_2D},
    {"ConvTranspose", ox_op_conv_transpose, NQ_OP_TRANSPOSE_CONV},
    {"Div", ox_op_binary, NQ_OP_DIV},
    {"Dropout", ox_op_identity, NQ_OP_COUNT},
    {"Elu", ox_op_elu, NQ_OP_ELU},
    {"Erf", ox_op_unary, NQ_OP_ERF},
    {"Exp", ox_op_unary, NQ_OP_EXP},
    {"Flatten", ox_op_flatten, NQ_OP_RESHAPE},
    {"Gather", ox_op_gather, NQ_OP_GATHER},
    {"Gemm", ox_op_gemm, NQ_OP_FULLY_CONNECTED},
    {"GlobalAveragePool", ox_op_global_pool, NQ_OP_MEAN},
    {"GlobalMaxPool", ox_op_global_pool, NQ_OP_REDUCE_MAX},
    {"HardSigmoid", ox_op_hardsigmoid, NQ_OP_COUNT},
    {"HardSwish", ox_op_unary, NQ_OP_HARD_SWISH},
    {"Identity", ox_op_identity, NQ_OP_COUNT},
    {"LayerNormalization", ox_op_layernorm, NQ_OP_COUNT},
    {"LeakyRelu", ox_op_leaky, NQ_OP_LEAKY_RELU},
    {"Log", ox_op_unary, NQ_OP_LOG},
    {"LogSoftmax", ox_op_softmax, NQ_OP_LOG_SOFTMAX},
    {"MatMul", ox_op_matmul, NQ_OP_FULLY_CONNECTED},
    {"Max", ox_op_binary, NQ_OP_MAXIMUM},
    {"MaxPool", ox_op_pool, NQ_OP_MAX_POOL_2D},
    {"Min", ox_op_binary, NQ_OP_MINIMUM},
    {"Mul", ox_op_binary, NQ_OP_MUL},
    {"Neg", ox_op_unary, NQ_OP_NEG},
    {"PRelu", ox_op_prelu, NQ_OP_PRELU},
    {"Pad", ox_op_pad, NQ_OP_PAD},
    {"Pow", ox_op_binary, NQ_OP_POW},
    {"ReduceMax", ox_op_reduce, NQ_OP_REDUCE_MAX},
    {"ReduceMean", ox_op_reduce, NQ_OP_MEAN},
    {"ReduceMin", ox_op_reduce, NQ_OP_REDUCE_MIN},
    {"ReduceProd", ox_op_reduce, NQ_OP_REDUCE_PROD},
    {"ReduceSum", ox_op_reduce, NQ_OP_SUM},
    {"Relu", ox_op_unary, NQ_OP_RELU},
    {"Reshape", ox_op_reshape, NQ_OP_RESHAPE},
    {"Resize", ox_op_resize, NQ_OP_RESIZE_BILINEAR},
    {"Sigmoid", ox_op_unary, NQ_OP_LOGISTIC},
    {"Slice", ox_op_slice, NQ_OP_STRIDED_SLICE},
    {"Softmax", ox_op_softmax, NQ_OP_SOFTMAX},
    {"Split", ox_op_split, NQ_OP_SPLIT_V},
    {"Sqrt", ox_op_unary, NQ_OP_SQRT},
    {"Squeeze", ox_op_squeeze_unsqueeze, NQ_OP_RESHAPE},
    {"Sub", ox_op_binary, NQ_OP_SUB},
    {"Tanh", ox_op_unary, NQ_OP_TANH},
    {"Transpose", ox_op_transpose, NQ_OP_TRANSPOSE},
    {"Unsqueeze", ox_op_squeeze_unsqueeze, NQ_OP_RESHAPE},
    {"Upsample", ox_op_resize, NQ_OP_RESIZE_NEAREST_NEIGHBOR},
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
