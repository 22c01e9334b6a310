/*
 * A small builder of int8 one-op (and few-op) models for the model makers of
 * the tests (tests/int8/make_op_models.c, tests/golden/make_golden_models.c):
 * tensors with per-tensor or per-channel quantization, seeded random weights
 * and biases, nodes, and the write through npuquant's own TFLite writer.
 * Errors stick: after the first failure every call is a no-op and mb_finish
 * reports the model's name and the message on stderr (and counts it).
 */
#ifndef NQ_TESTS_OP_MODEL_BUILDER_H
#define NQ_TESTS_OP_MODEL_BUILDER_H

#include <stdint.h>

#include "ir/graph.h"
#include "testutil.h"

typedef struct builder {
  const char *tool; /* the maker's name, for messages */
  nq_graph *g;
  nq_error err;
  nq_rng rng; /* seeds weights and biases */
  int ok;
  int n_in, in[4];
  int failures; /* models that could not be written */
} builder;

#define IN(...) ((int[]){__VA_ARGS__})
#define SH(...) ((int32_t[]){__VA_ARGS__})

/* Begin a new model. */
void mb_start(builder *b);
/* A tensor with n_q scales/zero points along axis (n_q == 0: not quantized). */
int mb_tensor(builder *b, nq_dtype t, int rank, const int32_t *shape, int n_q, const float *s,
              const int64_t *z, int axis);
/* A graph input, quantized per tensor. */
int mb_input(builder *b, nq_dtype t, int rank, const int32_t *shape, float s, int64_t z);
/* An activation (shape filled in by inference). */
int mb_act(builder *b, nq_dtype t, float s, int64_t z);
void mb_set_data(builder *b, int t, const void *data, size_t n);
/* Random symmetric int8 weights with n_q scales along axis (n_q == 1: per tensor). */
int mb_weights(builder *b, int rank, const int32_t *shape, int n_q, int axis);
/* int32 bias with scale s_in * s_w per channel, as TFLite requires. */
int mb_bias(builder *b, int n, float s_in, int w_tensor);
/* The same with type t: NQ_INT64 for TFLite's int16x8 (16x8) kernels, or
 * NQ_INT32; values drawn from [-range, range]. */
int mb_bias_typed(builder *b, nq_dtype t, int n, float s_in, int w_tensor, int32_t range);
/* A constant int32 tensor. */
int mb_ints(builder *b, int rank, const int32_t *shape, const int32_t *v);
void mb_node(builder *b, nq_op op, int n_in, const int *in, int n_out, const int *out, const nq_op_params *p);
/* Set the outputs, infer shapes and write DIR/NAME.tflite; prints NAME on
 * success. */
void mb_finish(builder *b, const char *dir, const char *name, int n_out, const int *out);

#endif
