/*
 * The Keras frontend (src/frontends/keras/): translates a Keras model into
 * an nq_graph with TFLite semantics.
 *
 * Sources handled:
 *   - full-model HDF5 (.h5/.hdf5): root attribute `model_config` (JSON) and
 *     the `model_weights` group (one group per layer, attribute
 *     `weight_names` listing its datasets in creation order); written by
 *     standalone Keras 2.0-2.3 and tf.keras 2.x;
 *   - weights-only HDF5 (model.save_weights) plus an architecture JSON
 *     (nq_load_options.keras_json); the layer groups sit at the root;
 *   - Keras 3 / Keras >= 2.13 `.keras` zip archives: `config.json` and
 *     `model.weights.h5`, where a layer's variables are datasets 0, 1, ...
 *     under `layers/<name>/vars` (`_layer_checkpoint_dependencies/<name>/vars`
 *     in tf.keras 2.13-2.15), nested models one `layers/<name>/` deeper.
 *
 * Files: keras_h5.c (HDF5 access), keras_weights.c (which arrays belong to
 * a layer), keras_json.c (reading config values in every Keras spelling),
 * keras_emit.c (adding tensors/nodes with shapes inferred as we go),
 * keras_layers_*.c (one family of layers each), keras_model.c (Functional
 * and Sequential graphs, nesting), keras_load.c (probe, load, .keras zip).
 */
#ifndef NQ_FRONTENDS_KERAS_INTERNAL_H
#define NQ_FRONTENDS_KERAS_INTERNAL_H

#include <cjson/cJSON.h>
#include <hdf5.h>
#include <stdbool.h>

#include "core/status.h"
#include "ir/graph.h"

/* Bounds on what a hostile config can make us do. */
#define KR_MAX_LAYERS 20000 /* real models have < 2000; the layer walk is quadratic */
#define KR_MAX_WEIGHTS 16
#define KR_MAX_NEST 16
#define KR_MAX_LAYER_IO 64
/* A weight array may not exceed 2^28 elements (1 GiB of float32): HDF5 can
 * declare a huge dataset with no storage, which must not become a huge malloc. */
#define KR_MAX_WEIGHT_ELEMS ((size_t)1 << 28)

/* A weight array read from the file (float32, row-major, Keras layout). */
typedef struct kr_array {
  int rank;
  int32_t shape[NQ_MAX_RANK];
  size_t n;
  float *data;
} kr_array;

/* Where the weights of the layers of one (possibly nested) model live. */
typedef struct kr_scope {
  /* legacy HDF5: layers of the top model have their own group under the
   * weights root; layers of a nested model share the nested model's group
   * and are told apart by the "<layer>/" prefix of their weight names. */
  const char *legacy_group; /* NULL at top level */
  /* Keras 3 weights file: "layers/<outer>/" prefix of this model's layers. */
  char v3_prefix[1024];
  int depth;
} kr_scope;

typedef enum kr_style {
  KR_STYLE_LEGACY = 0, /* model_weights / weight_names */
  KR_STYLE_V3 = 1,     /* layers/<name>/vars/<i> */
} kr_style;

typedef struct kr_ctx {
  const char *path; /* the file, for messages */
  nq_graph *g;
  hid_t wroot; /* group holding the layer weights (owned by the loader) */
  kr_style style;
  int keras_major, keras_minor; /* from keras_version (0 when unknown) */
  int n_inputs;                 /* graph inputs made so far (top-level InputLayers) */
  int inputs[KR_MAX_LAYER_IO];
  const char *input_shapes; /* nq_load_options.input_shapes, may be NULL */
  int n_layers;             /* layers translated, bounded by KR_MAX_LAYERS */
  /* channels_first models (keras_layout.c): 4-D tensors whose Keras view is
   * NCHW are kept NHWC; cf[t] marks them. */
  bool model_cf;
  unsigned char *cf;
  int cf_cap;
} kr_ctx;

/* ---- keras_h5.c ---- */
/* Silence libhdf5's stderr printing for this thread (errors become ours). */
void kr_h5_quiet(void);
/* The innermost libhdf5 error message, or "" (for our messages). */
const char *kr_h5_last_error(char *buf, size_t n);
bool kr_h5_has_attr(hid_t obj, const char *name);
/* Read a string attribute (fixed or variable length); *out is malloc'd. */
nq_status kr_h5_read_str_attr(const char *path, hid_t obj, const char *name, char **out, nq_error *err);
/* Read a 1-D string-array attribute; *out is an array of *n malloc'd strings. */
nq_status kr_h5_read_str_list_attr(const char *path, hid_t obj, const char *name, char ***out, int *n,
                                   nq_error *err);
void kr_free_str_list(char **list, int n);
/* Read dataset `name` (relative to loc) as float32. */
nq_status kr_h5_read_array(const char *path, hid_t loc, const char *name, kr_array *out, nq_error *err);
bool kr_h5_exists(hid_t loc, const char *name);
void kr_array_free(kr_array *a);

