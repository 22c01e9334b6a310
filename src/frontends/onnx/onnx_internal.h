/*
 * ONNX frontend internals: the checked protobuf reader, host-side constant
 * tensors, and the translation context shared by the op translators.
 *
 * Reading (onnx_proto.c): the file's size is bounded before protobuf-c sees
 * it (protobuf-c's unpack gives no reason on failure), and after unpacking
 * every field the translator will use is validated: counts, names, tensor
 * data sizes against dims and dtype, attribute types (onnx_tensor.c,
 * onnx_attr.c).
 *
 * Layout (onnx_values.c): ONNX is NCHW, the IR is NHWC. Each ONNX value
 * is tracked with its *logical* (ONNX) shape and the layout its data has in
 * the IR tensor: LOGICAL (same order), NHWC (a rank-4 NCHW value stored as
 * NHWC), N1LC (a rank-3 [N, C, L] value of a 1-D conv net stored as a
 * rank-4 [N, 1, L, C] tensor: the NHWC form of [N, C, 1, L], so 1-D convs
 * and pools are 2-D ops with H = 1 and chain without any reshape), or
 * FLAT_NHWC (a [N, C*H*W] flatten of NHWC data: a following Gemm/MatMul
 * permutes its weight rows instead of transposing the data).
 * Conversions are emitted lazily and cached per value, so transposes appear
 * only where an op truly needs the other order (typically the model's
 * boundary).
 */
#ifndef NQ_FRONTENDS_ONNX_INTERNAL_H
#define NQ_FRONTENDS_ONNX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/graph.h"
#include "npuquant.h"
#include "onnx.pb-c.h"

/* Limits for hostile files. */
#define OX_MAX_FILE ((size_t)0x7fffffff) /* protobuf-c addresses up to 2 GiB */
#define OX_MAX_NODES 200000
#define OX_MAX_VALUES 1000000
#define OX_MAX_ATTRS 256
#define OX_MAX_HOST_ELEMS ((size_t)1 << 28) /* one constant tensor */
/* A constant computed on the host (folding) may not outgrow this: ops like
 * ConstantOfShape or broadcasting would otherwise let a tiny file allocate
 * gigabytes. Real graphs fold shape vectors and small masks. */
#define OX_MAX_FOLD_ELEMS ((size_t)1 << 24)

/* ONNX TensorProto.DataType values. */
enum {
  OX_FLOAT = 1,
  OX_UINT8 = 2,
  OX_INT8 = 3,
  OX_UINT16 = 4,
  OX_INT16 = 5,
  OX_INT32 = 6,
  OX_INT64 = 7,
  OX_STRING = 8,
  OX_BOOL = 9,
  OX_FLOAT16 = 10,
  OX_DOUBLE = 11,
  OX_UINT32 = 12,
  OX_UINT64 = 13
};

/* A constant held on the host in ONNX (logical) order: floats for float
 * types, int64 for integer and bool types. */
typedef struct ox_const {
  bool is_int;
  int rank;
  int64_t dims[NQ_MAX_RANK];
  size_t n;
  float *f;
  int64_t *i;
} ox_const;

void ox_const_free(ox_const *c);
/* Allocate c for a shape (rank <= NQ_MAX_RANK, bounded elements). */
nq_status ox_const_alloc(ox_const *c, bool is_int, int rank, const int64_t *dims, nq_error *err);
/* Element k as double / int64 regardless of storage. */
double ox_const_get(const ox_const *c, size_t k);
int64_t ox_const_geti(const ox_const *c, size_t k);

/* Decode a TensorProto into a host constant, checking its data size against
 * dims and dtype. `dir` is the model's folder for external data (NULL: no
 * external data allowed). `what` names the tensor in messages. */
nq_status ox_tensor_decode(const Onnx__TensorProto *t, const char *dir, const char *what, ox_const *out,
                           nq_error *err);
/* Read a serialized TensorProto file (a node test's input_0.pb). */
nq_status nq_onnx_read_tensor_file(const char *path, ox_const *out, nq_error *err);

/* Read and validate a model file. *model is freed with ox_model_free. */
nq_status ox_model_read_memory(const uint8_t *data, size_t size, const char *path, Onnx__ModelProto **model,
                               nq_error *err);
