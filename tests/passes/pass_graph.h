/*
 * Building small float graphs for the pass tests and checking that a pass
 * kept their function: run the graph as built and the graph after
 * nq_passes_optimize on the same random inputs (reference kernels) and
 * report the worst relative difference.
 */
#ifndef NQ_TESTS_PASS_GRAPH_H
#define NQ_TESTS_PASS_GRAPH_H

#include "api/model_internal.h"
#include "ir/shape.h"
#include "testutil.h"

typedef struct builder {
  nq_graph *g;
  nq_error err;
  nq_rng rng;
} builder;

/* A float tensor of unknown shape (shape inference fills it). */
int pg_act(builder *b, const char *name);
/* A float constant with uniform random values in [lo, hi). */
int pg_konst(builder *b, const char *name, int rank, const int32_t *shape, float lo, float hi);
/* A scalar float constant. */
int pg_scalar(builder *b, const char *name, float v);
/* A 1-D int32 constant. */
int pg_kint(builder *b, const char *name, int n, const int32_t *vals);
/* A node with one output; p NULL for default parameters. */
void pg_node(builder *b, nq_op op, const char *name, int n_in, const int *in, int out, const nq_op_params *p);
/* Unary / binary node helpers that create their output tensor. */
int pg_un(builder *b, nq_op op, const char *name, int x);
int pg_bin(builder *b, nq_op op, const char *name, int x, int y);

int pg_count_op(const nq_graph *g, nq_op op);
const nq_node *pg_find_op(const nq_graph *g, nq_op op);

/* Run both graphs on the same input (uniform in [lo, hi)) and return the
 * worst relative error over the outputs; frees both graphs. */
double pg_run_compare(nq_graph *a, nq_graph *b, float lo, float hi);

#endif
