/*
 * Facts of TensorFlow Lite's flatbuffer schema (schema.fbs, file identifier
 * "TFL3") that both the reader (src/frontends/tflite) and the writer
 * (src/writers/tflite) need. Nothing here parses or builds bytes.
 *
 * Flatbuffers in one paragraph: a table starts with an int32 soffset to its
 * vtable (vtable position = table position - soffset). A vtable is uint16
 * [vtable size in bytes, table size in bytes, field offset 0, field offset
 * 1, ...]; the entry for field id k sits at byte 4 + 2k and gives the
 * field's offset from the table start (0 = absent: the schema default
 * applies). Scalars are stored inline, little-endian. Strings, vectors and
 * sub-tables are stored as a uint32 offset relative to the field's own
 * position. A vector is a uint32 length followed by its elements; a string
 * is a vector of bytes followed by a NUL. A union field with id k is two
 * fields: k = its type (ubyte, 0 = NONE) and k + 1 = the offset to the
 * table. Deprecated fields keep their id.
 *
 * The ids below are each field's position in its table in schema.fbs
 * (counting a union as two). They are facts of the format: never renumber.
 */
#ifndef NQ_FORMATS_TFLITE_SCHEMA_H
#define NQ_FORMATS_TFLITE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/graph.h"

#define NQ_TFL_IDENTIFIER "TFL3" /* bytes 4..7 of a .tflite file */
#define NQ_TFL_SCHEMA_VERSION 3  /* Model.version written by current converters */

/* ---- vtable field ids ---- */
enum {
  NQ_TFL_MODEL_VERSION = 0,         /* uint */
  NQ_TFL_MODEL_OPERATOR_CODES = 1,  /* [OperatorCode] */
  NQ_TFL_MODEL_SUBGRAPHS = 2,       /* [SubGraph], 0 is the main graph */
  NQ_TFL_MODEL_DESCRIPTION = 3,     /* string */
  NQ_TFL_MODEL_BUFFERS = 4,         /* [Buffer], buffer 0 is the empty sentinel */
  NQ_TFL_MODEL_METADATA_BUFFER = 5, /* [int], deprecated */
  NQ_TFL_MODEL_METADATA = 6,        /* [Metadata] */
  NQ_TFL_MODEL_SIGNATURE_DEFS = 7,  /* [SignatureDef] */
};
enum {
  NQ_TFL_SUBGRAPH_TENSORS = 0,              /* [Tensor] */
  NQ_TFL_SUBGRAPH_INPUTS = 1,               /* [int] */
  NQ_TFL_SUBGRAPH_OUTPUTS = 2,              /* [int] */
  NQ_TFL_SUBGRAPH_OPERATORS = 3,            /* [Operator] in execution order */
  NQ_TFL_SUBGRAPH_NAME = 4,                 /* string */
  NQ_TFL_SUBGRAPH_DEBUG_METADATA_INDEX = 5, /* int = -1 */
};
enum {
  NQ_TFL_TENSOR_SHAPE = 0,           /* [int] */
  NQ_TFL_TENSOR_TYPE = 1,            /* TensorType (byte), default FLOAT32 */
  NQ_TFL_TENSOR_BUFFER = 2,          /* uint index into Model.buffers, 0 = none */
  NQ_TFL_TENSOR_NAME = 3,            /* string */
  NQ_TFL_TENSOR_QUANTIZATION = 4,    /* QuantizationParameters */
  NQ_TFL_TENSOR_IS_VARIABLE = 5,     /* bool = false */
  NQ_TFL_TENSOR_SPARSITY = 6,        /* SparsityParameters */
  NQ_TFL_TENSOR_SHAPE_SIGNATURE = 7, /* [int], -1 = unknown dim */
  NQ_TFL_TENSOR_HAS_RANK = 8,        /* bool = false */
  NQ_TFL_TENSOR_VARIANT_TENSORS = 9, /* [VariantSubType] */
};
enum {
  NQ_TFL_QUANT_MIN = 0,                 /* [float] */
  NQ_TFL_QUANT_MAX = 1,                 /* [float] */
  NQ_TFL_QUANT_SCALE = 2,               /* [float] */
  NQ_TFL_QUANT_ZERO_POINT = 3,          /* [long] */
  NQ_TFL_QUANT_DETAILS_TYPE = 4,        /* QuantizationDetails union type */
  NQ_TFL_QUANT_DETAILS = 5,             /* CustomQuantization / BlockwiseQuantization */
  NQ_TFL_QUANT_QUANTIZED_DIMENSION = 6, /* int = 0 */
};
enum {
  NQ_TFL_BUFFER_DATA = 0,   /* [ubyte] (force_align: 16) */
  NQ_TFL_BUFFER_OFFSET = 1, /* ulong: data outside the flatbuffer, from file start; valid if > 1 */
  NQ_TFL_BUFFER_SIZE = 2,   /* ulong */
};
enum {
  NQ_TFL_OPCODE_DEPRECATED_BUILTIN_CODE = 0, /* byte; codes < 127 */
  NQ_TFL_OPCODE_CUSTOM_CODE = 1,             /* string */
  NQ_TFL_OPCODE_VERSION = 2,                 /* int = 1 */
  NQ_TFL_OPCODE_BUILTIN_CODE = 3,            /* int32 BuiltinOperator; the op is max(0, 3) */
};
enum {
  NQ_TFL_OP_OPCODE_INDEX = 0,                /* uint into Model.operator_codes */
  NQ_TFL_OP_INPUTS = 1,                      /* [int], -1 = absent optional input */
  NQ_TFL_OP_OUTPUTS = 2,                     /* [int] */
  NQ_TFL_OP_BUILTIN_OPTIONS_TYPE = 3,        /* BuiltinOptions union type (ubyte) */
  NQ_TFL_OP_BUILTIN_OPTIONS = 4,             /* the options table */
  NQ_TFL_OP_CUSTOM_OPTIONS = 5,              /* [ubyte] */
  NQ_TFL_OP_CUSTOM_OPTIONS_FORMAT = 6,       /* byte, 0 = FLEXBUFFERS */
  NQ_TFL_OP_MUTATING_VARIABLE_INPUTS = 7,    /* [bool] */
  NQ_TFL_OP_INTERMEDIATES = 8,               /* [int] */
  NQ_TFL_OP_LARGE_CUSTOM_OPTIONS_OFFSET = 9, /* ulong */
  NQ_TFL_OP_LARGE_CUSTOM_OPTIONS_SIZE = 10,  /* ulong */
  NQ_TFL_OP_BUILTIN_OPTIONS_2_TYPE = 11,     /* BuiltinOptions2 union type (StableHLO ops) */
  NQ_TFL_OP_BUILTIN_OPTIONS_2 = 12,
  NQ_TFL_OP_DEBUG_METADATA_INDEX = 13, /* int = -1 */
};
enum {
  NQ_TFL_METADATA_NAME = 0,   /* string */
  NQ_TFL_METADATA_BUFFER = 1, /* uint index into Model.buffers */
};
enum {
  NQ_TFL_TENSORMAP_NAME = 0,         /* string */
  NQ_TFL_TENSORMAP_TENSOR_INDEX = 1, /* uint into the subgraph's tensors */
};
enum {
  NQ_TFL_SIGDEF_INPUTS = 0,         /* [TensorMap] */
  NQ_TFL_SIGDEF_OUTPUTS = 1,        /* [TensorMap] */
  NQ_TFL_SIGDEF_SIGNATURE_KEY = 2,  /* string */
  NQ_TFL_SIGDEF_DEPRECATED_TAG = 3, /* string, deprecated */
  NQ_TFL_SIGDEF_SUBGRAPH_INDEX = 4, /* uint */
};

