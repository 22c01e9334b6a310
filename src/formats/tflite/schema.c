/*
 * The TFLite schema facts declared in schema.h: BuiltinOperator names,
 * TensorType <-> nq_dtype, and the per-op builtin options table.
 * Numbers are from schema.fbs (BuiltinOperator enum, BuiltinOptions union
 * order, table field order).
 */
#include "formats/tflite/schema.h"

/* BuiltinOperator, by code. Gaps are NULL. */
static const char *const builtin_names[] = {
    [0] = "ADD",
    [1] = "AVERAGE_POOL_2D",
    [2] = "CONCATENATION",
    [3] = "CONV_2D",
    [4] = "DEPTHWISE_CONV_2D",
    [5] = "DEPTH_TO_SPACE",
    [6] = "DEQUANTIZE",
    [7] = "EMBEDDING_LOOKUP",
    [8] = "FLOOR",
    [9] = "FULLY_CONNECTED",
    [10] = "HASHTABLE_LOOKUP",
    [11] = "L2_NORMALIZATION",
    [12] = "L2_POOL_2D",
    [13] = "LOCAL_RESPONSE_NORMALIZATION",
    [14] = "LOGISTIC",
    [15] = "LSH_PROJECTION",
    [16] = "LSTM",
    [17] = "MAX_POOL_2D",
    [18] = "MUL",
    [19] = "RELU",
    [20] = "RELU_N1_TO_1",
    [21] = "RELU6",
    [22] = "RESHAPE",
    [23] = "RESIZE_BILINEAR",
    [24] = "RNN",
    [25] = "SOFTMAX",
    [26] = "SPACE_TO_DEPTH",
    [27] = "SVDF",
    [28] = "TANH",
    [29] = "CONCAT_EMBEDDINGS",
    [30] = "SKIP_GRAM",
    [31] = "CALL",
    [32] = "CUSTOM",
    [33] = "EMBEDDING_LOOKUP_SPARSE",
    [34] = "PAD",
    [35] = "UNIDIRECTIONAL_SEQUENCE_RNN",
    [36] = "GATHER",
    [37] = "BATCH_TO_SPACE_ND",
    [38] = "SPACE_TO_BATCH_ND",
    [39] = "TRANSPOSE",
    [40] = "MEAN",
    [41] = "SUB",
    [42] = "DIV",
    [43] = "SQUEEZE",
    [44] = "UNIDIRECTIONAL_SEQUENCE_LSTM",
    [45] = "STRIDED_SLICE",
    [46] = "BIDIRECTIONAL_SEQUENCE_RNN",
    [47] = "EXP",
    [48] = "TOPK_V2",
    [49] = "SPLIT",
    [50] = "LOG_SOFTMAX",
    [51] = "DELEGATE",
    [52] = "BIDIRECTIONAL_SEQUENCE_LSTM",
    [53] = "CAST",
    [54] = "PRELU",
    [55] = "MAXIMUM",
    [56] = "ARG_MAX",
    [57] = "MINIMUM",
    [58] = "LESS",
    [59] = "NEG",
    [60] = "PADV2",
    [61] = "GREATER",
    [62] = "GREATER_EQUAL",
    [63] = "LESS_EQUAL",
    [64] = "SELECT",
    [65] = "SLICE",
    [66] = "SIN",
    [67] = "TRANSPOSE_CONV",
    [68] = "SPARSE_TO_DENSE",
    [69] = "TILE",
    [70] = "EXPAND_DIMS",
    [71] = "EQUAL",
    [72] = "NOT_EQUAL",
    [73] = "LOG",
    [74] = "SUM",
    [75] = "SQRT",
    [76] = "RSQRT",
    [77] = "SHAPE",
    [78] = "POW",
    [79] = "ARG_MIN",
    [80] = "FAKE_QUANT",
    [81] = "REDUCE_PROD",
    [82] = "REDUCE_MAX",
    [83] = "PACK",
    [84] = "LOGICAL_OR",
    [85] = "ONE_HOT",
    [86] = "LOGICAL_AND",
    [87] = "LOGICAL_NOT",
    [88] = "UNPACK",
    [89] = "REDUCE_MIN",
    [90] = "FLOOR_DIV",
    [91] = "REDUCE_ANY",
    [92] = "SQUARE",
    [93] = "ZEROS_LIKE",
    [94] = "FILL",
    [95] = "FLOOR_MOD",
    [96] = "RANGE",
    [97] = "RESIZE_NEAREST_NEIGHBOR",
    [98] = "LEAKY_RELU",
    [99] = "SQUARED_DIFFERENCE",
    [100] = "MIRROR_PAD",
    [101] = "ABS",
    [102] = "SPLIT_V",
    [103] = "UNIQUE",
    [104] = "CEIL",
    [105] = "REVERSE_V2",
    [106] = "ADD_N",
    [107] = "GATHER_ND",
    [108] = "COS",
    [109] = "WHERE",
    [110] = "RANK",
    [111] = "ELU",
    [112] = "REVERSE_SEQUENCE",
    [113] = "MATRIX_DIAG",
    [114] = "QUANTIZE",
    [115] = "MATRIX_SET_DIAG",
    [116] = "ROUND",
    [117] = "HARD_SWISH",
    [118] = "IF",
    [119] = "WHILE",
    [120] = "NON_MAX_SUPPRESSION_V4",
    [121] = "NON_MAX_SUPPRESSION_V5",
    [122] = "SCATTER_ND",
    [123] = "SELECT_V2",
    [124] = "DENSIFY",
    [125] = "SEGMENT_SUM",
    [126] = "BATCH_MATMUL",
    [127] = "PLACEHOLDER_FOR_GREATER_OP_CODES",
    [128] = "CUMSUM",
    [129] = "CALL_ONCE",
    [130] = "BROADCAST_TO",
    [131] = "RFFT2D",
    [132] = "CONV_3D",
    [133] = "IMAG",
    [134] = "REAL",
    [135] = "COMPLEX_ABS",
    [136] = "HASHTABLE",
    [137] = "HASHTABLE_FIND",
    [138] = "HASHTABLE_IMPORT",
    [139] = "HASHTABLE_SIZE",
    [140] = "REDUCE_ALL",
    [141] = "CONV_3D_TRANSPOSE",
    [142] = "VAR_HANDLE",
    [143] = "READ_VARIABLE",
    [144] = "ASSIGN_VARIABLE",
    [145] = "BROADCAST_ARGS",
    [146] = "RANDOM_STANDARD_NORMAL",
    [147] = "BUCKETIZE",
    [148] = "RANDOM_UNIFORM",
    [149] = "MULTINOMIAL",
    [150] = "GELU",
    [151] = "DYNAMIC_UPDATE_SLICE",
    [152] = "RELU_0_TO_1",
    [153] = "UNSORTED_SEGMENT_PROD",
    [154] = "UNSORTED_SEGMENT_MAX",
    [155] = "UNSORTED_SEGMENT_SUM",
    [156] = "ATAN2",
    [157] = "UNSORTED_SEGMENT_MIN",
    [158] = "SIGN",
    [159] = "BITCAST",
    [160] = "BITWISE_XOR",
    [161] = "RIGHT_SHIFT",
    [162] = "STABLEHLO_LOGISTIC",
    [163] = "STABLEHLO_ADD",
    [164] = "STABLEHLO_DIVIDE",
    [165] = "STABLEHLO_MULTIPLY",
    [166] = "STABLEHLO_MAXIMUM",
    [167] = "STABLEHLO_RESHAPE",
    [168] = "STABLEHLO_CLAMP",
    [169] = "STABLEHLO_CONCATENATE",
    [170] = "STABLEHLO_BROADCAST_IN_DIM",
    [171] = "STABLEHLO_CONVOLUTION",
    [172] = "STABLEHLO_SLICE",
    [173] = "STABLEHLO_CUSTOM_CALL",
    [174] = "STABLEHLO_REDUCE",
    [175] = "STABLEHLO_ABS",
    [176] = "STABLEHLO_AND",
    [177] = "STABLEHLO_COSINE",
    [178] = "STABLEHLO_EXPONENTIAL",
    [179] = "STABLEHLO_FLOOR",
    [180] = "STABLEHLO_LOG",
    [181] = "STABLEHLO_MINIMUM",
    [182] = "STABLEHLO_NEGATE",
    [183] = "STABLEHLO_OR",
    [184] = "STABLEHLO_POWER",
    [185] = "STABLEHLO_REMAINDER",
    [186] = "STABLEHLO_RSQRT",
    [187] = "STABLEHLO_SELECT",
    [188] = "STABLEHLO_SUBTRACT",
    [189] = "STABLEHLO_TANH",
    [190] = "STABLEHLO_SCATTER",
    [191] = "STABLEHLO_COMPARE",
    [192] = "STABLEHLO_CONVERT",
    [193] = "STABLEHLO_DYNAMIC_SLICE",
    [194] = "STABLEHLO_DYNAMIC_UPDATE_SLICE",
    [195] = "STABLEHLO_PAD",
    [196] = "STABLEHLO_IOTA",
    [197] = "STABLEHLO_DOT_GENERAL",
    [198] = "STABLEHLO_REDUCE_WINDOW",
    [199] = "STABLEHLO_SORT",
    [200] = "STABLEHLO_WHILE",
    [201] = "STABLEHLO_GATHER",
    [202] = "STABLEHLO_TRANSPOSE",
    [203] = "DILATE",
    [204] = "STABLEHLO_RNG_BIT_GENERATOR",
    [205] = "REDUCE_WINDOW",
    [206] = "STABLEHLO_COMPOSITE",
    [207] = "STABLEHLO_SHIFT_LEFT",
    [208] = "STABLEHLO_CBRT",
    [209] = "STABLEHLO_CASE",
};
#define N_BUILTINS ((int)(sizeof builtin_names / sizeof builtin_names[0]))
_Static_assert(sizeof builtin_names / sizeof builtin_names[0] == 210, "BuiltinOperator 0..209");

