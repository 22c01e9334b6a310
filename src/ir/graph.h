/*
 * The npuquant graph IR: one representation for every stage (frontends,
 * passes, executors, quantizer, writer).
 *
 * A graph is a list of tensors and a list of nodes in execution order.
 * Ops carry TFLite semantics (see ops.def): NHWC activations, OHWI conv
 * weights, 1HW(C*M) depthwise weights, [out, in] fully-connected weights,
 * and constant operands (shapes, paddings, axes) as constant tensors.
 *
 * Ownership: the graph owns every tensor name, shape, constant buffer,
 * quantization array and node array; nq_graph_free() releases them all.
 * Tensors and nodes are referenced by index (int), never by pointer, because
 * the arrays grow. An optional node input that is absent is -1 (TFLite's
 * convention, e.g. a FULLY_CONNECTED without bias).
 *
 * Constant tensors hold their data in `data` (nbytes = elements * dtype
 * size, little-endian, row-major). Non-constant tensors have data == NULL.
 */
#ifndef NQ_IR_GRAPH_H
#define NQ_IR_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "npuquant.h"

#define NQ_MAX_RANK 6

/* Limits that bound what hostile files can make us allocate. */
#define NQ_MAX_TENSORS (1 << 20)
#define NQ_MAX_NODES (1 << 20)
#define NQ_MAX_NODE_IO 4096
#define NQ_MAX_TENSOR_ELEMS ((size_t)1 << 31) /* 2^31 elements */

typedef enum nq_op {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) NQ_OP_##id,
#include "ir/ops.def"
#undef NQ_OP
  NQ_OP_COUNT
} nq_op;

const char *nq_op_name(nq_op op);
int nq_op_tflite_code(nq_op op);
/* The op whose TFLite builtin code is `code`; false if npuquant has none. */
bool nq_op_from_tflite_code(int code, nq_op *out);
/* The comparisons and logical ops: their output is bool whatever the inputs
 * (frontends type the tensors they create by it). */
bool nq_op_gives_bool(nq_op op);
/* TFLite's builtin kernel runs the op on int16 activations (symmetric,
 * zero point 0) with int8 weights: the "16x8" quantization mode (ops.def
 * column INT16X8). */
bool nq_op_has_int16x8(nq_op op);
/* ... and npuquant's executor runs that int16 form too (bit-exact with
 * LiteRT): the ops the quantizer may give int16 activations. */
bool nq_op_runs_int16x8(nq_op op);

typedef enum nq_activation {
  NQ_ACT_NONE = 0,
  NQ_ACT_RELU = 1,
  NQ_ACT_RELU_N1_TO_1 = 2,
  NQ_ACT_RELU6 = 3,
  NQ_ACT_TANH = 4,
  NQ_ACT_SIGN_BIT = 5,
} nq_activation; /* values equal TFLite's ActivationFunctionType */

typedef enum nq_padding {
  NQ_PAD_SAME = 0,
  NQ_PAD_VALID = 1,
} nq_padding; /* values equal TFLite's Padding */

/* Quantization parameters. n == 0: not quantized. n == 1: per-tensor.
 * n > 1: per-axis along dimension `axis` (TFLite quantized_dimension), with
 * n equal to that dimension's size. `min`/`max` keep the calibrated or file
 * range when known (has_range). */
typedef struct nq_quant {
  int n;
  float *scale;        /* n entries */
  int64_t *zero_point; /* n entries */
  int axis;
  bool has_range;
  float min, max;
} nq_quant;

typedef struct nq_tensor {
  char *name;
  nq_dtype type;
  int rank;
  int32_t shape[NQ_MAX_RANK];
  uint8_t *data; /* constant data, or NULL for activations */
  size_t nbytes;
  nq_quant q;
  bool is_variable; /* TFLite is_variable (stateful); kept, not executed */
} nq_tensor;

/* Per-op attributes. A flat struct rather than a union: each op reads only
 * the fields listed beside them, everything else stays zero. */
