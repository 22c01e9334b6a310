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
 *
 * Then, with calibration samples, nq_equalize_activations rescales pairs
 * by their per-channel activation ranges, also through RELU6 and
 * RELU_N1_TO_1 where the calibration proves the clip is not reached
 * (equalize_act.c says how and why).
 */
#ifndef NQ_QUANT_EQUALIZE_H
#define NQ_QUANT_EQUALIZE_H

#include "ir/graph.h"
#include "npuquant.h"

/* Equalize g in place over `iterations` sweeps; *n_pairs = pairs touched. */
nq_status nq_equalize_graph(nq_graph *g, int iterations, int *n_pairs, nq_error *err);

/* Scale each pair's producer channels up to the tensor's range, exactly
 * (the float outputs on src's samples are unchanged but for rounding);
 * *n_pairs = pairs with a channel moved. src NULL: nothing is done. */
nq_status nq_equalize_activations(nq_graph *g, const nq_sample_source *src, const nq_session_options *so,
                                  int *n_pairs, nq_error *err);

/* How many pairs nq_equalize_activations could scale (no samples needed). */
int nq_equalize_activations_count(nq_graph *g);

#endif
