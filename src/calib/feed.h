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

#include "calib/calibrate.h"
#include "ir/graph.h"
#include "npuquant.h"

/* Set input i (tensor x of the session's model) from n float values; tmp
 * must hold n * 8 bytes. */
nq_status nq_feed_input(nq_session *s, const nq_tensor *x, int i, const float *v, size_t n, void *tmp,
                        nq_error *err);

/* Buffers for feeding whole samples: sized once for a graph's largest input. */
typedef struct nq_feeder {
  float *buf; /* one input's float values */
  void *tmp;  /* the same converted to the input's type */
} nq_feeder;

nq_status nq_feeder_init(nq_feeder *f, const nq_graph *g, nq_error *err);
void nq_feeder_free(nq_feeder *f);

/* Fill every input of sample k from src (once) and set it on each of the n
 * sessions; session j runs graph g[j] (same inputs, maybe other types: a
 * float model and its int8 version). */
nq_status nq_feed_sample(nq_feeder *f, const nq_sample_source *src, int k, int n, nq_session *const *s,
                         const nq_graph *const *g, nq_error *err);

#endif
