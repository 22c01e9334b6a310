/*
 * Shared state and helpers of the TensorFlow -> nq converter (tf_convert.c
 * walks the graph; tf_ops_nn.c, tf_ops_shape.c and tf_ops_split.c translate
 * the ops, tf_ops_composite.c those built from several IR ops;
 * tf_convert_util.c holds the helpers below; tf_layout.c keeps NCHW
 * values in NHWC form).
 */
#ifndef NQ_FRONTENDS_TF_CONVERT_H
#define NQ_FRONTENDS_TF_CONVERT_H

#include "core/status.h"
#include "frontends/tensorflow/tf_internal.h"

typedef struct tf_cv {
  const tf_flat *f;
  const tf_io *io;
  const nq_load_options *opts;
  tf_var_fn var_fn;
  void *var_ctx;
  nq_graph *g;
  const char *file;
  int **vals; /* per flat node: nq tensor per output (-1: none) */
  int *nvals;
  uint8_t *state; /* 0 new, 1 on the walk stack, 2 converted */
  /* Per flat node output, beside vals: the same value stored NHWC when the
   * TF value is a rank-4 NCHW tensor (-1: none). A value has a logical form
   * (vals, TF's own layout), an NHWC form (nhwc), or both; tf_layout.c makes
   * the missing one with a TRANSPOSE on demand and remembers it, so an NCHW
   * region keeps its data NHWC and transposes appear only where a consumer
   * needs TF's layout (see tf_layout.c). */
  int **nhwc;
  /* Per nq tensor t: twin[2t] = t transposed NCHW->NHWC, twin[2t+1] = t
   * transposed NHWC->NCHW, once made (else -1); shared by every alias of a
   * value (Identity chains). n_twin entries. */
  int *twin;
  int n_twin;
} tf_cv;

/* Fail with "<file>: node '<name>' (<op>): <message>". */
nq_status tfc_fail(tf_cv *c, int ni, nq_status code, nq_error *err, const char *fmt, ...) NQ_PRINTF(5, 6);
nq_status tfc_set_vals(tf_cv *c, int ni, int n, const int *t, nq_error *err);
nq_status tfc_set_val(tf_cv *c, int ni, int t, nq_error *err);
nq_status tfc_in(tf_cv *c, int ni, int i, int *t, nq_error *err);
bool tfc_is_const(tf_cv *c, int t);
nq_status tfc_const_in(tf_cv *c, int ni, int i, int *t, nq_error *err);
int64_t tfc_attr_i(const tf_node *n, const char *name, int64_t def);
float tfc_attr_f(const tf_node *n, const char *name, float def);
bool tfc_attr_b(const tf_node *n, const char *name, bool def);
int tfc_attr_type(const tf_node *n, const char *name, int def);
bool tfc_attr_s_is(const tf_node *n, const char *name, const char *want);
int tfc_attr_ints(const tf_node *n, const char *name, int64_t *out, int max);
/* data_format of node ni: false for NHWC (or none), true for NCHW; any
 * other value (NCDHW, ...) is refused. */
nq_status tfc_data_format(tf_cv *c, int ni, bool *nchw, nq_error *err);
nq_status tfc_padding(tf_cv *c, int ni, nq_padding *p, nq_error *err);
nq_status tfc_hw_attr(tf_cv *c, int ni, const char *name, int *h, int *w, bool required, nq_error *err);
char *tfc_sub_name(const char *base, const char *suffix, char *buf, size_t len);
nq_status tfc_emit(tf_cv *c, int ni, nq_op op, const char *oname, nq_dtype type, int n_in, const int *in,
                   const nq_op_params *p, int *out, nq_error *err);
int tfc_const_f32(tf_cv *c, const char *name, int rank, const int32_t *shape, const float *v, nq_error *err);
int tfc_const_zeros(tf_cv *c, const char *name, int len, nq_error *err);
int tfc_as_i32(tf_cv *c, int t, const char *name, nq_error *err);
nq_status tfc_folded(tf_cv *c, int ni, int t, nq_error *err);
/* Add a node with n_out new output tensors ("name", "name:1", ...). */
nq_status tfc_emit_multi(tf_cv *c, int ni, nq_op op, const char *oname, nq_dtype type, int n_in,
                         const int *in, const nq_op_params *p, int n_out, int *out, nq_error *err);

/* ---- layout of values (tf_layout.c) ----
 * tfc_in() above always gives the logical (TF-layout) tensor. */
/* The value of output k of flat node src in its logical form. */
nq_status tfc_value(tf_cv *c, int src, int k, int *t, nq_error *err);
/* True when input i of node ni already has an NHWC form (it is the output
 * of an NCHW region) and is no constant. */
