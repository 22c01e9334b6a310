/*
 * The float graph made ready for TFLite's 16x8 before calibration.
 *
 * Biases: TFLite's 16x8 CONV_2D without a bias tensor is refused by
 * LiteRT ("Tensor at index 2 was optional but was expected"), and with an
 * int32 one takes another requantizer: every conv / depthwise / fully
 * connected / transpose conv gets a zero float bias, which the quantizer
 * writes as int64 zeros.
 *
 * HARD_SWISH for TFLite's 16x8: TFLite has no int16 HARD_SWISH kernel, so
 * in a model with int16 activations each one would run int8 between a
 * DEQUANTIZE + QUANTIZE pair (TFLite's QUANTIZE does not widen int8 to
 * int16) and a QUANTIZE back: CPU round trips, and an int8 rounding in the
 * middle of the int16 network. Its definition in ops that have int16
 * kernels instead:
 *
 *   y = x * relu6(x + 3) / 6  ->  t = ADD(x, 3) with a fused RELU6,
 *                                 m = MUL(x, t), y = MUL(m, 1/6)
 *
 * The last MUL writes the original output tensor (names: NAME_plus3,
 * NAME_times, for compare and diagnose). It runs on the prepared float graph
 * before calibration, only when every node computes in 16x8
 * (--activations int16 without --int16-layers).
 */
#ifndef NQ_QUANT_PREPARE_16X8_H
#define NQ_QUANT_PREPARE_16X8_H

#include "core/status.h"
#include "ir/graph.h"

/* Rewrite every HARD_SWISH of g with a float32 activation input; *n gets
 * how many. */
nq_status nq_hard_swish_to_16x8_ops(nq_graph *g, int *n, nq_error *err);

/* Give every weighted layer (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
 * TRANSPOSE_CONV) without a bias a zero float32 one; *n gets how many. */
nq_status nq_add_zero_biases(nq_graph *g, int *n, nq_error *err);

#endif
