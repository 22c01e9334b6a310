/*
 * The TensorFlow op table: every op name the GraphDef translator knows, in
 * strcmp order, with the translator (tfo_* in tf_ops_*.c, or one of the
 * small ones here) and the IR op or flag it passes. convert_node
 * (tf_convert.c) finds a node's op here by binary search;
 * tests/ops/test_frontend_tables.c checks the order.
 */
#include <string.h>

#include "frontends/name_table.h"
#include "frontends/tensorflow/tf_convert.h"

static nq_status tr_forward(tf_cv *c, int ni, const tf_op_entry *e, nq_error *err) {
  (void)e;
  return tfo_forward(c, ni, err);
}

static nq_status tr_no_op(tf_cv *c, int ni, const tf_op_entry *e, nq_error *err) {
  (void)e;
  return tfc_set_vals(c, ni, 0, NULL, err);
}

static nq_status tr_const(tf_cv *c, int ni, const tf_op_entry *e, nq_error *err) {
  (void)e;
  const tf_node *n = &c->f->nodes[ni];
  const Nqtf__AttrValue *a = tf_attr(n, "value");
  if (!a || a->value_case != NQTF__ATTR_VALUE__VALUE_TENSOR || !a->tensor)
    return tfc_fail(c, ni, NQ_ERR_FORMAT, err, "Const without a 'value' tensor");
  int t;
  nq_status st = tf_const_from_proto(c->g, n->name, a->tensor, &t, err);
  if (st != NQ_OK) return nq_prefix(err, "node '%s' (Const): ", n->name);
  return tfc_set_val(c, ni, t, err);
}

static nq_status tr_variable(tf_cv *c, int ni, const tf_op_entry *e, nq_error *err) {
  (void)e;
  if (!c->var_fn)
    return tfc_fail(c, ni, NQ_ERR_UNSUPPORTED, err, "a variable in a frozen graph (freeze it first)");
  int t;
  NQ_TRY(c->var_fn(c->var_ctx, c->f, ni, c->g, &t, err));
  return tfc_set_val(c, ni, t, err);
}

static nq_status tr_placeholder(tf_cv *c, int ni, const tf_op_entry *e, nq_error *err) {
  (void)e;
  return tfc_fail(c, ni, NQ_ERR_INVALID_ARG, err,
                  "this placeholder feeds the outputs but is not a model input "
                  "(name it with --inputs)");
}

/* Adapters from the table's (op, arg) to each translator's parameters. */
#define TR_PLAIN(name)                                                                \
  static nq_status tr_##name(tf_cv *c, int ni, const tf_op_entry *e, nq_error *err) { \
    (void)e;                                                                          \
    return tfo_##name(c, ni, err);                                                    \
  }
#define TR_OP(name)                                                                   \
  static nq_status tr_##name(tf_cv *c, int ni, const tf_op_entry *e, nq_error *err) { \
    return tfo_##name(c, ni, e->op, err);                                             \
  }
#define TR_FLAG(name)                                                                 \
  static nq_status tr_##name(tf_cv *c, int ni, const tf_op_entry *e, nq_error *err) { \
    return tfo_##name(c, ni, e->arg != 0, err);                                       \
  }
TR_PLAIN(conv)
TR_PLAIN(conv_transpose)
TR_PLAIN(batchnorm)
TR_PLAIN(reshape)
TR_PLAIN(squeeze)
TR_PLAIN(expand_dims)
TR_PLAIN(pad)
TR_PLAIN(transpose)
TR_PLAIN(strided_slice)
TR_PLAIN(shape_like)
TR_PLAIN(cast)
TR_PLAIN(fill)
TR_PLAIN(add_n)
TR_PLAIN(unpack)
TR_PLAIN(clip)
TR_PLAIN(reciprocal)
TR_PLAIN(softplus)
TR_PLAIN(selu)
TR_PLAIN(select)
TR_OP(unary)
TR_OP(pool)
TR_OP(resize)
TR_OP(depth_space)
TR_FLAG(matmul)
TR_FLAG(concat_or_pack)
TR_FLAG(split)

/* (op, arg): tfo_binary and tfo_reduce take the constant-folding operator
 * character, tfo_direct the number of inputs. */
static nq_status tr_binary(tf_cv *c, int ni, const tf_op_entry *e, nq_error *err) {
  return tfo_binary(c, ni, e->op, (char)e->arg, err);
}
static nq_status tr_reduce(tf_cv *c, int ni, const tf_op_entry *e, nq_error *err) {
  return tfo_reduce(c, ni, e->op, (char)e->arg, err);
}
static nq_status tr_direct(tf_cv *c, int ni, const tf_op_entry *e, nq_error *err) {
  return tfo_direct(c, ni, e->op, e->arg, err);
}

