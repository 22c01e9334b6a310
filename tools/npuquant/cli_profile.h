/*
 * `run --profile`: where a session's time goes. Prints the per-node wall
 * times the library gathered (nq_session_profile) as two tables, sorted by
 * time: per op type, and per node with its kernel family, share of the
 * total and, for the convolution-like ops, GFLOP/s.
 */
#ifndef NQ_CLI_PROFILE_H
#define NQ_CLI_PROFILE_H

#include <stdio.h>

#include "npuquant.h"

/* Print the profile of session s (which runs model m) to f; at most
 * max_nodes rows in the per-node table (the rest summed in one line). */
nq_status cli_print_profile(FILE *f, const nq_model *m, const nq_session *s, int max_nodes, nq_error *err);

/* Multiply-accumulates of node i for the ops whose speed is quoted in
 * GFLOP/s (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV,
 * CONV_3D); 0 for other ops or shapes that do not fit the op. */
double cli_node_macs(const nq_model *m, int i);

#endif
