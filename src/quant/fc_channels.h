/*
 * Whether a FULLY_CONNECTED's weights go per channel. TFLite long ran FC
 * with one weight scale only (TFLite Micro refused per-channel FC until
 * 2024, and NPU delegates differ), so npuquant keeps FC per tensor unless
 * one scale measurably loses a row: a row whose values are far smaller than
 * the tensor's largest is rounded to a few steps (hand_landmark_lite's
 * 'conv_world_landmarks': max|w| 0.335, rows of +-0.03).
 */
#ifndef NQ_QUANT_FC_CHANNELS_H
#define NQ_QUANT_FC_CHANNELS_H

#include <stdbool.h>

#include "ir/graph.h"

/* A row whose per-tensor weight rounding SQNR is below this is lossy. */
#define NQ_FC_ROW_MIN_DB 30.0
/* ... and per channel must win at least this much on the worst row. */
#define NQ_FC_PER_CHANNEL_GAIN_DB 6.0

/* Weight rounding SQNR (dB) of the worst row of FC weights `wt` ([O, I],
 * float32 constant) with one scale for the tensor (*pt_db) and with one
 * scale per row (*pc_db); 200 dB for an exact row. True when per channel
 * pays: *pt_db < NQ_FC_ROW_MIN_DB and *pc_db >= *pt_db + the gain. False
 * for anything that is not a finite rank-2 float32 constant. */
bool nq_fc_per_channel_pays(const nq_graph *f, int wt, double *pt_db, double *pc_db);

#endif