/* ---- keras_h5_heap.c ---- */
/* Reject files whose HDF5 global heap objects overrun their collection
 * (libhdf5 1.10 would read out of bounds on them). */
nq_status kr_check_global_heaps(const char *path, nq_error *err);
bool kr_global_heaps_ok_mem(const unsigned char *buf, size_t len);

/* ---- keras_weights.c ---- */
/* The weights of layer `layer` (in creation order: kernel, bias, ...). At
 * most KR_MAX_WEIGHTS; *n = 0 for layers without weights. */
nq_status kr_layer_weights(kr_ctx *c, const kr_scope *s, const char *layer, kr_array *out, int *n,
                           nq_error *err);
void kr_weights_free(kr_array *w, int n);

/* ---- keras_json.c ---- */
const cJSON *kr_cfg(const cJSON *layer); /* layer["config"] (object) */
const char *kr_str(const cJSON *obj, const char *key, const char *dflt);
bool kr_bool(const cJSON *obj, const char *key, bool dflt);
double kr_num(const cJSON *obj, const char *key, double dflt);
/* An int or a list of ints (tuples come as lists); a single int is repeated
 * `want` times. Returns the count, or -1 when malformed. */
int kr_ints(const cJSON *obj, const char *key, int64_t *out, int want);
/* The class name of a layer entry; Keras 3 may prefix a module. */
const char *kr_class(const cJSON *layer);
/* The layer's name (entry "name" or config "name"). */
const char *kr_layer_name(const cJSON *layer);
/* Activation name in a config ("activation" may be a string or, in Keras 3,
 * an object with class_name/config.name). */
const char *kr_activation_name(const cJSON *cfg);
/* Batch input shape (batch_input_shape / batch_shape / input_shape); dims
 * of -1 for None. Returns rank or -1. */
int kr_input_shape(const cJSON *cfg, int32_t *shape);

/* ---- keras_emit.c ---- */
/* Add a float32 constant. */
int kr_const_f32(kr_ctx *c, const char *name, int rank, const int32_t *shape, const float *data,
                 nq_error *err);
int kr_const_i32(kr_ctx *c, const char *name, int n, const int32_t *vals, nq_error *err);
/* An int32 constant of any shape (PAD paddings are [rank, 2]). */
int kr_const_i32_nd(kr_ctx *c, const char *name, int rank, const int32_t *shape, const int32_t *vals,
                    nq_error *err);
/* Add node `op` reading `in`, writing a new float32 tensor named `out_name`;
 * infers its shape at once. Returns the output tensor or -1. */
int kr_emit(kr_ctx *c, nq_op op, const char *node_name, const char *out_name, int n_in, const int *in,
            const nq_op_params *p, nq_error *err);
/* RESHAPE x to `shape` (rank r). */
int kr_reshape(kr_ctx *c, const char *name, int x, int rank, const int32_t *shape, nq_error *err);
/* The activation named `act` applied to x ("linear" returns x). */
int kr_activation(kr_ctx *c, const char *layer, const char *act, const char *out_name, int x, const char *cls,
                  nq_error *err);
/* ELU with a given alpha (TFLite ELU has alpha 1). */
int kr_activation_elu(kr_ctx *c, const char *out, int x, float alpha, nq_error *err);
/* x (op) scalar-or-vector constant. */
int kr_binary_const(kr_ctx *c, nq_op op, const char *name, int x, int n, const float *vals, nq_error *err);
const nq_tensor *kr_t(kr_ctx *c, int t);

/* ---- keras_layers_*.c ---- */
/* Translate one layer application: inputs in[0..n_in) -> outputs. */
typedef struct kr_layer_call {
  const cJSON *layer; /* the layer entry (class_name, config, ...) */
  const char *cls, *name;
  const cJSON *cfg;
  const char *out_name; /* tensor name for the (first) output */
  int n_in;
  const int *in;
  int *out; /* filled, KR_MAX_LAYER_IO max */
  int n_out;
  const kr_scope *scope;
  bool cf; /* inputs are NHWC tensors Keras sees as NCHW: axes in the config are NCHW */
} kr_layer_call;

/* Shared by the layer translators: fail naming the file, layer and class;
 * finish a one-output layer (prefixing an emitter's error, y < 0); fail
 * unless the layer has exactly one input. */
nq_status kr_layer_fail(kr_ctx *c, kr_layer_call *l, nq_status code, const char *what, nq_error *err);
nq_status kr_layer_done(kr_ctx *c, kr_layer_call *l, int y, nq_error *err);
nq_status kr_one_input(kr_ctx *c, kr_layer_call *l, nq_error *err);

/* One entry of the layer table (keras_layer_table.c): a layer class name,
 * its translator and what the translator is told. */
typedef struct kr_layer_entry {
  const char *name; /* first: the table is searched by name_table.h */
  nq_status (*translate)(kr_ctx *c, kr_layer_call *l, const struct kr_layer_entry *e, nq_error *err);
  nq_op op;   /* the IR op it produces; NQ_OP_COUNT: several or none */
  nq_op also; /* a variant it may emit instead (docs/ops.md); NQ_OP_COUNT: none */
  int rank;   /* 1 or 2: the 1-D or 2-D variant (conv, pool, padding, upsampling) */
  bool flag;  /* max pooling; separable conv; cropping; Average (merges) */
} kr_layer_entry;

