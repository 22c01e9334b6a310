/*
 * Field-by-field comparison of two graphs for the writer's round-trip tests:
 * tensors (name, type, shape, data bytes, quantization bit for bit,
 * is_variable), nodes (op, inputs, outputs, every option, version), model
 * inputs/outputs, signatures, metadata and description. Returns 0 when
 * equal, else 1 with the first difference described in `why`.
 */
#ifndef NQ_TESTS_WRITER_GRAPH_COMPARE_H
#define NQ_TESTS_WRITER_GRAPH_COMPARE_H

#include <stddef.h>

#include "ir/graph.h"

int nq_test_graph_diff(const nq_graph *a, const nq_graph *b, char *why, size_t whysize);

#endif