void ox_model_free(Onnx__ModelProto *m);
/* Translate a model held in memory (path: for messages and external data). */
nq_status nq_onnx_load_memory(const uint8_t *data, size_t size, const char *path, const nq_load_options *opts,
                              nq_graph **out, nq_error *err);

/* ---- attributes (onnx_attr.c); each checks the attribute's type ---- */
const Onnx__AttributeProto *ox_attr(const Onnx__NodeProto *n, const char *name);
typedef struct ox_ctx ox_ctx;
nq_status ox_attr_int(ox_ctx *cx, const Onnx__NodeProto *n, const char *name, int64_t def, int64_t *out,
                      nq_error *err);
nq_status ox_attr_float(ox_ctx *cx, const Onnx__NodeProto *n, const char *name, float def, float *out,
                        nq_error *err);
/* ints attribute: *count = -1 when absent; at most `cap` values. */
nq_status ox_attr_ints(ox_ctx *cx, const Onnx__NodeProto *n, const char *name, int64_t *out, int cap,
                       int *count, nq_error *err);
/* string attribute copied into buf (def when absent). */
nq_status ox_attr_string(ox_ctx *cx, const Onnx__NodeProto *n, const char *name, const char *def, char *buf,
                         size_t cap, nq_error *err);

/* ---- translation ---- */
/* OX_NHWC: rank 4 [N, C, H, W] stored [N, H, W, C]; rank 5 [N, A, B, H, W]
 * (channels split in two, as channel shuffles do) stored [N, H, W, A, B]. */
/* OX_N1LC: rank 3 [N, C, L] stored [N, 1, L, C] (IR rank 4). */
typedef enum ox_layout { OX_LOGICAL = 0, OX_NHWC = 1, OX_FLAT_NHWC = 2, OX_N1LC = 3 } ox_layout;

typedef struct ox_value {
  char *name;
  bool is_const;
  ox_const c; /* is_const */
  int t;      /* IR tensor with the data in layout `lay` (-1 for a constant not yet placed) */
  ox_layout lay;
  int rank; /* logical */
  int64_t dims[NQ_MAX_RANK];
  int32_t fc, fh, fw;              /* OX_FLAT_NHWC: the C, H, W that were flattened (H = 1 from N1LC) */
  int t_logical, t_nhwc;           /* cached conversions, -1; t_nhwc of a rank-3 value is its N1LC form */
  bool nonneg;                     /* known >= 0 (after RELU etc.): lets max-pool pad with 0 */
  const Onnx__NodeProto *producer; /* the ONNX node that made it (NULL: input/initializer) */
} ox_value;

struct ox_ctx {
  const char *path;
  char *dir; /* model folder, for external data */
  const nq_load_options *opts;
  int64_t opset;
  nq_graph *g;
  ox_value *vals;
  int n_vals, cap_vals;
  int *hash; /* open addressing over vals, -1 empty */
  size_t hash_cap;
  const Onnx__NodeProto *node; /* being translated, for messages */
  const Onnx__GraphProto *graph;
  size_t node_index; /* of `node` in graph->node */
  int uniq;
};

/* "file: node 'name' (OpType): " prefix pieces for messages. */
#define OX_NODE_FMT "%s: node '%s' (%s): "
#define OX_NODE_ARGS(cx, n) (cx)->path, ((n)->name && *(n)->name ? (n)->name : "(unnamed)"), (n)->op_type

ox_value *ox_find(ox_ctx *cx, const char *name);
/* A 4-D activation stored NHWC (rank-5 NHWC values, [N, A, B, H, W] stored
 * [N, H, W, A, B] for channel shuffles, are not). */
static inline bool ox_is_nhwc4(const ox_value *v) {
  return !v->is_const && v->lay == OX_NHWC && v->rank == 4;
}
/* A 3-D [N, C, L] activation stored [N, 1, L, C]. */
static inline bool ox_is_n1lc(const ox_value *v) { return !v->is_const && v->lay == OX_N1LC && v->rank == 3; }
/* The channels-last layout v is held in (NHWC for rank 4, N1LC for rank 3),
 * else OX_LOGICAL: ops that work per channel keep it. */
