/*
 * The automatic recipe choice behind nq_convert_options.recipe_auto
 * (src/api/recipe.c): candidates converted on a calibration part of the
 * samples, judged on the held-out rest, the best converted on all.
 */
#ifndef NQ_API_RECIPE_H
#define NQ_API_RECIPE_H

#include "npuquant.h"

/* nq_convert_source with opts->recipe_auto set; `stats` is a full-size
 * struct (never NULL). */
nq_status nq_recipe_convert(const nq_model *fm, const nq_sample_source *src, const nq_convert_options *opts,
                            nq_model **out, nq_convert_stats *stats, nq_error *err);

#endif
