/*
 * Graph passes that every frontend runs after translating a model, so
 * frontends stay simple (emit BatchNormalization as MUL + ADD by per-channel
 * constants, activations as separate ops) and the graph the quantizer sees
 * is what TensorFlow's converter would produce:
 *   - fold MUL/ADD by constants into a preceding CONV_2D / DEPTHWISE_CONV_2D /
 *     FULLY_CONNECTED / TRANSPOSE_CONV with constant weights (BN folding);
 *   - fuse RELU / RELU6 / RELU_N1_TO_1 into the producer's fused activation;
 *   - fold ops whose inputs are all constant (shape arithmetic chains);
 *   - drop identity RESHAPEs and tensors/nodes nothing uses;
 *   - fold a PAD that only feeds a max pool into the pool's SAME padding.
 * Each pass keeps the graph valid (nq_graph_verify) and the float outputs
 * equal up to float rounding.
 */
#ifndef NQ_PASSES_PASSES_H
#define NQ_PASSES_PASSES_H

#include "ir/graph.h"

/* Run all passes to a fixed point. */
nq_status nq_passes_optimize(nq_graph *g, nq_error *err);

#endif