static inline ox_layout ox_channels_last(const ox_value *v) {
  return ox_is_nhwc4(v) ? OX_NHWC : ox_is_n1lc(v) ? OX_N1LC : OX_LOGICAL;
}
/* The channels-last layout of a value of logical rank `rank`. */
static inline ox_layout ox_channels_last_of_rank(int rank) {
  return rank == 4 ? OX_NHWC : rank == 3 ? OX_N1LC : OX_LOGICAL;
}
/* The O bias values of a Conv/ConvTranspose node (optional input 2, zeros
 * when absent) as a calloc'd array; an error when the input is not a
 * constant of O values. */
nq_status ox_conv_bias(ox_ctx *cx, const Onnx__NodeProto *n, int64_t O, float **bias, nq_error *err);
/* Input k of node n (NULL and an error if missing; optional inputs: use ox_opt_input). */
nq_status ox_input(ox_ctx *cx, const Onnx__NodeProto *n, size_t k, ox_value **out, nq_error *err);
ox_value *ox_opt_input(ox_ctx *cx, const Onnx__NodeProto *n, size_t k);
/* Record a constant result for output k of n (takes ownership of c). */
nq_status ox_set_const(ox_ctx *cx, const Onnx__NodeProto *n, size_t k, ox_const *c, nq_error *err);
/* Record an activation result: IR tensor t holding data in layout lay. The
 * logical shape is derived from t's shape. */
nq_status ox_set_act(ox_ctx *cx, const char *name, int t, ox_layout lay, nq_error *err);
/* Alias output k of n to an existing value (Identity, Dropout). */
nq_status ox_set_alias(ox_ctx *cx, const Onnx__NodeProto *n, size_t k, const ox_value *src, nq_error *err);

/* The IR tensor of v in logical order / channels last (rank 4 [N, C, H, W]
 * as [N, H, W, C]; rank 3 [N, C, L] as [N, 1, L, C]), emitting and caching
 * the transpose or reshape needed. Constants are placed on demand. */
nq_status ox_logical(ox_ctx *cx, ox_value *v, int *t, nq_error *err);
nq_status ox_nhwc(ox_ctx *cx, ox_value *v, int *t, nq_error *err);
/* A constant tensor in the IR (float32 or int32 data). */
nq_status ox_const_f32(ox_ctx *cx, const char *name, int rank, const int32_t *shape, const float *data,
                       int *t, nq_error *err);
nq_status ox_const_i32(ox_ctx *cx, const char *name, int rank, const int32_t *shape, const int32_t *data,
                       int *t, nq_error *err);
/* Emit one IR node with a new float output tensor named `out_name`
 * (NULL: derived from the node); infers its shape. */
nq_status ox_emit(ox_ctx *cx, nq_op op, const char *out_name, int n_in, const int *in, const nq_op_params *p,
                  int *out_t, nq_error *err);
/* A unique name "<base>/<suffix><k>" in a static-free buffer owned by cx. */
const char *ox_name(ox_ctx *cx, const char *base, const char *suffix, char *buf, size_t cap);
/* True when every later node that reads value `name` works as well on
 * ONNX (logical) order as on NHWC (Softmax over the last axis, Reshape,
 * Flatten, Gemm, MatMul, Transpose): a layout choice can then favour them. */
bool ox_consumers_prefer_logical(ox_ctx *cx, const char *name);
/* Plain IR RESHAPE / TRANSPOSE of tensor `in` to a new tensor `name`. */
nq_status ox_reshape_tensor(ox_ctx *cx, int in, int rank, const int32_t *shape, const char *name, int *out,
                            nq_error *err);
nq_status ox_transpose_tensor(ox_ctx *cx, int in, int rank, const int32_t *perm, const char *name, int *out,
                              nq_error *err);
/* Logical axis -> IR axis for a value of logical rank `rank` in layout lay
 * (for N1LC an axis of the rank-4 IR tensor: N 0, C 3, L 2). */
int ox_phys_axis(ox_layout lay, int rank, int axis);
/* Normalize a possibly negative axis; error when out of range. */
nq_status ox_axis(ox_ctx *cx, const Onnx__NodeProto *n, int64_t axis, int rank, int *out, nq_error *err);

/* Int list from attribute `attr` (NULL: none) or else constant input k;
 * *count = -1 when neither is given. */
nq_status ox_int_list(ox_ctx *cx, const Onnx__NodeProto *n, const char *attr, size_t k, int64_t *out, int cap,
                      int *count, nq_error *err);
