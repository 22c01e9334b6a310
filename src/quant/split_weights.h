/*
 * --split-weights: a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED whose
 * int8 weights lose too much becomes two layers of the same op whose
 * weights add up to the float ones, and an ADD:
 *
 *   y = act(W x + b)  ->  y = act((W_hi x + b) + (W_lo x))
 *
 * W_hi = dequant(quant(W)) on the grid the quantizer picks for W (per
 * channel: scale = max|w| / 127 along the op's weight axis; one scale with
 * --per-tensor or for a FULLY_CONNECTED that stays per tensor), so
 * requantizing W_hi gives back the same codes and loses nothing; W_lo =
 * W - W_hi is exact in float and its own scale is about 1/254 of W's: the
 * pair carries about 16 bits of weight, still int8 weights and int32
 * accumulators (a bias that cancels W x does so exactly inside the first
 * layer's accumulator), and everything stays on the NPU. Cost: the layer's
 * multiply-adds twice and one ADD.
 *
 * Names: the first layer keeps the node's name (its output is called
 * "<output>_whi"), the second is "<name>_wlo" (output "<output>_wlo"), and
 * the ADD, which takes the fused activation, writes the original output
 * tensor, so compare and diagnose still find it.
 *
 * It runs on the prepared float graph (after the pass pipeline and
 * equalization) before calibration. A bias so large against tiny weights
 * that the quantizer widens the weight scale (quant/weights.h) moves W_hi
 * off that grid; the sum stays exact and W_lo carries the difference.
 */
#ifndef NQ_QUANT_SPLIT_WEIGHTS_H
#define NQ_QUANT_SPLIT_WEIGHTS_H

#include <stdbool.h>

#include "calib/calibrate.h"
#include "core/status.h"
#include "ir/graph.h"

/* How auto chooses: the layers whose weight-only SQNR (output with W_hi
 * against with W, on the same float input, over the calibration samples) is
 * below min_db are split worst first while the added multiply-adds stay
 * within mac_share of the model's conv / depthwise / fully-connected ones.
 * The caller picks it by how the model will compute (NQ_SPLIT_AUTO_INT8 or
 * NQ_SPLIT_AUTO_16X8); a list of names ignores it. */
typedef struct nq_split_auto {
  double min_db;
  double mac_share;
} nq_split_auto;

/* At int8: the hand landmark net got worse past 30 dB. */
#define NQ_SPLIT_AUTO_INT8 ((nq_split_auto){30.0, 0.25})
/* When every layer computes with int16 activations (--activations int16,
 * TFLite's 16x8) the two extra roundings a split adds are int16 ones and
 * cost nothing visible, so auto splits more: YOLOv5n in 16x8 reached obj
 * 25.6 / cls 23.6 dB with the layers below 40 dB split, obj 30.8 / cls
 * 35.6 dB below 45 dB (54 of its 60 convs, +90% MACs). 45 dB per layer was
 * still too coarse for nets whose later layers amplify an earlier layer's
 * error: pose_landmark's expansion 1x1 convs turn a 42.5 dB input into a
 * 25.8 dB output with float weights, and its pose-flag conv (|W||x| /
 * |W x + b| a median 23) loses 14 dB more, so the flag stayed at 19.1 dB;
 * below 55 dB (+94-100% MACs on the four MediaPipe nets) it is 27.1 dB and
 * every MediaPipe output gains 1.3-13.5 dB (docs/quantization.md). Past
 * 55 dB the outputs move by +-2 dB either way with each added layer (their
 * errors no longer dominate). */
#define NQ_SPLIT_AUTO_16X8 ((nq_split_auto){55.0, 1.0})

/* How the quantizer will treat g's layers: its weight grid (per_tensor and
 * per_channel_fc as nq_convert_options). */
typedef struct nq_split_grid {
  bool per_tensor;
  bool per_channel_fc;
} nq_split_grid;

/* Split the layers `spec` names: "auto" or a comma-separated list of node
 * names (a node's name, or its output tensor's name when it has none);
 * `choice` says how auto picks.
 * src/so: the calibration samples, to measure (auto needs them; a list is
 * measured when they are given). note (may be NULL) gets one line per layer
 * split with its weight-only SQNR before and after, or one saying none was.
 * *n_split: layers split. An unknown name or a node that is not a layer
 * with constant float weights is NQ_ERR_INVALID_ARG naming it. */
nq_status nq_split_weights(nq_graph *g, const char *spec, nq_split_grid grid, nq_split_auto choice,
                           const nq_sample_source *src, const nq_session_options *so,
                           void (*note)(void *, const char *), void *note_user, int *n_split, nq_error *err);

/* Split node i (a layer with constant float32 weights); the new nodes follow
 * it in execution order. */
nq_status nq_split_weights_node(nq_graph *g, int i, nq_split_grid grid, nq_error *err);

/* The weights on the quantizer's grid: hi[k] = dequant(quant(w[k])) for
 * weights `wt` of node i, with the per-channel choice the quantizer makes. */
nq_status nq_split_weights_hi(const nq_graph *g, int i, nq_split_grid grid, float *hi, nq_error *err);

#endif
