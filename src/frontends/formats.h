/*
 * The frontends nq_model_load() dispatches to: every line of formats.def
 * declares a probe and a load function here. The format is detected from the
 * file (its first bytes, or a directory's contents), never from a flag. The
 * list lives beside the frontends so that they declare their entry points
 * without reaching up into src/api, which only walks the table.
 */
#ifndef NQ_FRONTENDS_FORMATS_H
#define NQ_FRONTENDS_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/graph.h"
#include "npuquant.h"

#define NQ_FORMAT_HEAD 64

#define NQ_FORMAT(name, desc)                                                                  \
  bool nq_##name##_probe(const char *path, bool is_dir, const uint8_t *head, size_t head_len); \
  nq_status nq_##name##_load(const char *path, const nq_load_options *opts, nq_graph **out, nq_error *err);
#include "frontends/formats.def"
#undef NQ_FORMAT

#endif
