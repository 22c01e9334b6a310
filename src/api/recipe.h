/*
 * The automatic recipe choice behind nq_convert_options.recipe_auto
 * (src/api/recipe.c): candidates converted on a calibration part of the
 * samples, judged on the held-out rest, the best converted on all.
 */
#ifndef NQ_API_RECIPE_H
#define NQ_API_RECIPE_H

#include "api/notes.h"
#include "calib/range_refine.h"
#include "npuquant.h"
#include "quant/quantize.h"

/* What a conversion computes from the float model and the samples before it
 * quantizes: the prepared float graph (passes, int8 rewrites, equalization),
 * the min/max of every activation and, once a histogram method asks, the
 * histograms. Candidates of the automatic recipe that share the graph
 * (equalized or not) share these, so the search runs the float model over
 * its samples twice per graph instead of twice per candidate. */
typedef struct nq_calib_cache {
  int ready;          /* prepared and minmax are filled */
  int checked;        /* the samples were checked (nq_check_samples) */
  int equalize;       /* the graph variant: equalized or not */
  nq_model *prepared; /* owned; NULL: the float model itself needed no change */
  int rewritten_for_int8, equalized_pairs;
  nq_ranges minmax;         /* before any refinement, clipping or snapping */
  nq_histograms hist;       /* hist.h NULL until collected */
  nq_kept_notes prep_notes; /* owned: preparing's notes, said by each conversion with a note */
} nq_calib_cache;

void nq_calib_cache_free(nq_calib_cache *c);

/* nq_convert_source without recipe_auto, reading and filling `cache`
 * (opts->equalize must equal cache->equalize once it is ready). */
nq_status nq_convert_cached(const nq_model *fm, const nq_sample_source *src, const nq_convert_options *opts,
                            nq_calib_cache *cache, nq_model **out, nq_convert_stats *stats, nq_error *err);

/* How many conv -> conv pairs equalization would rescale in fm as convert
 * prepares it (0: the equalized graph is the graph itself). */
nq_status nq_equalized_pairs(const nq_model *fm, int *pairs, nq_error *err);

/* Fold `more` samples (not yet seen) into a ready cache's min/max and drop
 * its histograms (their bins were laid over the old ranges). Min and max
 * are exact, so the result is the ranges of all samples, byte for byte. */
nq_status nq_calib_cache_extend(nq_calib_cache *c, const nq_model *fm, const nq_sample_source *more,
                                const nq_convert_options *opts, nq_error *err);

/* nq_convert_source with opts->recipe_auto set; `stats` is a full-size
 * struct (never NULL). */
nq_status nq_recipe_convert(const nq_model *fm, const nq_sample_source *src, const nq_convert_options *opts,
                            nq_model **out, nq_convert_stats *stats, nq_error *err);

#endif