/* ONNX Reshape's 0 / -1 rules. */
nq_status ox_reshape_dims(ox_ctx *cx, const Onnx__NodeProto *n, const int64_t *in, int in_rank, size_t total,
                          const int64_t *spec, int rank, bool allowzero, int64_t *out, nq_error *err);
/* Slice's starts/ends/axes/steps clamped per ONNX: start, step and count per axis. */
nq_status ox_slice_params(ox_ctx *cx, const Onnx__NodeProto *n, int rank, const int64_t *dims, int64_t *start,
                          int64_t *step, int64_t *count, nq_error *err);
/* Place a host constant broadcast to `rank` (leading 1s) in layout lay. */
nq_status ox_place(ox_ctx *cx, const ox_const *c, const char *name, int rank, ox_layout lay, int *t,
                   nq_error *err);
/* Value-level helpers shared by the op files (onnx_ops_*.c). */
nq_status ox_binary(ox_ctx *cx, const Onnx__NodeProto *n, nq_op op, ox_value *a, ox_value *b,
                    const char *out_name, int *out_t, ox_layout *out_lay, nq_error *err);
/* x (op) scalar-or-const c, keeping x's layout. */
nq_status ox_binary_const(ox_ctx *cx, ox_value *x, int x_t, ox_layout lay, nq_op op, const ox_const *c,
                          const char *out_name, int *out_t, nq_error *err);
nq_status ox_scalar(ox_ctx *cx, const char *name, float v, int *t, nq_error *err);

/* ---- windows of Conv/ConvTranspose/pools (onnx_window.c) ----
 * 1-D windows are 2-D ones with H = 1: index 0 is H, 1 is W (or L). */
typedef struct ox_win {
  int64_t k[2], s[2], d[2], pb[2], pe[2]; /* kernel, stride, dilation, pads (H, W) */
  int64_t out[2];
} ox_win;
typedef enum { OX_PAD_VALID, OX_PAD_SAME, OX_PAD_EXPLICIT } ox_pad_kind;
/* Spatial size of a rank-3 ([N, C, L] -> {1, L}) or rank-4 value. */
void ox_spatial(const ox_value *x, int64_t in[2]);
/* Read strides/dilations/pads/auto_pad of a window with nsp (1 or 2)
 * spatial dims over input in[2] with kernel[2] (H = 1 for nsp 1); ceil for
 * pools with ceil_mode. Computes w->out. in NULL: strides, dilations and
 * pads only (ConvTranspose derives its own sizes). */
nq_status ox_read_window(ox_ctx *cx, const Onnx__NodeProto *n, int nsp, const int64_t *in,
                         const int64_t *kernel, bool ceil_mode, ox_win *w, nq_error *err);
/* How to express the window's padding in TFLite; for EXPLICIT, pads[4]
 * gets (top, bottom, left, right) so that VALID on the padded input gives
 * exactly the ONNX output. */
ox_pad_kind ox_classify_pads(const ox_win *w, const int64_t *in, int64_t *pads);
/* PAD (value 0) or PADV2 of NHWC tensor xt by pads (top, bottom, left, right). */
nq_status ox_emit_pad(ox_ctx *cx, int xt, const int64_t *pads, float value, const char *base, int *out,
                      nq_error *err);
/* SPLIT NHWC tensor xt into g equal channel groups (parts[0..g)). */
nq_status ox_split_channels(ox_ctx *cx, const char *base, int xt, int g, int *parts, nq_error *err);
/* Conv/ConvTranspose weights: input k must be a float constant of rank 3
 * (1-D) or 4 (2-D) matching the input x; a 3-D window is refused. `view`
 * gets the weights as rank 4 ([A, B, 1, K] for 1-D), sharing the data. */
nq_status ox_conv_weights(ox_ctx *cx, const Onnx__NodeProto *n, const ox_value *x, size_t k, ox_const *view,
                          nq_error *err);
/* The value that node n's window op reads: rank 3 or 4, else a message
 * (3-D windows: rank 5 is refused). */