/* The entry of layer class `cls`, or NULL. */
const kr_layer_entry *kr_find_layer(const char *cls);
/* The whole table (for the order test). */
const kr_layer_entry *kr_layer_table(size_t *n);

/* The translators, by file. */
#define KR_TRANSLATOR(name) \
  nq_status name(kr_ctx *c, kr_layer_call *l, const kr_layer_entry *e, nq_error *err)
/* keras_layers_conv.c: layers with weights. */
KR_TRANSLATOR(kr_tr_conv);
KR_TRANSLATOR(kr_tr_depthwise);
KR_TRANSLATOR(kr_tr_conv_transpose);
KR_TRANSLATOR(kr_tr_dense);
KR_TRANSLATOR(kr_tr_batchnorm);
/* keras_layers_misc.c: activations, pooling, merges, no-ops, preprocessing. */
KR_TRANSLATOR(kr_tr_identity);
KR_TRANSLATOR(kr_tr_activation);
KR_TRANSLATOR(kr_tr_relu);
KR_TRANSLATOR(kr_tr_leaky_relu);
KR_TRANSLATOR(kr_tr_prelu);
KR_TRANSLATOR(kr_tr_elu);
KR_TRANSLATOR(kr_tr_softmax);
KR_TRANSLATOR(kr_tr_pool);
KR_TRANSLATOR(kr_tr_global_pool);
KR_TRANSLATOR(kr_tr_merge);
KR_TRANSLATOR(kr_tr_concat);
KR_TRANSLATOR(kr_tr_rescaling);
KR_TRANSLATOR(kr_tr_normalization);
/* keras_layer_norm.c: LayerNormalization over the last axis. */
KR_TRANSLATOR(kr_tr_layernorm);
/* keras_layers_shape.c: layers that move data. */
KR_TRANSLATOR(kr_tr_flatten);
KR_TRANSLATOR(kr_tr_reshape);
KR_TRANSLATOR(kr_tr_permute);
KR_TRANSLATOR(kr_tr_pad_crop);
KR_TRANSLATOR(kr_tr_upsampling);

/* ---- keras_layout.c ---- */
/* True when any layer of the config uses data_format channels_first. */
bool kr_layout_model_is_cf(const cJSON *root);
bool kr_channels_first(const cJSON *cfg);
bool kr_is_cf(const kr_ctx *c, int t);
nq_status kr_set_cf(kr_ctx *c, int t, bool on, nq_error *err);
/* Before a layer: rewrite inputs in[] so the layer sees the layout it
 * expects; sets l->cf when it runs on NHWC data of NCHW-view tensors. */
nq_status kr_layout_before(kr_ctx *c, kr_layer_call *l, int *in, nq_error *err);
/* After a layer: mark its outputs. */
nq_status kr_layout_after(kr_ctx *c, kr_layer_call *l, nq_error *err);
/* Model outputs that are NCHW views go back to NCHW (named as Keras names them). */
nq_status kr_layout_outputs(kr_ctx *c, int *outs, int n, nq_error *err);
/* A channels_first axis of a 4-D tensor as the NHWC axis holding it. */
int kr_cf_axis(int axis);

/* ---- keras_model.c ---- */
/* Build model entry `model` (class_name + config). When n_in > 0 the model's
 * inputs are bound to those tensors (nested use); otherwise graph inputs are
 * created. Outputs go to out (at most max_out). */
nq_status kr_build_model(kr_ctx *c, const cJSON *model, const kr_scope *scope, int n_in, const int *in,
                         int *out, int *n_out, int max_out, nq_error *err);

/* ---- keras_load.c ---- */
/* Build a graph from a model config alone (no weights: layers that need
 * weights fail cleanly). The JSON path of the loader, for the fuzz harness
 * (tests/fuzz/fuzz_keras_config.c). `label` names the input in messages. */
nq_status kr_load_config_only(const char *label, const char *json, size_t len, nq_graph **out, nq_error *err);

/* Read a Keras file in this process (keras_load.c). nq_keras_load() runs it
 * in a child process unless opts->keras_in_process (keras_isolate.c). */
nq_status nq_keras_load_direct(const char *path, const nq_load_options *opts, nq_graph **out, nq_error *err);

/* The isolation itself: run `read` on path in a forked child and turn its
 * answer, or its death by a signal or a hang, into a graph or one error
 * naming the file. nq_keras_load passes nq_keras_load_direct; a test passes
 * a reader that crashes to see what a libhdf5 crash becomes. */
typedef nq_status (*nq_keras_reader_fn)(const char *path, const nq_load_options *opts, nq_graph **out,
                                        nq_error *err);
nq_status nq_keras_load_isolated(const char *path, const nq_load_options *opts, nq_keras_reader_fn read,
                                 nq_graph **out, nq_error *err);

#endif