const char *nq_tfl_builtin_name(int code) {
  return code >= 0 && code < N_BUILTINS ? builtin_names[code] : NULL;
}
int nq_tfl_builtin_count(void) { return N_BUILTINS; }

static const char *const type_names[NQ_TFL_TENSOR_TYPE_COUNT] = {
    "FLOAT32", "FLOAT16",   "INT32",  "UINT8",   "INT64",      "STRING", "BOOL",
    "INT16",   "COMPLEX64", "INT8",   "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE",
    "VARIANT", "UINT32",    "UINT16", "INT4",    "BFLOAT16",
};
_Static_assert(sizeof type_names / sizeof type_names[0] == NQ_TFL_TENSOR_TYPE_COUNT, "type names");

const char *nq_tfl_type_name(int t) { return t >= 0 && t < NQ_TFL_TENSOR_TYPE_COUNT ? type_names[t] : "?"; }

/* -1: npuquant has no dtype for it. */
static const int8_t tfl_to_dtype[NQ_TFL_TENSOR_TYPE_COUNT] = {
    [NQ_TFL_FLOAT32] = NQ_FLOAT32, [NQ_TFL_FLOAT16] = NQ_FLOAT16, [NQ_TFL_INT32] = NQ_INT32,
    [NQ_TFL_UINT8] = NQ_UINT8,     [NQ_TFL_INT64] = NQ_INT64,     [NQ_TFL_STRING] = -1,
    [NQ_TFL_BOOL] = NQ_BOOL,       [NQ_TFL_INT16] = NQ_INT16,     [NQ_TFL_COMPLEX64] = -1,
    [NQ_TFL_INT8] = NQ_INT8,       [NQ_TFL_FLOAT64] = -1,         [NQ_TFL_COMPLEX128] = -1,
    [NQ_TFL_UINT64] = -1,          [NQ_TFL_RESOURCE] = -1,        [NQ_TFL_VARIANT] = -1,
    [NQ_TFL_UINT32] = -1,          [NQ_TFL_UINT16] = -1,          [NQ_TFL_INT4] = -1,
    [NQ_TFL_BFLOAT16] = -1,
};
static const uint8_t dtype_to_tfl[NQ_DTYPE_COUNT] = {
    [NQ_FLOAT32] = NQ_TFL_FLOAT32, [NQ_FLOAT16] = NQ_TFL_FLOAT16, [NQ_INT8] = NQ_TFL_INT8,
    [NQ_UINT8] = NQ_TFL_UINT8,     [NQ_INT16] = NQ_TFL_INT16,     [NQ_INT32] = NQ_TFL_INT32,
    [NQ_INT64] = NQ_TFL_INT64,     [NQ_BOOL] = NQ_TFL_BOOL,
};
_Static_assert(sizeof dtype_to_tfl / sizeof dtype_to_tfl[0] == NQ_DTYPE_COUNT,
               "every nq_dtype needs a TensorType");

