#include "quant/op_rules.h"

#define SAME(mask) {.kind = NQ_Q_SAME, .data_inputs = (mask), .defined = true}
#define FREE(mask) {.kind = NQ_Q_FREE, .data_inputs = (mask), .defined = true}
#define FIXED(s, z) \
  {.kind = NQ_Q_FIXED, .data_inputs = NQ_IN(0), .fixed_scale = (s), .fixed_zp = (z), .defined = true}
/* act, weight, bias: input slots; axis: per-channel axis of the weights */
#define WEIGHTED(act, w, b, axis)                                                                    \
  {.kind = NQ_Q_WEIGHTED, .data_inputs = NQ_IN(act), .act_slot = (act), .weight_slot = (w),        \
   .bias_slot = (b), .weight_axis = (axis), .defined = true}
#define NONE {.kind = NQ_Q_NONE, .defined = true}

static const nq_qrule rules[NQ_OP_COUNT] = {
    [NQ_OP_ADD] = FREE(NQ_IN(0) | NQ_IN(1)),
    [NQ_OP_AVERAGE_POOL_2D] = SAME(NQ_IN(0)),
    [NQ_OP_CONCATENATION] = SAME(NQ_DATA_ALL),
    [NQ_OP_CONV_2D] = WEIGHTED(0, 1, 2, 0),
    [NQ_OP_DEPTHWISE_CONV_2D] = WEIGHTED(0, 1, 2, 3),
    [NQ_OP_DEPTH_TO_SPACE] = SAME(NQ_IN(0)),
    [NQ_OP_DEQUANTIZE] = NONE,
    [NQ_OP_FULLY_CONNECTED] = WEIGHTED(0, 1, 2, 0),
    [NQ_OP_L2_NORMALIZATION] = FIXED(1.0f / 128.0f, 0),
    [NQ_OP_LOGISTIC] = FIXED(1.0f / 256.0f, -128),
    [NQ_OP_MAX_POOL_2D] = SAME(NQ_IN(0)),
    [NQ_OP_MUL] = FREE(NQ_IN(0) | NQ_IN(1)),
    [NQ_OP_RELU] = FREE(NQ_IN(0)),
    [NQ_OP_RELU_N1_TO_1] = FREE(NQ_IN(0)),
    [NQ_OP_RELU6] = FREE(NQ_IN(0)),
    [NQ_OP_RESHAPE] = SAME(NQ_IN(0)),
    [NQ_OP_RESIZE_BILINEAR] = SAME(NQ_IN(0)),
    [NQ_OP_SOFTMAX] = FIXED(1.0f / 256.0f, -128),
    [NQ_OP_SPACE_TO_DEPTH] = SAME(NQ_IN(0)),
    [NQ_OP_TANH] = FIXED(1.0f / 128.0f, 0),
    [NQ_OP_PAD] = SAME(NQ_IN(0)),
    [NQ_OP_GATHER] = SAME(NQ_IN(0)),
    [NQ_OP_BATCH_TO_SPACE_ND] = SAME(NQ_IN(0)),
    [NQ_OP_SPACE_TO_BATCH_ND] = SAME(NQ_IN(0)),
    [NQ_OP_TRANSPOSE] = SAME(NQ_IN(0)),
    [NQ_OP_MEAN] = FREE(NQ_IN(0)),
    [NQ_OP_SUB] = FREE(NQ_IN(0) | NQ_IN(1)),
    [NQ_OP_DIV] = NONE, /* TFLite has no int8 DIV (uint8 only) */
    [NQ_OP_SQUEEZE] = SAME(NQ_IN(0)),
    [NQ_OP_STRIDED_SLICE] = SAME(NQ_IN(0)),
    [NQ_OP_EXP] = FREE(NQ_IN(0)), /* 256-entry table (LUTPopulate) */
    [NQ_OP_SPLIT] = SAME(NQ_IN(1)), /* input 0 is the axis */
    [NQ_OP_LOG_SOFTMAX] = FIXED(16.0f / 256.0f, 127),
    [NQ_OP_CAST] = NONE,
    [NQ_OP_PRELU] = FREE(NQ_IN(0) | NQ_IN(1)),
    [NQ_OP_MAXIMUM] = SAME(NQ_IN(0) | NQ_IN(1)),
    [NQ_OP_ARG_MAX] = {.kind = NQ_Q_FREE, .data_inputs = NQ_IN(0), .output_not_quantized = true, .defined = true},
    [NQ_OP_MINIMUM] = SAME(NQ_IN(0) | NQ_IN(1)),
    [NQ_OP_NEG] = NONE, /* LiteRT negates int8 as raw integers, ignoring scale and zero point */
    [NQ_OP_PADV2] = SAME(NQ_IN(0) | NQ_IN(2)),
    [NQ_OP_SLICE] = SAME(NQ_IN(0)),
    [NQ_OP_TRANSPOSE_CONV] = WEIGHTED(2, 1, 3, 0), /* inputs: output_shape, weights, input, bias */
    [NQ_OP_TILE] = SAME(NQ_IN(0)),
    [NQ_OP_EXPAND_DIMS] = SAME(NQ_IN(0)),
    [NQ_OP_LOG] = FREE(NQ_IN(0)), /* table; x <= 0 gives the lowest output */
    [NQ_OP_SUM] = FREE(NQ_IN(0)),
    [NQ_OP_SQRT] = FREE(NQ_IN(0)), /* int8 only; inputs must be >= 0 */
    [NQ_OP_RSQRT] = FREE(NQ_IN(0)), /* int8 only; inputs must be >= 0 */
    [NQ_OP_POW] = NONE,
    [NQ_OP_REDUCE_PROD] = FREE(NQ_IN(0)), /* input 1 is the axes */
    [NQ_OP_REDUCE_MAX] = SAME(NQ_IN(0)),
    [NQ_OP_PACK] = SAME(NQ_DATA_ALL),
    [NQ_OP_UNPACK] = SAME(NQ_IN(0)),
    [NQ_OP_REDUCE_MIN] = SAME(NQ_IN(0)),
    [NQ_OP_SQUARE] = NONE, /* likewise a raw integer square in LiteRT */
    [NQ_OP_RESIZE_NEAREST_NEIGHBOR] = SAME(NQ_IN(0)),
    [NQ_OP_LEAKY_RELU] = FREE(NQ_IN(0)),
    [NQ_OP_SQUARED_DIFFERENCE] = FREE(NQ_IN(0) | NQ_IN(1)),
    [NQ_OP_MIRROR_PAD] = SAME(NQ_IN(0)),
    [NQ_OP_ABS] = FREE(NQ_IN(0)),
    [NQ_OP_SPLIT_V] = SAME(NQ_IN(0)),
    [NQ_OP_ELU] = FREE(NQ_IN(0)), /* table */
    [NQ_OP_QUANTIZE] = NONE,
    [NQ_OP_HARD_SWISH] = FREE(NQ_IN(0)),
    [NQ_OP_BATCH_MATMUL] = FREE(NQ_IN(0) | NQ_IN(1)),
    [NQ_OP_GELU] = FREE(NQ_IN(0)), /* table */
    [NQ_OP_ERF] = NONE, /* no TFLite op; only inside GELU, which the passes fuse */
    [NQ_OP_FLOOR] = NONE,     /* float32 only in TFLite */
    [NQ_OP_FLOOR_DIV] = NONE, /* TFLite's int8 form divides raw integers, ignoring scales */
    [NQ_OP_FLOOR_MOD] = NONE, /* likewise */
    [NQ_OP_SELECT_V2] = SAME(NQ_IN(1) | NQ_IN(2)), /* raw copies: x, y, out share a scale */
};
/* Designated initializers size the array by the last entry only, so a test
 * (tests/quant) also checks that every entry is `defined`. */
_Static_assert(sizeof rules / sizeof rules[0] == NQ_OP_COUNT, "every op needs a quantization rule");

const nq_qrule *nq_quant_rule(nq_op op) {
  static const nq_qrule none = NONE;
  return (unsigned)op < NQ_OP_COUNT ? &rules[op] : &none;
}

bool nq_quant_is_data_input(const nq_node *n, int slot) {
  const nq_qrule *r = nq_quant_rule(n->op);
  if (slot < 0 || slot >= 32) return false;
  return (r->data_inputs >> slot) & 1u;
}
