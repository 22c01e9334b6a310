/*
 * Shape inference, one function per op (a table indexed by nq_op, built
 * from ops.def). Given the shapes (and, for shape-like operands, the
 * constant data) of a node's inputs, compute its output shapes and check
 * that the inputs agree; a mismatch names the node and both shapes.
 *
 * Frontends call nq_graph_infer_shapes() after building a graph; readers
 * call it to check that a file's stored shapes are consistent.
 */
#ifndef NQ_IR_SHAPE_H
#define NQ_IR_SHAPE_H

#include "ir/graph.h"

/* Infer the output shapes of node `n`. Writes them into the graph's output
 * tensors when `write` is true; otherwise checks that the stored shapes
 * equal the inferred ones. */
nq_status nq_infer_node_shapes(nq_graph *g, int n, bool write, nq_error *err);

/* Run nq_infer_node_shapes over every node in order. */
nq_status nq_graph_infer_shapes(nq_graph *g, bool write, nq_error *err);

#endif
