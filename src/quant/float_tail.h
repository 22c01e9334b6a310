/*
 * The float tail: with a float32 model output, the cheap ops after the last
 * heavy op (conv, depthwise, fully connected, matmul) of an output's path
 * that int8 would spoil run in float on the CPU, fed through DEQUANTIZE
 * right after the last int8 op; everything before stays int8 on the NPU.
 *
 * Detectors and landmark nets end in such tails: a LOGISTIC whose fixed
 * 1/256 step wipes out scores of 0.001, box decoding (MUL/ADD/POW) that
 * multiplies that step, and a CONCATENATION whose one shared scale leaves a
 * score channel beside pixel coordinates a fraction of a step.
 *
 * The criterion is measured, not an op list: one more float pass over the
 * calibration samples quantizes every tail tensor with the parameters int8
 * would give it (its calibrated range, or the op's fixed parameters) and
 * takes the signal-to-quantization-noise ratio of each channel (last axis),
 * and of each input of a concatenation at the concatenation's one scale. A
 * tail op whose worst channel or input falls below the threshold is lossy;
 * it and every tail op after it on the way to the output run in float. See
 * docs/quantization.md.
 */
#ifndef NQ_QUANT_FLOAT_TAIL_H
#define NQ_QUANT_FLOAT_TAIL_H

#include "calib/calibrate.h"

/* Below this per-channel SQNR of its own int8 rounding a tail op is lossy. */
#define NQ_FLOAT_TAIL_MIN_DB 30.0

typedef struct nq_float_tail {
  unsigned char *keep; /* per node of the float graph: 1 = runs in float */
  int n_kept;
  double mac_share; /* of the model's multiply-accumulates (an elementwise op: one per element) */
} nq_float_tail;

/* Multiply-accumulates of node n of g: a weighted op's weights per output
 * channel per output element, a matmul's inner dimension, else one per
 * output element (int16_auto.c budgets with it too). */
double nq_node_macs(const nq_graph *g, const nq_node *n);

/* Plan the tail of graph g (calibrated ranges r, samples src). note, when
 * set, gets one line naming the nodes kept in float and their share of the
 * MACs. */
nq_status nq_float_tail_plan(const nq_graph *g, const nq_sample_source *src, const nq_session_options *so,
                             const nq_ranges *r, void (*note)(void *, const char *), void *note_user,
                             nq_float_tail *out, nq_error *err);

void nq_float_tail_free(nq_float_tail *t);

#endif