/* The BuiltinOperator value of a custom op (its name is OperatorCode.custom_code). */
#define NQ_TFL_BUILTIN_CUSTOM 32
/* Codes below this fit deprecated_builtin_code; larger ones write 127 there. */
#define NQ_TFL_BUILTIN_PLACEHOLDER_FOR_GREATER_OP_CODES 127

/* The name of BuiltinOperator `code` ("CONV_2D"), or NULL if the schema
 * has none. Covers every code of the schema, not only the ones npuquant
 * supports, so errors can name unsupported ops. */
const char *nq_tfl_builtin_name(int code);
int nq_tfl_builtin_count(void); /* codes 0 .. count-1 are known */

/* ---- TensorType ---- */
typedef enum nq_tfl_tensor_type {
  NQ_TFL_FLOAT32 = 0,
  NQ_TFL_FLOAT16 = 1,
  NQ_TFL_INT32 = 2,
  NQ_TFL_UINT8 = 3,
  NQ_TFL_INT64 = 4,
  NQ_TFL_STRING = 5,
  NQ_TFL_BOOL = 6,
  NQ_TFL_INT16 = 7,
  NQ_TFL_COMPLEX64 = 8,
  NQ_TFL_INT8 = 9,
  NQ_TFL_FLOAT64 = 10,
  NQ_TFL_COMPLEX128 = 11,
  NQ_TFL_UINT64 = 12,
  NQ_TFL_RESOURCE = 13,
  NQ_TFL_VARIANT = 14,
  NQ_TFL_UINT32 = 15,
  NQ_TFL_UINT16 = 16,
  NQ_TFL_INT4 = 17,
  NQ_TFL_BFLOAT16 = 18,
  NQ_TFL_TENSOR_TYPE_COUNT
} nq_tfl_tensor_type;

/* TensorType name ("INT8"), "?" when out of range. */
const char *nq_tfl_type_name(int tfl_type);
/* The nq_dtype of a TensorType; false when npuquant has no such dtype. */
bool nq_tfl_type_to_dtype(int tfl_type, nq_dtype *out);
/* The TensorType of an nq_dtype (every nq_dtype has one). */
nq_tfl_tensor_type nq_tfl_type_from_dtype(nq_dtype t);

