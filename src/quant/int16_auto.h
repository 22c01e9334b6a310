/*
 * `--int16-layers auto`: which nodes get int16 activations when only some
 * can (TFLite's 16x8 costs time on the CPU and the i.MX 8M Plus / Edge TPU
 * NPUs do not run it). The unit is a tensor: its int8 rounding is undone
 * only when the node computing it and every node reading it are int16.
 *
 * One float pass over the samples measures each candidate tensor's own int8
 * rounding (its SQNR at the parameters int8 would give it: its calibrated
 * range, or an op's fixed ones). Tensors below NQ_INT16_AUTO_DB are taken
 * worst first, each with its producer and readers, while the nodes taken
 * stay within NQ_INT16_AUTO_MAC_SHARE of the model's multiply-accumulates
 * (a tensor whose nodes would pass it is skipped, cheaper ones after it may
 * still fit). Candidates: tensors computed by a quantized node, read only by
 * quantized nodes, all of whose ops have an int16x8 kernel in TFLite.
 */
#ifndef NQ_QUANT_INT16_AUTO_H
#define NQ_QUANT_INT16_AUTO_H

#include "calib/calibrate.h"

#define NQ_INT16_AUTO_DB 30.0
#define NQ_INT16_AUTO_MAC_SHARE 0.25
/* samples the measuring pass reads (spread over all of them) */
#define NQ_INT16_AUTO_SAMPLES 16

/* Set mask[i] = 1 (one byte per node of g, zeroed by the caller) for the
 * chosen nodes; note (may be NULL) gets one line saying what was chosen. */
nq_status nq_int16_auto(const nq_graph *g, const nq_ranges *r, const nq_sample_source *src,
                        const nq_session_options *so, unsigned char *mask, void (*note)(void *, const char *),
                        void *note_user, nq_error *err);

#endif