typedef struct nq_op_params {
  nq_activation act;          /* fused activation: ADD SUB MUL DIV CONV_2D DEPTHWISE_CONV_2D
                                 FULLY_CONNECTED AVERAGE/MAX_POOL_2D CONCATENATION TRANSPOSE_CONV
                                 L2_NORMALIZATION */
  nq_padding padding;         /* CONV_2D DEPTHWISE_CONV_2D TRANSPOSE_CONV pools */
  int stride_h, stride_w;     /* convs, pools */
  int dilation_h, dilation_w; /* CONV_2D DEPTHWISE_CONV_2D (1 when unset) */
  int filter_h, filter_w;     /* pools */
  int depth_multiplier;       /* DEPTHWISE_CONV_2D */
  int axis;                   /* CONCATENATION GATHER PACK UNPACK SPLIT(from tensor) ARG_MAX */
  int num;                    /* SPLIT/SPLIT_V num_splits, PACK values_count, UNPACK num */
  float beta;                 /* SOFTMAX */
  float alpha;                /* LEAKY_RELU */
  bool keep_dims;             /* MEAN SUM REDUCE_*; FULLY_CONNECTED keep_num_dims */
  bool align_corners;         /* RESIZE_* */
  bool half_pixel_centers;    /* RESIZE_* */
  bool adj_x, adj_y;          /* BATCH_MATMUL */
  bool approximate;           /* GELU */
  int block_size;             /* SPACE_TO_DEPTH DEPTH_TO_SPACE */
  int mirror_mode;            /* MIRROR_PAD: 0 REFLECT, 1 SYMMETRIC */
  int begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask; /* STRIDED_SLICE */
  bool offset;                                                              /* STRIDED_SLICE */
  nq_dtype out_type;                                                        /* ARG_MAX output type, CAST */
  int32_t new_shape[NQ_MAX_RANK]; /* RESHAPE options (when no shape tensor) */
  int new_shape_rank;             /* -1: none given */
  int squeeze_dims[NQ_MAX_RANK];  /* SQUEEZE */
  int num_squeeze_dims;
  /* CUSTOM: the op's name and its custom_options bytes (a flexbuffer for
   * most ops). nq_graph_add_node keeps its own copies, freed with the node
   * (nq_node_free_fields), so a params struct can be passed on as it is. */
  char *custom_name;
  uint8_t *custom_options;
  size_t custom_options_size;
} nq_op_params;

typedef struct nq_node {
  nq_op op;
  char *name; /* may be NULL; frontends set the layer/node name */
  int n_in, n_out;
  int *in;  /* tensor indices, -1 = absent optional input */
  int *out; /* tensor indices */
  nq_op_params p;
  int version; /* op version to write; 0 = let the writer decide */
} nq_node;

/* Metadata entries a reader keeps but does not interpret (TFLite metadata,
 * e.g. "min_runtime_version", "TFLITE_METADATA"), written back unchanged. */
typedef struct nq_metadata {
  char *name;
  uint8_t *data;
  size_t size;
} nq_metadata;

/* A named model input or output (TFLite SignatureDef). */
typedef struct nq_sig_entry {
  char *name;
  int tensor;
} nq_sig_entry;

typedef struct nq_signature {
  char *key; /* e.g. "serving_default" */
  int n_in, n_out;
  nq_sig_entry *in, *out;
} nq_signature;

typedef struct nq_graph {
  int n_tensors, cap_tensors;
  nq_tensor *tensors;
  int n_nodes, cap_nodes;
  nq_node *nodes;
  int n_inputs, n_outputs;
  int *inputs;  /* tensor indices of the model inputs */
  int *outputs; /* tensor indices of the model outputs */
  int n_signatures;
  nq_signature *signatures;
  int n_metadata;
  nq_metadata *metadata;
  char *description; /* TFLite Model.description, may be NULL */
  char *source;      /* path the graph was read from, for messages; may be NULL */
  bool optimized;    /* the pass pipeline (src/passes/) has run on it; a .tflite
                        is loaded as written and optimized by convert */
} nq_graph;

