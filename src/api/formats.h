/*
 * Format detection for nq_model_load() and `inspect`: walks the frontends'
 * table (frontends/formats.def).
 */
#ifndef NQ_API_FORMATS_H
#define NQ_API_FORMATS_H

#include "frontends/formats.h"

/* The description of the format that recognizes `path`, or NULL. */
const char *nq_format_describe(const char *path);

#endif