bool nq_tfl_type_to_dtype(int t, nq_dtype *out) {
  if (t < 0 || t >= NQ_TFL_TENSOR_TYPE_COUNT || tfl_to_dtype[t] < 0) return false;
  *out = (nq_dtype)tfl_to_dtype[t];
  return true;
}

nq_tfl_tensor_type nq_tfl_type_from_dtype(nq_dtype t) {
  return (unsigned)t < NQ_DTYPE_COUNT ? (nq_tfl_tensor_type)dtype_to_tfl[t] : NQ_TFL_FLOAT32;
}

/* ---- options fields ---- */

#define OFF(member) ((uint16_t)offsetof(nq_op_params, member))
/* A field kept in nq_op_params. */
#define KEEP(nm, fid, w, d, member, dv) \
  { nm, fid, NQ_TFL_WIRE_##w, NQ_TFL_DEST_##d, 0, OFF(member), 0, 0, dv }
/* A byte enum kept as int, valid in [l, h]. */
#define KEEP_ENUM(nm, fid, member, l, h) \
  { nm, fid, NQ_TFL_WIRE_INT8, NQ_TFL_DEST_INT, NQ_TFL_RANGE, OFF(member), l, h, 0 }
/* A field npuquant cannot honour: must stay at its default. */
#define MUST_DEFAULT(nm, fid, w, dv) \
  { nm, fid, NQ_TFL_WIRE_##w, NQ_TFL_DEST_NONE, NQ_TFL_REQUIRE_DEFAULT, 0, 0, 0, dv }
#define ACT(fid) KEEP("fused_activation_function", fid, INT8, ACT, act, 0)
#define PADDING(fid) KEEP("padding", fid, INT8, PADDING, padding, 0)

static const nq_tfl_field conv2d_fields[] = {
    PADDING(0),
    KEEP("stride_w", 1, INT32, INT, stride_w, 0),
    KEEP("stride_h", 2, INT32, INT, stride_h, 0),
    ACT(3),
    KEEP("dilation_w_factor", 4, INT32, INT, dilation_w, 1),
    KEEP("dilation_h_factor", 5, INT32, INT, dilation_h, 1),
    MUST_DEFAULT("quantized_bias_type", 6, INT8, 0),
};
static const nq_tfl_field dwconv_fields[] = {
    PADDING(0),
    KEEP("stride_w", 1, INT32, INT, stride_w, 0),
    KEEP("stride_h", 2, INT32, INT, stride_h, 0),
    KEEP("depth_multiplier", 3, INT32, INT, depth_multiplier, 0),
    ACT(4),
    KEEP("dilation_w_factor", 5, INT32, INT, dilation_w, 1),
    KEEP("dilation_h_factor", 6, INT32, INT, dilation_h, 1),
};
static const nq_tfl_field pool2d_fields[] = {
    PADDING(0),
    KEEP("stride_w", 1, INT32, INT, stride_w, 0),
    KEEP("stride_h", 2, INT32, INT, stride_h, 0),
    KEEP("filter_width", 3, INT32, INT, filter_w, 0),
    KEEP("filter_height", 4, INT32, INT, filter_h, 0),
    ACT(5),
};
static const nq_tfl_field fc_fields[] = {
    ACT(0),
    MUST_DEFAULT("weights_format", 1, INT8, 0), /* SHUFFLED4x16INT8 reorders the weights */
    KEEP("keep_num_dims", 2, BOOL, BOOL, keep_dims, 0),
    /* 3 asymmetric_quantize_inputs: hybrid kernels only; ignored */
    MUST_DEFAULT("quantized_bias_type", 4, INT8, 0),
};
static const nq_tfl_field softmax_fields[] = {KEEP("beta", 0, FLOAT, FLOAT, beta, 0)};
static const nq_tfl_field concat_fields[] = {KEEP("axis", 0, INT32, INT, axis, 0), ACT(1)};
/* AddOptions/SubOptions id 1 pot_scale_int16 only matters for int16: ignored. */
static const nq_tfl_field act0_fields[] = {ACT(0)};
static const nq_tfl_field resize_bilinear_fields[] = {
    /* 0 new_height, 1 new_width: deprecated */
    KEEP("align_corners", 2, BOOL, BOOL, align_corners, 0),
    KEEP("half_pixel_centers", 3, BOOL, BOOL, half_pixel_centers, 0),
};
static const nq_tfl_field resize_nn_fields[] = {
    KEEP("align_corners", 0, BOOL, BOOL, align_corners, 0),
    KEEP("half_pixel_centers", 1, BOOL, BOOL, half_pixel_centers, 0),
};
static const nq_tfl_field block_size_fields[] = {KEEP("block_size", 0, INT32, INT, block_size, 0)};
static const nq_tfl_field gather_fields[] = {
    KEEP("axis", 0, INT32, INT, axis, 0),
    MUST_DEFAULT("batch_dims", 1, INT32, 0),
};
static const nq_tfl_field reducer_fields[] = {KEEP("keep_dims", 0, BOOL, BOOL, keep_dims, 0)};
static const nq_tfl_field strided_slice_fields[] = {
    KEEP("begin_mask", 0, INT32, INT, begin_mask, 0),
    KEEP("end_mask", 1, INT32, INT, end_mask, 0),
    KEEP("ellipsis_mask", 2, INT32, INT, ellipsis_mask, 0),
    KEEP("new_axis_mask", 3, INT32, INT, new_axis_mask, 0),
    KEEP("shrink_axis_mask", 4, INT32, INT, shrink_axis_mask, 0),
    KEEP("offset", 5, BOOL, BOOL, offset, 0),
};
static const nq_tfl_field num_splits_fields[] = {KEEP("num_splits", 0, INT32, INT, num, 0)};
/* 0 in_data_type is implied by the input tensor: not kept. */
static const nq_tfl_field cast_fields[] = {KEEP("out_data_type", 1, INT8, DTYPE, out_type, 0)};
static const nq_tfl_field arg_max_fields[] = {KEEP("output_type", 0, INT8, DTYPE, out_type, 0)};
static const nq_tfl_field transpose_conv_fields[] = {
    PADDING(0), KEEP("stride_w", 1, INT32, INT, stride_w, 0),    KEEP("stride_h", 2, INT32, INT, stride_h, 0),
    ACT(3),     MUST_DEFAULT("quantized_bias_type", 4, INT8, 0),
};
static const nq_tfl_field pack_fields[] = {
    KEEP("values_count", 0, INT32, INT, num, 0),
    KEEP("axis", 1, INT32, INT, axis, 0),
};
static const nq_tfl_field unpack_fields[] = {
    KEEP("num", 0, INT32, INT, num, 0),
    KEEP("axis", 1, INT32, INT, axis, 0),
};
static const nq_tfl_field leaky_relu_fields[] = {KEEP("alpha", 0, FLOAT, FLOAT, alpha, 0)};
static const nq_tfl_field mirror_pad_fields[] = {KEEP_ENUM("mode", 0, mirror_mode, 0, 1)};
static const nq_tfl_field batch_matmul_fields[] = {
    KEEP("adj_x", 0, BOOL, BOOL, adj_x, 0), KEEP("adj_y", 1, BOOL, BOOL, adj_y, 0),
    /* 2 asymmetric_quantize_inputs: hybrid kernels only; ignored */
};
static const nq_tfl_field gelu_fields[] = {KEEP("approximate", 0, BOOL, BOOL, approximate, 0)};

/* BuiltinOptions union types (position in the union, NONE = 0). */
enum {
  BO_Conv2D = 1,
  BO_DepthwiseConv2D = 2,
  BO_Pool2D = 5,
  BO_FullyConnected = 8,
  BO_Softmax = 9,
  BO_Concatenation = 10,
  BO_Add = 11,
  BO_L2Norm = 12,
  BO_ResizeBilinear = 15,
  BO_Reshape = 17,
  BO_SpaceToDepth = 19,
  BO_Mul = 21,
  BO_Pad = 22,
  BO_Gather = 23,
  BO_BatchToSpaceND = 24,
  BO_SpaceToBatchND = 25,
  BO_Transpose = 26,
  BO_Reducer = 27,
  BO_Sub = 28,
  BO_Div = 29,
  BO_Squeeze = 30,
  BO_StridedSlice = 32,
  BO_Exp = 33,
  BO_Split = 35,
  BO_LogSoftmax = 36,
  BO_Cast = 37,
  BO_Dequantize = 38,
  BO_MaximumMinimum = 39,
  BO_ArgMax = 40,
  BO_Neg = 42,
  BO_PadV2 = 43,
  BO_Slice = 48,
  BO_TransposeConv = 49,
  BO_Tile = 51,
  BO_ExpandDims = 52,
  BO_Pow = 56,
  BO_Pack = 59,
  BO_Unpack = 64,
  BO_Square = 66,
  BO_ResizeNearestNeighbor = 74,
  BO_LeakyRelu = 75,
  BO_SquaredDifference = 76,
  BO_MirrorPad = 77,
  BO_Abs = 78,
  BO_SplitV = 79,
  BO_Quantize = 89,
  BO_HardSwish = 91,
  BO_DepthToSpace = 94,
  BO_BatchMatMul = 101,
  BO_Gelu = 116,
  BO_FloorDiv = 65,
  BO_FloorMod = 72,
  BO_SelectV2 = 98,
  BO_Less = 41,
  BO_Greater = 44,
  BO_GreaterEqual = 45,
  BO_LessEqual = 46,
  BO_Equal = 53,
  BO_NotEqual = 54,
  BO_LogicalOr = 60,
  BO_LogicalAnd = 62,
  BO_LogicalNot = 63,
};

#define NO_OPTIONS \
  { 0, NULL, 0, NULL, 0, 0 }
#define OPTIONS(t, arr) \
  { BO_##t, #t "Options", (uint8_t)(sizeof arr / sizeof arr[0]), arr, 0, 0 }
#define EMPTY_OPTIONS(t) \
  { BO_##t, #t "Options", 0, NULL, 0, 0 }

#define SPECIAL_OPTIONS(t, special) \
  { BO_##t, #t "Options", 0, NULL, special, 0 }

/* ops.def column OPTIONS, in enum order. */
const nq_tfl_op_options nq_tfl_op_options_table[NQ_OP_COUNT] = {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) opts,
#include "ir/ops.def"
#undef NQ_OP
};

const nq_tfl_op_options *nq_tfl_options_of(nq_op op) {
  static const nq_tfl_op_options none = NO_OPTIONS;
  return (unsigned)op < NQ_OP_COUNT ? &nq_tfl_op_options_table[op] : &none;
}

double nq_tfl_param_get(const nq_op_params *p, const nq_tfl_field *f) {
  const char *base = (const char *)p + f->offset;
  switch ((nq_tfl_dest)f->dest) {
    case NQ_TFL_DEST_BOOL:
      return *(const bool *)(const void *)base ? 1.0 : 0.0;
    case NQ_TFL_DEST_INT:
      return *(const int *)(const void *)base;
    case NQ_TFL_DEST_FLOAT:
      return *(const float *)(const void *)base;
    case NQ_TFL_DEST_ACT:
      return (double)*(const nq_activation *)(const void *)base;
    case NQ_TFL_DEST_PADDING:
      return (double)*(const nq_padding *)(const void *)base;
    case NQ_TFL_DEST_DTYPE:
      return nq_tfl_type_from_dtype(*(const nq_dtype *)(const void *)base);
    case NQ_TFL_DEST_NONE:
      break;
  }
  return f->def;
}

bool nq_tfl_param_set(nq_op_params *p, const nq_tfl_field *f, double v) {
  char *base = (char *)p + f->offset;
  if (f->flags & NQ_TFL_RANGE && (v < f->lo || v > f->hi)) return false;
  switch ((nq_tfl_dest)f->dest) {
    case NQ_TFL_DEST_NONE:
      return !(f->flags & NQ_TFL_REQUIRE_DEFAULT) || v == f->def;
    case NQ_TFL_DEST_BOOL:
      *(bool *)(void *)base = v != 0;
      return true;
    case NQ_TFL_DEST_INT:
      if (!(v >= INT32_MIN && v <= INT32_MAX)) return false;
      *(int *)(void *)base = (int)v;
      return true;
    case NQ_TFL_DEST_FLOAT:
      *(float *)(void *)base = (float)v;
      return true;
    case NQ_TFL_DEST_ACT:
      if (!(v >= NQ_ACT_NONE && v <= NQ_ACT_SIGN_BIT)) return false;
      *(nq_activation *)(void *)base = (nq_activation)(int)v;
      return true;
    case NQ_TFL_DEST_PADDING:
      if (!(v == NQ_PAD_SAME || v == NQ_PAD_VALID)) return false;
      *(nq_padding *)(void *)base = (nq_padding)(int)v;
      return true;
    case NQ_TFL_DEST_DTYPE: {
      nq_dtype d;
      if (!(v >= 0 && v < NQ_TFL_TENSOR_TYPE_COUNT) || !nq_tfl_type_to_dtype((int)v, &d)) return false;
      *(nq_dtype *)(void *)base = d;
      return true;
    }
  }
  return false;
}