nq_graph *nq_graph_new(void);
void nq_graph_free(nq_graph *g);
/* A deep copy of g (tensors, data, quantization, nodes, I/O, signatures,
 * metadata); NULL with err filled on failure. */
nq_graph *nq_graph_clone(const nq_graph *g, nq_error *err);

/* Add a tensor; copies `name` (may be NULL) and `shape`. Returns its index
 * or -1 (err filled) on failure. Constant data is attached separately. */
int nq_graph_add_tensor(nq_graph *g, const char *name, nq_dtype type, int rank, const int32_t *shape,
                        nq_error *err);
/* Give tensor t constant data: takes ownership of `data` (malloc'd) and
 * checks that nbytes matches the shape and type. */
nq_status nq_tensor_set_data(nq_graph *g, int t, uint8_t *data, size_t nbytes, nq_error *err);
/* Free tensor t's constant data (giving its bytes back to the memory
 * budget, core/budget.h); the tensor becomes an activation. */
void nq_tensor_drop_data(nq_graph *g, int t);
/* Copy `nbytes` of constant data into tensor t. */
nq_status nq_tensor_copy_data(nq_graph *g, int t, const void *data, size_t nbytes, nq_error *err);
/* Set per-tensor (n == 1) or per-axis quantization; copies the arrays. */
nq_status nq_tensor_set_quant(nq_graph *g, int t, int n, const float *scale, const int64_t *zero_point,
                              int axis, nq_error *err);
void nq_quant_clear(nq_quant *q);
nq_status nq_quant_copy(nq_quant *dst, const nq_quant *src, nq_error *err);

/* The node that writes tensor t, or -1 (a linear scan: for a pass that
 * edits the graph as it goes, passes/pass_util.h's indexed nq_pass_producer). */
int nq_graph_producer(const nq_graph *g, int t);

/* Add a node; copies the index arrays and the params (a CUSTOM op's name and
 * options too). Returns its index or -1. */
int nq_graph_add_node(nq_graph *g, nq_op op, const char *name, int n_in, const int *in, int n_out,
                      const int *out, const nq_op_params *p, nq_error *err);

/* Free what a node owns (name, index arrays, custom name and options), for
 * code that removes nodes from g->nodes. */
void nq_node_free_fields(nq_node *n);

/* Move node `from` to position `to` (to <= from), shifting the nodes
 * between one down: a rewrite that appends nodes puts them where they run. */
void nq_graph_move_node(nq_graph *g, int from, int to);
nq_status nq_graph_set_io(nq_graph *g, int n_inputs, const int *inputs, int n_outputs, const int *outputs,
                          nq_error *err);

/* Number of elements of a tensor (shape product; 1 for rank 0). */
size_t nq_tensor_elems(const nq_tensor *t);
/* "node 3 (CONV_2D 'conv1')": the node's name, or else its first output
 * tensor's name, for messages. */
const char *nq_node_label(const nq_graph *g, int i, char *buf, size_t bufsize);
/* The non-constant tensor called `name`, or -1. */
int nq_graph_find_tensor(const nq_graph *g, const char *name);
/* A printable name for tensor t ("conv1/BiasAdd" or "#12"). */
const char *nq_tensor_label(const nq_graph *g, int t, char *buf, size_t bufsize);
/* Default params for an op (strides/dilations 1, depth_multiplier 1, beta 1, ...). */
nq_op_params nq_op_params_default(void);

/* Structural checks: indices in range, every node input is a constant, a
 * graph input or produced by an earlier node, every tensor is used or is a
 * constant, outputs produced, constant sizes match shapes, quantization
 * arrays sized right. Shape consistency per op is checked by
 * nq_graph_infer_shapes() (ir/shape.h). */
nq_status nq_graph_verify(const nq_graph *g, nq_error *err);

#endif
