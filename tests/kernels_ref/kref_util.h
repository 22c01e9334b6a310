/*
 * Building one-node graphs for kernel tests and running them through the
 * public session API with reference kernels only.
 */
#ifndef NQ_KREF_UTIL_H
#define NQ_KREF_UTIL_H

#include <stdbool.h>

#include "ir/graph.h"

typedef struct kb {
  nq_graph *g;
  int in[8], n_in; /* graph inputs, in order */
  const float *in_data[8];
  int out[8], n_out;
} kb;

void kb_init(kb *b);
/* A float32 graph input with data. */
int kb_input(kb *b, int rank, const int32_t *shape, const float *data);
/* Constant tensors. */
int kb_const_f(kb *b, int rank, const int32_t *shape, const float *data);
int kb_const_i(kb *b, int rank, const int32_t *shape, const int32_t *data);
/* An output tensor with the given stored shape (float32 unless type given). */
int kb_output(kb *b, int rank, const int32_t *shape);
int kb_output_t(kb *b, nq_dtype type, int rank, const int32_t *shape);
int kb_node(kb *b, nq_op op, const char *name, int n_in, const int *in, int n_out, const int *out,
            const nq_op_params *p);
/* Run with reference kernels; returns the status of create+run; copies
 * output k (float32) into res (n floats). err gets the message. */
nq_status kb_run(kb *b, int k, float *res, size_t n, nq_error *err);
/* Same, for any output type: copies exactly nbytes (fails if the size differs). */
nq_status kb_run_bytes(kb *b, int k, void *res, size_t nbytes, nq_error *err);
/* Compare with a tolerance; prints the first mismatch. */
bool kb_close(const char *what, const float *got, const float *want, size_t n, float tol);

#endif
