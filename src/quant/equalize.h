/*
 * Cross-layer equalization (Nagel et al., "Data-Free Quantization Through
 * Weight Equalization and Bias Correction", 2019), an optional float-graph
 * transform run before calibration (`convert --equalize`).
 *
 * For two convolutions A -> B where A's output feeds only B, through no
 * activation or a ReLU (positively homogeneous: relu(x / s) = relu(x) / s),
 * output channel c of A is divided by s_c and input channel c of B is
 * multiplied by s_c, with s_c = sqrt(r_A[c] / r_B[c]) (r = the channel's
 * largest |weight|). The float function is unchanged, but the channels'
 * weight ranges become equal, which is what per-tensor quantization needs:
 * one scale per tensor wastes most of its 8 bits on a depthwise layer whose
 * channels span orders of magnitude.
 *
 * Pairs: CONV_2D or DEPTHWISE_CONV_2D (multiplier 1) followed by CONV_2D or
 * DEPTHWISE_CONV_2D (multiplier 1), constant float weights, A's fused
 * activation NONE or RELU (RELU6 clips at 6 and is not homogeneous).
 */
#ifndef NQ_QUANT_EQUALIZE_H
#define NQ_QUANT_EQUALIZE_H

#include "ir/graph.h"

/* Equalize g in place over `iterations` sweeps; *n_pairs = pairs touched. */
nq_status nq_equalize_graph(nq_graph *g, int iterations, int *n_pairs, nq_error *err);

#endif