/* ---- Builtin options, one entry per nq_op ----
 *
 * Each op names the BuiltinOptions union member its operators carry (type
 * 0 = NONE: the schema has no options table for it) and lists the fields
 * of that table. A field says where it lives on the wire (id, wire type,
 * schema default = its value when absent) and where it lives in
 * nq_op_params (offset + destination kind). Fields with dest
 * NQ_TFL_DEST_NONE have no home in nq_op_params: the reader rejects a file
 * in which such a field is not at its default when NQ_TFL_REQUIRE_DEFAULT is
 * set (npuquant cannot honour it), the writer omits them.
 *
 * A table with type != 0 and no fields (PadOptions, ...) is an empty
 * options table. TFLite reads an op with or without its options table
 * (absent = every field at its default). Observed in the converter's output
 * (../shared models): empty tables are written for PAD (mostly), SQUARE,
 * SQUARED_DIFFERENCE, EXPAND_DIMS; none for TRANSPOSE (mostly), DEQUANTIZE,
 * QUANTIZE, HARD_SWISH, CAST, MAXIMUM, MINIMUM, EXP, ABS, POW,
 * BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND; RESHAPE carries ReshapeOptions
 * about half the time.
 *
 * Vector-valued options do not fit the scalar scheme: `special` marks them
 * and the reader/writer handle them explicitly (RESHAPE new_shape ->
 * p.new_shape/new_shape_rank, SQUEEZE squeeze_dims -> p.squeeze_dims/
 * num_squeeze_dims), both at field id `special_field`.
 */
typedef enum nq_tfl_wire {
  NQ_TFL_WIRE_BOOL,  /* 1 byte, 0 or 1 */
  NQ_TFL_WIRE_INT8,  /* 1 byte signed: enums Padding, ActivationFunctionType, MirrorPadMode, TensorType */
  NQ_TFL_WIRE_INT32, /* 4 bytes */
  NQ_TFL_WIRE_FLOAT, /* 4 bytes IEEE */
} nq_tfl_wire;

typedef enum nq_tfl_dest {
  NQ_TFL_DEST_NONE,    /* not kept in nq_op_params */
  NQ_TFL_DEST_BOOL,    /* bool */
  NQ_TFL_DEST_INT,     /* int */
  NQ_TFL_DEST_FLOAT,   /* float */
  NQ_TFL_DEST_ACT,     /* nq_activation; wire value must be 0..5 */
  NQ_TFL_DEST_PADDING, /* nq_padding; wire value must be 0..1 */
  NQ_TFL_DEST_DTYPE,   /* nq_dtype; wire value is a TensorType that must map to one */
} nq_tfl_dest;

#define NQ_TFL_REQUIRE_DEFAULT 1u /* flag: reader rejects a non-default value */
#define NQ_TFL_RANGE 2u           /* flag: reader rejects values outside [lo, hi] */

typedef struct nq_tfl_field {
  const char *name; /* schema field name, for messages */
  uint8_t id;       /* vtable slot */
  uint8_t wire;     /* nq_tfl_wire */
  uint8_t dest;     /* nq_tfl_dest */
  uint8_t flags;    /* NQ_TFL_REQUIRE_DEFAULT | NQ_TFL_RANGE */
  uint16_t offset;  /* offsetof(nq_op_params, ...) when dest != NONE */
  int32_t lo, hi;   /* valid wire range when NQ_TFL_RANGE */
  double def;       /* schema default (wire value when the field is absent) */
} nq_tfl_field;

typedef enum nq_tfl_special {
  NQ_TFL_SPECIAL_NONE = 0,
  NQ_TFL_SPECIAL_RESHAPE_NEW_SHAPE, /* ReshapeOptions.new_shape:[int] */
  NQ_TFL_SPECIAL_SQUEEZE_DIMS,      /* SqueezeOptions.squeeze_dims:[int] */
} nq_tfl_special;

typedef struct nq_tfl_op_options {
  uint8_t type;      /* BuiltinOptions union type, 0 = NONE */
  const char *table; /* options table name ("Conv2DOptions"), NULL when type 0 */
  uint8_t n_fields;
  const nq_tfl_field *fields;
  uint8_t special;       /* nq_tfl_special */
  uint8_t special_field; /* vtable id of the vector field when special != NONE */
} nq_tfl_op_options;

/* Indexed by nq_op: column OPTIONS of ir/ops.def. */
extern const nq_tfl_op_options nq_tfl_op_options_table[NQ_OP_COUNT];

/* The options of op (never NULL for a valid op). */
const nq_tfl_op_options *nq_tfl_options_of(nq_op op);

/* Read a field's value out of params as its wire value (TensorType code for
 * DEST_DTYPE, 0/1 for bool). Fields with DEST_NONE give their default. */
double nq_tfl_param_get(const nq_op_params *p, const nq_tfl_field *f);
/* Store a wire value into params; false if it is invalid for the field
 * (activation/padding out of range, unmappable TensorType, outside [lo, hi]).
 * DEST_NONE fields are not stored (false if REQUIRE_DEFAULT and v != def). */
bool nq_tfl_param_set(nq_op_params *p, const nq_tfl_field *f, double v);

#endif
