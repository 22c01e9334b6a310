/*
 * Opening the files a model or data set is made of.
 *
 * Every input file goes through nq_input_open(), which
 *   - opens with O_NONBLOCK and checks the type with fstat() before reading,
 *     so a FIFO, socket or device is refused at once instead of blocking or
 *     streaming forever (O_NONBLOCK is cleared again for the reads);
 *   - when `within` is given (the model's folder), resolves every symbolic
 *     link of the path and refuses a file that lies outside that folder, and
 *     checks that the file opened is the very inode the resolved path names
 *     (a link swapped in between is caught);
 *   - records the device and inode of the file, so that an output can never
 *     replace any part of an input (nq_input_is_recorded(), used by
 *     nq_write_file_atomic()).
 *
 * Records belong to what was read: a collector is active while a model loads
 * (nq_model_load_ex) or a data set opens (nq_dataset_open); the model or data
 * set keeps the list and releases it when freed. Outside a collector nothing
 * is recorded (a program may write a file, read it, and write it again).
 */
#ifndef NQ_CORE_INPUT_FILE_H
#define NQ_CORE_INPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "npuquant.h"

/* The records a model owns: device/inode pairs, each counted once in the
 * process-wide table. */
typedef struct nq_input_list {
  int n, cap;
  struct nq_input_id {
    dev_t dev;
    ino_t ino;
  } * ids;
} nq_input_list;

/* Open `path` read-only (see above). `within` may be NULL (a file the user
 * named). On success *fd is open (close it) and *size is the file's size. */
nq_status nq_input_open(const char *path, const char *within, int *fd, uint64_t *size, nq_error *err);
/* The same as a stdio stream. */
nq_status nq_input_fopen(const char *path, const char *within, FILE **f, uint64_t *size, nq_error *err);
/* Read a whole file of at most `max` bytes into a malloc'd buffer (one spare
 * zero byte after the data, so text parsers may rely on a terminator). */
nq_status nq_input_read(const char *path, const char *within, size_t max, uint8_t **data, size_t *size,
                        nq_error *err);
/* Check that `path` is a directory (inside `within` when given) and record it. */
nq_status nq_input_check_dir(const char *path, const char *within, nq_error *err);
/* True for a regular file `path` lying inside `within` after links are
 * resolved (a quiet probe: no record, no message). */
bool nq_input_probe_file(const char *path, const char *within);

/* True when (dev, ino) is a file some live model or data set was read from. */
bool nq_input_is_recorded(dev_t dev, ino_t ino);

/* Record `path` (stat, no open) into the active collector, if any: for the
 * files of a data set listed now and read later. */
nq_status nq_input_record_path(const char *path, nq_error *err);

/* Collect the records made on this thread into `l` until
 * nq_input_collect_end(previous), where previous is what begin returned. */
nq_input_list *nq_input_collect_begin(nq_input_list *l);
void nq_input_collect_end(nq_input_list *previous);
/* Drop the records of `l` (the model that owned them is freed). */
void nq_input_list_release(nq_input_list *l);

#endif
