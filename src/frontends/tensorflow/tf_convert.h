/*
 * Shared state and helpers of the TensorFlow -> nq converter (tf_convert.c
 * walks the graph; tf_ops_nn.c and tf_ops_shape.c translate the ops;
 * tf_convert_util.c holds the helpers below).
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
  int **vals;  /* per flat node: nq tensor per output (-1: none) */
  int *nvals;
  uint8_t *state; /* 0 new, 1 on the walk stack, 2 converted */
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
nq_status tfc_check_nhwc(tf_cv *c, int ni, nq_error *err);
nq_status tfc_padding(tf_cv *c, int ni, nq_padding *p, nq_error *err);
nq_status tfc_hw_attr(tf_cv *c, int ni, const char *name, int *h, int *w, bool required, nq_error *err);
char *tfc_sub_name(const char *base, const char *suffix, char *buf, size_t len);
nq_status tfc_emit(tf_cv *c, int ni, nq_op op, const char *oname, nq_dtype type, int n_in, const int *in,
                    const nq_op_params *p, int *out, nq_error *err);
int tfc_const_f32(tf_cv *c, const char *name, int rank, const int32_t *shape, const float *v, nq_error *err);
int tfc_const_zeros(tf_cv *c, const char *name, int len, nq_error *err);
int tfc_as_i32(tf_cv *c, int t, const char *name, nq_error *err);
nq_status tfc_folded(tf_cv *c, int ni, int t, nq_error *err);

/* Op translations: each converts node ni (inputs already converted). */
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

#endif