bool tfc_in_is_nhwc(tf_cv *c, int ni, int i);
/* Input i of node ni (a rank-4 NCHW value) in NHWC form. */
nq_status tfc_in_nhwc(tf_cv *c, int ni, int i, int *t, nq_error *err);
/* Logical NCHW tensor t (rank 4) as NHWC: a folded constant or a TRANSPOSE. */
nq_status tfc_to_nhwc(tf_cv *c, int ni, int t, int *out, nq_error *err);
/* A constant of rank <= 4 that broadcasts against a logical NCHW value, made
 * to broadcast the same way against its NHWC form. */
nq_status tfc_const_for_nhwc(tf_cv *c, int ni, int t, int *out, nq_error *err);
/* Set node ni's outputs to NHWC forms of NCHW values. */
nq_status tfc_set_nhwc_vals(tf_cv *c, int ni, int n, const int *t, nq_error *err);
/* Output k of node ni is output k of src, in every form src has. */
nq_status tfc_forward_val(tf_cv *c, int ni, int k, int src, int src_k, nq_error *err);
/* Logical axis of a rank-4 NCHW value -> axis of its NHWC form. */
int tfc_nchw_axis_to_nhwc(int axis);

/* Op translations: each converts node ni (inputs already converted). */
/* One entry of the op table (tf_op_table.c): a TF op name, its translator,
 * the IR op it produces and what else the translator is told in arg (a
 * flag, a folding operator character or an input count). */
typedef struct tf_op_entry {
  const char *name; /* first: the table is searched by name_table.h */
  nq_status (*translate)(tf_cv *c, int ni, const struct tf_op_entry *e, nq_error *err);
  nq_op op;
  int arg;
} tf_op_entry;

/* The entry for op `name`, or NULL. */
const tf_op_entry *tf_find_op(const char *name);
/* The whole table (for the order test). */
const tf_op_entry *tf_op_table(size_t *n);

nq_status tfo_conv(tf_cv *c, int ni, nq_error *err);
nq_status tfo_conv_transpose(tf_cv *c, int ni, nq_error *err);
nq_status tfo_matmul(tf_cv *c, int ni, bool batch, nq_error *err);
nq_status tfo_binary(tf_cv *c, int ni, nq_op op, char fold_op, nq_error *err);
nq_status tfo_unary(tf_cv *c, int ni, nq_op op, nq_error *err);
nq_status tfo_batchnorm(tf_cv *c, int ni, nq_error *err);
nq_status tfo_pool(tf_cv *c, int ni, nq_op op, nq_error *err);
nq_status tfo_reduce(tf_cv *c, int ni, nq_op op, char fold_op, nq_error *err);
nq_status tfo_reshape(tf_cv *c, int ni, nq_error *err);
nq_status tfo_squeeze(tf_cv *c, int ni, nq_error *err);
nq_status tfo_expand_dims(tf_cv *c, int ni, nq_error *err);
nq_status tfo_concat_or_pack(tf_cv *c, int ni, bool pack, nq_error *err);
nq_status tfo_pad(tf_cv *c, int ni, nq_error *err);
nq_status tfo_resize(tf_cv *c, int ni, nq_op op, nq_error *err);
nq_status tfo_transpose(tf_cv *c, int ni, nq_error *err);
nq_status tfo_strided_slice(tf_cv *c, int ni, nq_error *err);
nq_status tfo_shape_like(tf_cv *c, int ni, nq_error *err);
nq_status tfo_cast(tf_cv *c, int ni, nq_error *err);
nq_status tfo_fill(tf_cv *c, int ni, nq_error *err);
nq_status tfo_forward(tf_cv *c, int ni, nq_error *err);
nq_status tfo_direct(tf_cv *c, int ni, nq_op op, int n_in, nq_error *err);
nq_status tfo_depth_space(tf_cv *c, int ni, nq_op op, nq_error *err);
nq_status tfo_add_n(tf_cv *c, int ni, nq_error *err);
nq_status tfo_split(tf_cv *c, int ni, bool sizes, nq_error *err);
nq_status tfo_unpack(tf_cv *c, int ni, nq_error *err);
nq_status tfo_clip(tf_cv *c, int ni, nq_error *err);
nq_status tfo_reciprocal(tf_cv *c, int ni, nq_error *err);
nq_status tfo_softplus(tf_cv *c, int ni, nq_error *err);
nq_status tfo_selu(tf_cv *c, int ni, nq_error *err);
nq_status tfo_select(tf_cv *c, int ni, nq_error *err);

#endif
