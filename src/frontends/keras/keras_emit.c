/*
 * Adding tensors and nodes while translating layers. Each node's output
 * shape is inferred right away (ir/shape.h) so later layers can look at the
 * shapes they receive (Flatten, Dense on >2-D inputs, padding sizes).
 * Also the Keras activation functions, shared by the Activation layer and
 * the `activation` attribute of Conv/Dense layers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/keras/keras_internal.h"
#include "ir/shape.h"

const nq_tensor *kr_t(kr_ctx *c, int t) { return &c->g->tensors[t]; }

nq_status kr_layer_fail(kr_ctx *c, kr_layer_call *l, nq_status code, const char *what, nq_error *err) {
  return nq_fail(err, code, "%s: layer '%s' (%s): %s", c->path, l->name, l->cls, what);
}

nq_status kr_layer_done(kr_ctx *c, kr_layer_call *l, int y, nq_error *err) {
  if (y < 0) return nq_prefix(err, "%s: layer '%s' (%s): ", c->path, l->name, l->cls);
  l->out[0] = y;
  l->n_out = 1;
  return NQ_OK;
}

nq_status kr_one_input(kr_ctx *c, kr_layer_call *l, nq_error *err) {
  return l->n_in == 1 ? NQ_OK : kr_layer_fail(c, l, NQ_ERR_FORMAT, "expects one input", err);
}

int kr_const_f32(kr_ctx *c, const char *name, int rank, const int32_t *shape, const float *data,
                 nq_error *err) {
  int t = nq_graph_add_tensor(c->g, name, NQ_FLOAT32, rank, shape, err);
  if (t < 0) return -1;
  if (nq_tensor_copy_data(c->g, t, data, nq_tensor_elems(&c->g->tensors[t]) * sizeof(float), err) != NQ_OK)
    return -1;
  return t;
}

int kr_const_i32_nd(kr_ctx *c, const char *name, int rank, const int32_t *shape, const int32_t *vals,
                    nq_error *err) {
  int t = nq_graph_add_tensor(c->g, name, NQ_INT32, rank, shape, err);
  if (t < 0) return -1;
  if (nq_tensor_copy_data(c->g, t, vals, nq_tensor_elems(&c->g->tensors[t]) * sizeof(int32_t), err) != NQ_OK)
    return -1;
  return t;
}

int kr_const_i32(kr_ctx *c, const char *name, int n, const int32_t *vals, nq_error *err) {
  int32_t shape[1] = {n};
  return kr_const_i32_nd(c, name, 1, shape, vals, err);
}

int kr_emit(kr_ctx *c, nq_op op, const char *node_name, const char *out_name, int n_in, const int *in,
            const nq_op_params *p, nq_error *err) {
  nq_op_params d = nq_op_params_default();
  int out = nq_graph_add_tensor(c->g, out_name, NQ_FLOAT32, 0, NULL, err);
  if (out < 0) return -1;
  int n = nq_graph_add_node(c->g, op, node_name, n_in, in, 1, &out, p ? p : &d, err);
  if (n < 0) return -1;
  if (nq_infer_node_shapes(c->g, n, true, err) != NQ_OK) return -1;
  return out;
}

int kr_reshape(kr_ctx *c, const char *name, int x, int rank, const int32_t *shape, nq_error *err) {
  char sname[600];
  snprintf(sname, sizeof sname, "%s/shape", name);
  int s = kr_const_i32(c, sname, rank, shape, err);
  if (s < 0) return -1;
  nq_op_params p = nq_op_params_default();
  p.new_shape_rank = rank;
  for (int i = 0; i < rank; i++) p.new_shape[i] = shape[i];
  return kr_emit(c, NQ_OP_RESHAPE, name, name, 2, (int[]){x, s}, &p, err);
}

int kr_binary_const(kr_ctx *c, nq_op op, const char *name, int x, int n, const float *vals, nq_error *err) {
  char cname[600];
  snprintf(cname, sizeof cname, "%s/const", name);
  int32_t shape[1] = {n};
  int k = kr_const_f32(c, cname, 1, shape, vals, err);
  if (k < 0) return -1;
  return kr_emit(c, op, name, name, 2, (int[]){x, k}, NULL, err);
}

static int unary(kr_ctx *c, nq_op op, const char *name, int x, nq_error *err) {
  return kr_emit(c, op, name, name, 1, &x, NULL, err);
}

/* "<out>/<suffix>" for intermediates of a multi-op activation. */
static const char *sub(char *buf, size_t n, const char *out, const char *suffix) {
  snprintf(buf, n, "%s/%s", out, suffix);
  return buf;
}