/* Sorted by strcmp (uppercase before lowercase), each name once. op is
 * the IR op the translation produces: tr_binary, tr_reduce, tr_direct,
 * tr_unary, tr_pool, tr_resize and tr_depth_space emit exactly it; the
 * others choose themselves (Pad with a non-zero constant gives PADV2)
 * and op names their main result, for docs/ops.md.
 * NQ_OP_COUNT: several ops (FusedBatchNorm, Softplus) or none (Identity,
 * Const). */
static const tf_op_entry tf_ops[] = {
    {"Abs", tr_direct, NQ_OP_ABS, 1},
    {"Add", tr_binary, NQ_OP_ADD, '+'},
    {"AddN", tr_add_n, NQ_OP_ADD, 0},
    {"AddV2", tr_binary, NQ_OP_ADD, '+'},
    {"ArgMax", tr_direct, NQ_OP_ARG_MAX, 2},
    {"AvgPool", tr_pool, NQ_OP_AVERAGE_POOL_2D, 0},
    {"BatchMatMul", tr_matmul, NQ_OP_BATCH_MATMUL, 1},
    {"BatchMatMulV2", tr_matmul, NQ_OP_BATCH_MATMUL, 1},
    {"BatchMatMulV3", tr_matmul, NQ_OP_BATCH_MATMUL, 1},
    {"BatchToSpaceND", tr_direct, NQ_OP_BATCH_TO_SPACE_ND, 3},
    {"BiasAdd", tr_binary, NQ_OP_ADD, '+'},
    {"BiasAddV1", tr_binary, NQ_OP_ADD, '+'},
    {"Cast", tr_cast, NQ_OP_CAST, 0},
    {"CheckNumerics", tr_forward, NQ_OP_COUNT, 0},
    {"ClipByValue", tr_clip, NQ_OP_COUNT, 0},
    {"Concat", tr_concat_or_pack, NQ_OP_CONCATENATION, 0},
    {"ConcatV2", tr_concat_or_pack, NQ_OP_CONCATENATION, 0},
    {"Const", tr_const, NQ_OP_COUNT, 0},
    {"Conv2D", tr_conv, NQ_OP_CONV_2D, 0},
    {"Conv2DBackpropInput", tr_conv_transpose, NQ_OP_TRANSPOSE_CONV, 0},
    {"DepthToSpace", tr_depth_space, NQ_OP_DEPTH_TO_SPACE, 0},
    {"DepthwiseConv2dNative", tr_conv, NQ_OP_DEPTHWISE_CONV_2D, 0},
    {"Elu", tr_unary, NQ_OP_ELU, 0},
    {"EnsureShape", tr_forward, NQ_OP_COUNT, 0},
    {"Equal", tr_binary, NQ_OP_EQUAL, '='},
    {"Erf", tr_unary, NQ_OP_ERF, 0},
    {"Exp", tr_direct, NQ_OP_EXP, 1},
    {"ExpandDims", tr_expand_dims, NQ_OP_EXPAND_DIMS, 0},
    {"Fill", tr_fill, NQ_OP_COUNT, 0},
    {"Floor", tr_unary, NQ_OP_FLOOR, 0},
    {"FloorDiv", tr_binary, NQ_OP_FLOOR_DIV, 'f'},
    {"FloorMod", tr_binary, NQ_OP_FLOOR_MOD, '%'},
    {"FusedBatchNorm", tr_batchnorm, NQ_OP_COUNT, 0},
    {"FusedBatchNormV2", tr_batchnorm, NQ_OP_COUNT, 0},
    {"FusedBatchNormV3", tr_batchnorm, NQ_OP_COUNT, 0},
    {"GatherV2", tr_direct, NQ_OP_GATHER, 2},
    {"Greater", tr_binary, NQ_OP_GREATER, '>'},
    {"GreaterEqual", tr_binary, NQ_OP_GREATER_EQUAL, 'g'},
    {"Identity", tr_forward, NQ_OP_COUNT, 0},
    {"IdentityN", tr_forward, NQ_OP_COUNT, 0},
    {"Inv", tr_reciprocal, NQ_OP_DIV, 0},
    {"LeakyRelu", tr_unary, NQ_OP_LEAKY_RELU, 0},
    {"Less", tr_binary, NQ_OP_LESS, '<'},
    {"LessEqual", tr_binary, NQ_OP_LESS_EQUAL, 'l'},
    {"Log", tr_direct, NQ_OP_LOG, 1},
    {"LogSoftmax", tr_unary, NQ_OP_LOG_SOFTMAX, 0},
    {"LogicalAnd", tr_binary, NQ_OP_LOGICAL_AND, '&'},
    {"LogicalNot", tr_unary, NQ_OP_LOGICAL_NOT, 0},
    {"LogicalOr", tr_binary, NQ_OP_LOGICAL_OR, '|'},
    {"MatMul", tr_matmul, NQ_OP_FULLY_CONNECTED, 0},
    {"Max", tr_reduce, NQ_OP_REDUCE_MAX, 'M'},
    {"MaxPool", tr_pool, NQ_OP_MAX_POOL_2D, 0},
    {"Maximum", tr_binary, NQ_OP_MAXIMUM, 'M'},
    {"Mean", tr_reduce, NQ_OP_MEAN, 'a'},
    {"Min", tr_reduce, NQ_OP_REDUCE_MIN, 'm'},
    {"Minimum", tr_binary, NQ_OP_MINIMUM, 'm'},
    {"MirrorPad", tr_pad, NQ_OP_MIRROR_PAD, 0},
    {"Mul", tr_binary, NQ_OP_MUL, '*'},
    {"Neg", tr_direct, NQ_OP_NEG, 1},
    {"NoOp", tr_no_op, NQ_OP_COUNT, 0},
    {"NotEqual", tr_binary, NQ_OP_NOT_EQUAL, '!'},
    {"Pack", tr_concat_or_pack, NQ_OP_PACK, 1},
    {"Pad", tr_pad, NQ_OP_PAD, 0},
    {"PadV2", tr_pad, NQ_OP_PADV2, 0},
    {"Placeholder", tr_placeholder, NQ_OP_COUNT, 0},
    {"PlaceholderWithDefault", tr_forward, NQ_OP_COUNT, 0},
    {"Pow", tr_direct, NQ_OP_POW, 2},
    {"PreventGradient", tr_forward, NQ_OP_COUNT, 0},
    {"Prod", tr_reduce, NQ_OP_REDUCE_PROD, 'p'},
    {"Rank", tr_shape_like, NQ_OP_COUNT, 0},
    {"ReadVariableOp", tr_forward, NQ_OP_COUNT, 0},
    {"RealDiv", tr_binary, NQ_OP_DIV, '/'},
    {"Reciprocal", tr_reciprocal, NQ_OP_DIV, 0},
    {"Relu", tr_unary, NQ_OP_RELU, 0},
    {"Relu6", tr_unary, NQ_OP_RELU6, 0},
    {"Reshape", tr_reshape, NQ_OP_RESHAPE, 0},
    {"ResizeBilinear", tr_resize, NQ_OP_RESIZE_BILINEAR, 0},
    {"ResizeNearestNeighbor", tr_resize, NQ_OP_RESIZE_NEAREST_NEIGHBOR, 0},
    {"Rsqrt", tr_direct, NQ_OP_RSQRT, 1},
    {"Select", tr_select, NQ_OP_SELECT_V2, 0},
    {"SelectV2", tr_select, NQ_OP_SELECT_V2, 0},
    {"Selu", tr_selu, NQ_OP_COUNT, 0},
    {"Shape", tr_shape_like, NQ_OP_COUNT, 0},
    {"Sigmoid", tr_unary, NQ_OP_LOGISTIC, 0},
    {"Size", tr_shape_like, NQ_OP_COUNT, 0},
    {"Slice", tr_direct, NQ_OP_SLICE, 3},
    {"Snapshot", tr_forward, NQ_OP_COUNT, 0},
    {"Softmax", tr_unary, NQ_OP_SOFTMAX, 0},
    {"Softplus", tr_softplus, NQ_OP_COUNT, 0},
    {"SpaceToBatchND", tr_direct, NQ_OP_SPACE_TO_BATCH_ND, 3},
    {"SpaceToDepth", tr_depth_space, NQ_OP_SPACE_TO_DEPTH, 0},
    {"Split", tr_split, NQ_OP_SPLIT, 0},
    {"SplitV", tr_split, NQ_OP_SPLIT_V, 1},
    {"Sqrt", tr_direct, NQ_OP_SQRT, 1},
    {"Square", tr_direct, NQ_OP_SQUARE, 1},
    {"SquaredDifference", tr_direct, NQ_OP_SQUARED_DIFFERENCE, 2},
    {"Squeeze", tr_squeeze, NQ_OP_SQUEEZE, 0},
    {"StopGradient", tr_forward, NQ_OP_COUNT, 0},
    {"StridedSlice", tr_strided_slice, NQ_OP_STRIDED_SLICE, 0},
    {"Sub", tr_binary, NQ_OP_SUB, '-'},
    {"Sum", tr_reduce, NQ_OP_SUM, 's'},
    {"Tanh", tr_unary, NQ_OP_TANH, 0},
    {"Tile", tr_direct, NQ_OP_TILE, 2},
    {"Transpose", tr_transpose, NQ_OP_TRANSPOSE, 0},
    {"Unpack", tr_unpack, NQ_OP_UNPACK, 0},
    {"VarHandleOp", tr_variable, NQ_OP_COUNT, 0},
    {"Variable", tr_variable, NQ_OP_COUNT, 0},
    {"VariableV2", tr_variable, NQ_OP_COUNT, 0},
};

const tf_op_entry *tf_op_table(size_t *n) {
  *n = sizeof tf_ops / sizeof tf_ops[0];
  return tf_ops;
}

const tf_op_entry *tf_find_op(const char *name) {
  return nq_name_table_find(tf_ops, sizeof tf_ops / sizeof tf_ops[0], sizeof tf_ops[0], name);
}
