/*
 * Format detection for nq_model_load() and `inspect`: walks the frontends'
 * table (frontends/formats.def).
 */
#ifndef NQ_API_FORMATS_H
#define NQ_API_FORMATS_H

#include "frontends/formats.h"

/* nq_format_describe() itself is public (include/npuquant.h). */

#endif
