/*
 * TensorFlow frontend internals (frozen GraphDef and SavedModel).
 *
 * Pipeline: the protobuf-c bindings generated from the proto/ subsets parse the
 * files; tf_flat turns a GraphDef plus its function library into one flat
 * list of nodes (function calls inlined, so TF2/Keras SavedModels look like
 * a frozen graph); tf_convert walks back from the chosen outputs and emits
 * TFLite-semantics nq nodes, folding the shape arithmetic chains; variables
 * come from the tensor bundle (tf_bundle) through tf_savedmodel.
 */
#ifndef NQ_FRONTENDS_TF_INTERNAL_H
#define NQ_FRONTENDS_TF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/graph.h"
#include "npuquant.h"
#include "tfbundle.pb-c.h"
#include "tfgraph.pb-c.h"
#include "tfsavedmodel.pb-c.h"

/* Bounds on what a hostile file can make us build. */
#define TF_MAX_FILE_BYTES ((size_t)2 << 30)
#define TF_MAX_FLAT_NODES (1 << 20)
#define TF_MAX_INLINE_DEPTH 32
/* Constants a few bytes of file can expand into (a Const with one value
 * broadcast over its shape, Fill, folded shape arithmetic). */
#define TF_MAX_EXPANDED_ELEMS ((size_t)1 << 26)

/* TensorFlow DataType values (core/framework/types.proto). */
enum {
  TF_DT_FLOAT = 1,
  TF_DT_DOUBLE = 2,
  TF_DT_INT32 = 3,
  TF_DT_UINT8 = 4,
  TF_DT_INT16 = 5,
  TF_DT_INT8 = 6,
  TF_DT_STRING = 7,
  TF_DT_INT64 = 9,
  TF_DT_BOOL = 10,
  TF_DT_HALF = 19,
  TF_DT_RESOURCE = 20
};

/* Read a whole file (bounded by TF_MAX_FILE_BYTES) through core/input_file.h;
 * `within` (may be NULL) is the folder it must stay inside. */
nq_status tf_read_file(const char *path, const char *within, uint8_t **data, size_t *len, nq_error *err);

/* One node of the flattened graph. Inputs are in graph form ("node" or
 * "node:k"); control inputs are dropped. */
typedef struct tf_node {
  char *name;
  const char *op; /* borrowed (proto or static string) */
  int n_in;
  char **in;
  const Nqtf__NodeDef *def; /* attributes; NULL for inlining aliases */
} tf_node;

typedef struct tf_flat {
  int n, cap;
  tf_node *nodes;
  int *hash; /* open addressing, -1 empty; size hcap (power of two) */
  size_t hcap;
  const Nqtf__FunctionDefLibrary *lib;
  const char *file; /* for messages */
} tf_flat;

/* Flatten `gd` (inlining PartitionedCall / StatefulPartitionedCall and
 * direct calls of library functions, recursively). */
nq_status tf_flat_build(tf_flat *f, const Nqtf__GraphDef *gd, const char *file, nq_error *err);
void tf_flat_free(tf_flat *f);
int tf_flat_find(const tf_flat *f, const char *name);
/* Split "node:k" into the node index and k; false if the node is unknown
 * or the reference is malformed. */
bool tf_flat_ref(const tf_flat *f, const char *ref, int *node, int *k);

/* Attribute lookup on a node (NULL if absent or the node is an alias). */
const Nqtf__AttrValue *tf_attr(const tf_node *n, const char *name);

/* Conversion request: which nodes are inputs/outputs, how to find variables. */
typedef struct tf_io {
  int n_in, n_out;
  char **in; /* graph refs "node[:k]" */
  char **out;
  char **in_names; /* signature keys or NULL */
  char **out_names;
} tf_io;

/* Variable values: the converter asks for node `var_node` (VarHandleOp,
 * VariableV2); the callback returns a malloc'd float/int buffer with shape. */
typedef nq_status (*tf_var_fn)(void *ctx, const tf_flat *f, int var_node, nq_graph *g, int *tensor,
                               nq_error *err);

/* Build the nq graph for `io` from the flat graph. */
nq_status tf_convert(const tf_flat *f, const tf_io *io, const nq_load_options *opts, tf_var_fn var_fn,
                     void *var_ctx, nq_graph *g, nq_error *err);

/* Make a constant tensor from a TensorProto (float, int32, int64, bool, half,
 * double; half/double become float32). */
nq_status tf_const_from_proto(nq_graph *g, const char *name, const Nqtf__TensorProto *tp, int *out,
                              nq_error *err);
/* TF dtype -> nq dtype of the converted tensor; false if unsupported. */
bool tf_dtype_to_nq(int dt, nq_dtype *out);
/* Shape of a TensorShapeProto; false when rank > NQ_MAX_RANK or unknown rank. */
bool tf_shape_of(const Nqtf__TensorShapeProto *s, int *rank, int64_t *dims);

/* The tensor bundle (variables.index + data shards). */
typedef struct tf_bundle_entry {
  char *key;
  Nqtf__BundleEntryProto *e;
} tf_bundle_entry;

typedef struct tf_bundle {
  char *prefix; /* ".../variables/variables" */
  char *root;   /* the SavedModel folder every shard must stay inside */
  int num_shards;
  int n;
  tf_bundle_entry *entries;
} tf_bundle;

nq_status tf_bundle_open(tf_bundle *b, const char *prefix, const char *root, nq_error *err);
void tf_bundle_free(tf_bundle *b);
/* Load tensor `key` as a constant tensor named `name`. */
nq_status tf_bundle_load(const tf_bundle *b, const char *key, nq_graph *g, const char *name, int *tensor,
                         nq_error *err);
uint32_t tf_crc32c(uint32_t crc, const uint8_t *p, size_t n);
uint32_t tf_crc32c_unmask(uint32_t masked);

#endif
