/*
 * Feeding a float sample to a session input of any type. Representative
 * samples are float32 (preprocessed as in training); a model input may be
 * float32 (copied), int8/uint8 (quantized with the input's own parameters,
 * TFLite's QUANTIZE rule), or int32/int64/bool (rounded to the nearest
 * integer: index- or count-like inputs given as numbers in the data).
 */
#ifndef NQ_CALIB_FEED_H
#define NQ_CALIB_FEED_H

#include <stddef.h>

#include "ir/graph.h"
#include "npuquant.h"

/* Set input i (tensor x of the session's model) from n float values; tmp
 * must hold n * 8 bytes. */
nq_status nq_feed_input(nq_session *s, const nq_tensor *x, int i, const float *v, size_t n, void *tmp,
                        nq_error *err);

#endif