nq_status ox_window_input(ox_ctx *cx, const Onnx__NodeProto *n, ox_value **x, nq_error *err);
/* ConvTranspose (onnx_ops_convt.c). */
nq_status ox_op_conv_transpose(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);
/* onnx_ops_select.c: Where, Mod, If (constant condition). */
nq_status ox_op_where(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);
nq_status ox_op_mod(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);
nq_status ox_op_if(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);
/* onnx_load.c: translate a subgraph's initializers and nodes in place (the
 * taken branch of an If); names it reads from the outer graph resolve as
 * usual. Restores cx->graph / node_index afterwards. */
nq_status ox_translate_branch(ox_ctx *cx, const Onnx__GraphProto *b, nq_error *err);

/* Op translators, each returning NQ_ERR_UNSUPPORTED via ox_unsupported
 * when it does not handle the op. */
typedef nq_status (*ox_op_fn)(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);
/* One entry of the op table (onnx_op_table.c). */
typedef struct ox_op_entry {
  const char *name; /* first: the table is searched by name_table.h */
  ox_op_fn fn;
  nq_op op;   /* the IR op it translates to; NQ_OP_COUNT: several or none */
  nq_op also; /* a variant it may emit instead (docs/ops.md); NQ_OP_COUNT: none */
} ox_op_entry;
/* The entry of op_type, or NULL. */
const ox_op_entry *ox_find_op(const char *op_type);
/* The IR op the table gives n's op type (NQ_OP_COUNT when none). */
nq_op ox_table_op(const Onnx__NodeProto *n);
/* The whole table (for the order test). */
const ox_op_entry *ox_op_table(size_t *n);
/* The translators (one per family of op types; each reads n->op_type). */
nq_status ox_op_binary(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);            /* onnx_ops_elem.c */
nq_status ox_op_cast(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);              /* onnx_ops_elem.c */
nq_status ox_op_clip(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);              /* onnx_ops_elem.c */
nq_status ox_op_elu(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);               /* onnx_ops_elem.c */
nq_status ox_op_hardsigmoid(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);       /* onnx_ops_elem.c */
nq_status ox_op_identity(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);          /* onnx_ops_elem.c */
nq_status ox_op_leaky(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);             /* onnx_ops_elem.c */
nq_status ox_op_prelu(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);             /* onnx_ops_elem.c */
nq_status ox_op_softmax(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);           /* onnx_ops_elem.c */
nq_status ox_op_unary(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);             /* onnx_ops_elem.c */
nq_status ox_op_batchnorm(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);         /* onnx_ops_nn.c */
nq_status ox_op_conv(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);              /* onnx_ops_nn.c */
nq_status ox_op_gemm(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);              /* onnx_ops_nn.c */
nq_status ox_op_global_pool(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);       /* onnx_ops_nn.c */
nq_status ox_op_layernorm(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);         /* onnx_ops_nn.c */
nq_status ox_op_matmul(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);            /* onnx_ops_nn.c */
nq_status ox_op_pool(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);              /* onnx_ops_nn.c */
nq_status ox_op_reduce(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);            /* onnx_ops_nn.c */
nq_status ox_op_concat(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);            /* onnx_ops_shape.c */
nq_status ox_op_flatten(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);           /* onnx_ops_shape.c */
nq_status ox_op_gather(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);            /* onnx_ops_shape.c */
nq_status ox_op_pad(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);               /* onnx_ops_shape.c */
nq_status ox_op_reshape(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);           /* onnx_ops_shape.c */
nq_status ox_op_resize(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);            /* onnx_ops_shape.c */
nq_status ox_op_slice(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);             /* onnx_ops_shape.c */
nq_status ox_op_split(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);             /* onnx_ops_shape.c */
nq_status ox_op_squeeze_unsqueeze(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err); /* onnx_ops_shape.c */
nq_status ox_op_transpose(ox_ctx *cx, const Onnx__NodeProto *n, nq_error *err);         /* onnx_ops_shape.c */
/* Constant folding of a node whose inputs are all constants; *done false
 * when the op has no host implementation. */
nq_status ox_fold(ox_ctx *cx, const Onnx__NodeProto *n, bool *done, nq_error *err);

/* Output dims of Squeeze (squeeze) or Unsqueeze for input dims `in`, with
 * the axes from the attribute (opset < 13) or input 1: shared by constant
 * folding and the op translation. */
nq_status ox_squeeze_dims(ox_ctx *cx, const Onnx__NodeProto *n, bool squeeze, const int64_t *in, int in_rank,
                          int64_t *dims, int *rank, nq_error *err);

#endif
