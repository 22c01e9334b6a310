/*
 * Writing an output file so that it is either complete or absent.
 *
 * The bytes go to a temporary file created with mkstemp() in the same
 * directory as the destination (rename() is only atomic within one file
 * system), are flushed with fsync(), and the temporary file is renamed over
 * the destination. Any failure removes the temporary file, so a crash or a
 * full disk never leaves a truncated model behind, and an existing file at
 * the destination stays untouched until the new one is complete.
 *
 * Outputs must never overwrite inputs: when `protect` is given (the file a
 * model was read from), a destination that is the same file, by device and
 * inode or by canonical path, is refused with NQ_ERR_INVALID_ARG. So is a
 * destination that is any file a live model or data set was read from
 * (core/input_file.h records them by device and inode: a SavedModel's
 * variables, ONNX external data, a --keras-json file), and an existing
 * destination that is not a regular file (a symbolic link, device, FIFO,
 * socket or directory): only a new file or a regular file is replaced.
 */
#ifndef NQ_CORE_ATOMIC_FILE_H
#define NQ_CORE_ATOMIC_FILE_H

#include <stddef.h>

#include "npuquant.h"

/* Write `size` bytes to `path` atomically. `protect` may be NULL. The new
 * file gets mode 0666 minus the umask, like a file made by fopen(). */
nq_status nq_write_file_atomic(const char *path, const void *data, size_t size, const char *protect,
                               nq_error *err);

/* The checks nq_write_file_atomic makes on `path` before writing (and again
 * before the rename); callers may run them early, before costly work. */
nq_status nq_check_output_path(const char *path, const char *protect, nq_error *err);

/* True when a and b name the same existing file (same st_dev/st_ino, or the
 * same realpath()). False if either does not exist. */
int nq_same_file(const char *a, const char *b);

#endif
