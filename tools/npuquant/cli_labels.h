/*
 * --labels FILE.npy for `compare` (each model's accuracy) and `convert`
 * (the automatic recipe chooses by held-out accuracy): integer class
 * indices, one per sample in sample order.
 */
#ifndef NQ_CLI_LABELS_H
#define NQ_CLI_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "cli_data.h"
#include "npuquant.h"

/* Read `path` (a 1-D or [N, 1] integer .npy) into *out (caller frees);
 * one label per sample (n_samples; with --samples or --seed the labels
 * cannot follow the selection, and the message says so). */
nq_status cli_load_labels(const char *path, const cli_data_opts *data, int n_samples, int32_t **out,
                          size_t *n, nq_error *err);

#endif