/* alpha * elu(x) for x < 0 plus relu(x), the general form of ELU/SELU. */
static int elu_general(kr_ctx *c, const char *out, int x, float alpha, float scale, nq_error *err) {
  char b1[600], b2[600], b3[600], b4[600];
  float zero = 0.0f;
  int pos = unary(c, NQ_OP_RELU, sub(b1, sizeof b1, out, "pos"), x, err);
  int neg =
      pos < 0 ? -1 : kr_binary_const(c, NQ_OP_MINIMUM, sub(b2, sizeof b2, out, "neg"), x, 1, &zero, err);
  int e = neg < 0 ? -1 : unary(c, NQ_OP_ELU, sub(b3, sizeof b3, out, "elu"), neg, err);
  if (e < 0) return -1;
  if (alpha != 1.0f) e = kr_binary_const(c, NQ_OP_MUL, sub(b4, sizeof b4, out, "alpha"), e, 1, &alpha, err);
  if (e < 0) return -1;
  if (scale == 1.0f) return kr_emit(c, NQ_OP_ADD, out, out, 2, (int[]){pos, e}, NULL, err);
  int sum = kr_emit(c, NQ_OP_ADD, sub(b1, sizeof b1, out, "sum"), sub(b2, sizeof b2, out, "sum"), 2,
                    (int[]){pos, e}, NULL, err);
  return sum < 0 ? -1 : kr_binary_const(c, NQ_OP_MUL, out, sum, 1, &scale, err);
}

/* clamp(a * x + b, 0, 1): Keras' hard_sigmoid (a = 0.2 in Keras 2, 1/6 in Keras 3). */
static int hard_sigmoid(kr_ctx *c, const char *out, int x, float a, float b, nq_error *err) {
  char b1[600], b2[600], b3[600];
  float one = 1.0f, zero = 0.0f;
  int t = kr_binary_const(c, NQ_OP_MUL, sub(b1, sizeof b1, out, "scale"), x, 1, &a, err);
  if (t >= 0) t = kr_binary_const(c, NQ_OP_ADD, sub(b2, sizeof b2, out, "shift"), t, 1, &b, err);
  if (t >= 0) t = kr_binary_const(c, NQ_OP_MINIMUM, sub(b3, sizeof b3, out, "min"), t, 1, &one, err);
  if (t >= 0) t = kr_binary_const(c, NQ_OP_MAXIMUM, out, t, 1, &zero, err);
  return t;
}

int kr_activation(kr_ctx *c, const char *layer, const char *act, const char *out, int x, const char *cls,
                  nq_error *err) {
  char b1[600];
  if (!act || strcmp(act, "linear") == 0 || strcmp(act, "None") == 0) return x;
  if (strcmp(act, "relu") == 0) return unary(c, NQ_OP_RELU, out, x, err);
  if (strcmp(act, "relu6") == 0) return unary(c, NQ_OP_RELU6, out, x, err);
  if (strcmp(act, "sigmoid") == 0) return unary(c, NQ_OP_LOGISTIC, out, x, err);
  if (strcmp(act, "tanh") == 0) return unary(c, NQ_OP_TANH, out, x, err);
  if (strcmp(act, "exponential") == 0) return unary(c, NQ_OP_EXP, out, x, err);
  if (strcmp(act, "hard_swish") == 0 || strcmp(act, "hard_silu") == 0)
    return unary(c, NQ_OP_HARD_SWISH, out, x, err);
  if (strcmp(act, "softmax") == 0) {
    nq_op_params p = nq_op_params_default();
    p.beta = 1.0f;
    return kr_emit(c, NQ_OP_SOFTMAX, out, out, 1, &x, &p, err);
  }
  if (strcmp(act, "swish") == 0 || strcmp(act, "silu") == 0) {
    int s = unary(c, NQ_OP_LOGISTIC, sub(b1, sizeof b1, out, "sigmoid"), x, err);
    return s < 0 ? -1 : kr_emit(c, NQ_OP_MUL, out, out, 2, (int[]){x, s}, NULL, err);
  }
  if (strcmp(act, "elu") == 0) return unary(c, NQ_OP_ELU, out, x, err);
  if (strcmp(act, "selu") == 0) return elu_general(c, out, x, 1.6732632423543772f, 1.0507009873554805f, err);
  if (strcmp(act, "gelu") == 0) {
    nq_op_params p = nq_op_params_default();
    p.approximate = false; /* keras.activations.gelu defaults to the erf form */
    return kr_emit(c, NQ_OP_GELU, out, out, 1, &x, &p, err);
  }
  if (strcmp(act, "leaky_relu") == 0) {
    nq_op_params p = nq_op_params_default();
    p.alpha = 0.2f;
    return kr_emit(c, NQ_OP_LEAKY_RELU, out, out, 1, &x, &p, err);
  }
  if (strcmp(act, "hard_sigmoid") == 0) {
    if (c->keras_major >= 3) return hard_sigmoid(c, out, x, 1.0f / 6.0f, 0.5f, err);
    return hard_sigmoid(c, out, x, 0.2f, 0.5f, err);
  }
  return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: layer '%s' (%s): activation '%s' is not supported by npuquant",
                 c->path, layer, cls, act),
         -1;
}

int kr_activation_elu(kr_ctx *c, const char *out, int x, float alpha, nq_error *err) {
  if (alpha == 1.0f) return unary(c, NQ_OP_ELU, out, x, err);
  return elu_general(c, out, x, alpha, 1.0f, err);
}
