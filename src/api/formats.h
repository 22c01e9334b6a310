/*
 * Format detection and dispatch for nq_model_load(): every frontend in
 * formats.def gets a probe and a load function. The format is detected from
 * the file (its first bytes, or a directory's contents), never from a flag.
 */
#ifndef NQ_API_FORMATS_H
#define NQ_API_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/graph.h"
#include "npuquant.h"

#define NQ_FORMAT_HEAD 64

#define NQ_FORMAT(name, desc)                                                                     \
  bool nq_##name##_probe(const char *path, bool is_dir, const uint8_t *head, size_t head_len);    \
  nq_status nq_##name##_load(const char *path, const nq_load_options *opts, nq_graph **out, nq_error *err);
#include "api/formats.def"
#undef NQ_FORMAT

/* The description of the format that recognizes `path`, or NULL. */
const char *nq_format_describe(const char *path);

#endif
