/*
 * OperatorCode.version for the ops npuquant writes.
 *
 * A TFLite runtime refuses an op whose version is newer than its kernels
 * register, and accelerators (Edge TPU, NPU delegates) gate on it, so the
 * writer emits the smallest version that describes what the node needs:
 * the rules of TensorFlow's lite/tools/versioning/op_version.cc
 * (GetBuiltinOperatorVersion), summarised in docs TFLITE_INT8.md §1.4,
 * driven by the tensor types, shapes, quantization and options of the node.
 *
 * Version policy of the writer (tflite_write.c):
 *   - node->version > 0 (read from a file and kept): written unchanged, so
 *     a round trip is faithful;
 *   - node->version == 0 (a node made or changed by npuquant): computed here;
 *   - nodes that share one OperatorCode get the highest version among them,
 *     as TFLite's UpdateOpVersion does.
 */
#ifndef NQ_WRITERS_TFLITE_OP_VERSION_H
#define NQ_WRITERS_TFLITE_OP_VERSION_H

#include "ir/graph.h"

/* The minimum OperatorCode version node `n` of `g` needs (>= 1). Absent
 * optional inputs (-1) are handled; indices are assumed verified. */
int nq_tflite_op_version(const nq_graph *g, const nq_node *n);

#endif
