/*
 * Ranges no int8 step is spent on: after calibration, a tensor's range is
 * clipped where every reader's result no longer changes.
 *
 * - A tensor read only by LOGISTIC (or TANH) nodes: int8 LOGISTIC's output
 *   (scale 1/256) is at its limits beyond |x| = 6.3, TANH's (1/128) beyond
 *   3.2, so [-8, 8] and [-4, 4] lose nothing.
 * - A SiLU's input x, read by exactly LOGISTIC(x) and MUL(x, LOGISTIC(x)):
 *   x * sigmoid(x) is within 0.003 of 0 below -8, so the negative tail is
 *   clipped at -8. In SiLU detectors (YOLOv5/v8, YOLOX) conv outputs reach
 *   -20..-60 on real photos; this alone takes YOLOv5n's output from 18.0 to
 *   22.1 dB (docs/quantization.md).
 * - The inputs of an ADD with a fused ReLU / ReLU6 / RELU_N1_TO_1, when both
 *   are outputs of two layers of one op on one input that nothing else
 *   reads (a --split-weights layer's W_hi x + b and W_lo x): each to the
 *   values the clamp can still tell apart given the other's range.
 *
 * Model outputs keep their calibrated range. Ranges only shrink, and a
 * clipped tensor joined to others by an op that needs equal parameters
 * takes the union of the cluster (quantize.c), so no reader other than the
 * ones above ever sees a clipped value.
 */
#ifndef NQ_QUANT_SATURATION_CLIP_H
#define NQ_QUANT_SATURATION_CLIP_H

#include "ir/graph.h"
#include "quant/quantize.h"

/* Clip r in place (indexed like g's tensors); returns how many ranges shrank. */
int nq_clip_saturating_ranges(const nq_graph *g, nq_ranges *r);

#endif
