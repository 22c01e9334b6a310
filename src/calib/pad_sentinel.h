/*
 * Values calibration must not count: the pad value of a PADV2 whose every
 * reader is a max pool. Frontends lower a padded max pool that TFLite's
 * SAME cannot express as PADV2 with -FLT_MAX (ONNX MaxPool with pads on one
 * side only, or ceil_mode) so padding never wins a max; counted, that
 * sentinel stretched the tensor's range to 3.4e38 and gave scales of 1e36
 * that no int8 kernel can use. Left out, the PADV2 output's range is its
 * input's (the quantizer ties the two anyway), and the int8 pad value is
 * the lowest step of that range, which likewise never wins a max.
 *
 * Likewise the fill of a masked softmax: SELECT_V2 (ONNX Where, TF Select)
 * with a scalar constant of magnitude >= 1e4 (-1e9, -inf, float's lowest)
 * whose every reader is a SOFTMAX. Counted, -1e9 made the scores' scale 4e6
 * and every score one value; left out, the int8 fill is the lowest step of
 * the scores' range, which softmax maps to (almost) 0, as the fill meant.
 */
#ifndef NQ_CALIB_PAD_SENTINEL_H
#define NQ_CALIB_PAD_SENTINEL_H

#include "ir/graph.h"

/* *out: one float per tensor of g, the value to leave out of that tensor's
 * range, or NaN (nothing: NaN equals no value). Free with free(). */
nq_status nq_calib_ignored_values(const nq_graph *g, float **out, nq_error *err);

#endif
