/*
 * --labels for `compare` (each model's accuracy) and `convert` (the
 * automatic recipe chooses by held-out accuracy): FILE.npy of integer class
 * indices, one per sample in sample order, or `folders[:MAP.txt]`, the class
 * folder each sample of the first -d folder lies in (nq_dataset_folder_labels).
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

/* The --labels argument `arg`: "folders" or "folders:MAP.txt" (labels from
 * the class folders of the first -d, which follow --samples and --seed;
 * checked against the classes of model m's outputs), else a .npy file as
 * cli_load_labels. d: the open samples (one per selected sample). */
nq_status cli_labels_load(const char *arg, const cli_data_opts *data, const cli_data *d, const nq_model *m,
                          int n_samples, int32_t **out, size_t *n, nq_error *err);

/* 1 when `arg` is "folders" or "folders:MAP.txt". */
int cli_labels_are_folders(const char *arg);
/* Folder labels (arg as above) for the samples d opened from folder `root`. */
nq_status cli_folder_labels(const char *arg, const char *root, const cli_data *d, const nq_model *m,
                            int n_samples, int32_t **out, size_t *n, nq_error *err);
/* --eval-data labelled by plain "folders": its class folders must be those
 * of the calibration folder `root` (the same names give the same numbers). */
nq_status cli_same_class_folders(const char *arg, const char *eval_root, const char *root, nq_error *err);

#endif
