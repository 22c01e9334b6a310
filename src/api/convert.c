/*
 * The public quantization entry points: calibration (calib/calibrate.c)
 * followed by the quantizer (quant/quantize.c), with options translated
 * from the public struct.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/array_source.h"
#include "api/int16_layers.h"
#include "api/model_internal.h"
#include "api/notes.h"
#include "api/recipe.h"
#include "calib/calibrate.h"
#include "calib/range_choice.h"
#include "calib/range_refine.h"
#include "calib/range_snap.h"
#include "calib/sample_checks.h"
#include "core/status.h"
#include "passes/passes.h"
#include "quant/bias_correct.h"
#include "quant/equalize.h"
#include "quant/float_tail.h"
#include "quant/int8_rewrite.h"
#include "quant/prepare_16x8.h"
#include "quant/quantize.h"
#include "quant/saturation_clip.h"
#include "quant/split_outputs.h"
#include "quant/split_weights.h"
#include "quant/weight_round.h"
#include "writers/tflite/op_version_runtime.h"

void nq_convert_options_init(nq_convert_options *o) {
  memset(o, 0, sizeof *o);
  o->input_type = NQ_INT8;
  o->output_type = NQ_INT8;
  o->input_std = 1.0f;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

nq_status nq_convert_options_set_calibration(nq_convert_options *o, const char *method, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!o || !method)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_convert_options_set_calibration: NULL argument");
  nq_calib_options co;
  NQ_TRY(nq_calib_parse(method, &co, err));
  o->calibration = (int)co.method;
  o->percentile = co.percentile;
  return NQ_OK;
}

static bool io_type_ok(int t) { return t == NQ_INT8 || t == NQ_UINT8 || t == NQ_FLOAT32 || t == NQ_INT16; }

/* An already quantized model is converted as it is (no float rewrites). */
static bool has_quantized_tensor(const nq_graph *g) {
  for (int t = 0; t < g->n_tensors; t++)
    if (g->tensors[t].q.n != 0) return true;
  return false;
}

/* The pipeline: [pass pipeline, int8 rewrites and equalization on a copy] -> calibrate ->
 * [refine ranges] -> quantize -> [bias correction]. */
void nq_calib_cache_free(nq_calib_cache *c) {
  if (!c) return;
  nq_model_free(c->prepared);
  nq_kept_notes_free(&c->prep_notes);
  nq_ranges_free(&c->minmax);
  nq_histograms_free(&c->hist);
  memset(c, 0, sizeof *c);
}

static nq_status ranges_copy(const nq_ranges *a, nq_ranges *b, nq_error *err) {
  NQ_TRY(nq_ranges_init(b, a->n, err));
  memcpy(b->min, a->min, sizeof *a->min * (size_t)a->n);
  memcpy(b->max, a->max, sizeof *a->max * (size_t)a->n);
  memcpy(b->seen, a->seen, (size_t)a->n);
  return NQ_OK;
}

static void session_options(const nq_convert_options *opts, nq_session_options *so) {
  memset(so, 0, sizeof *so);
  so->num_threads = opts->num_threads;
  so->single_rounding =
      NQ_DEFAULT_SINGLE_ROUNDING; /* bias correction measures the int8 model as LiteRT runs it */
  so->kernels = opts->kernels;
}

nq_status nq_calib_cache_extend(nq_calib_cache *c, const nq_model *fm, const nq_sample_source *more,
                                const nq_convert_options *opts, nq_error *err) {
  if (!c->ready) return nq_fail(err, NQ_ERR_INTERNAL, "extending a calibration cache that is not filled");
  nq_histograms_free(&c->hist);
  nq_session_options so;
  session_options(opts, &so);
  const nq_graph *g = c->prepared ? c->prepared->graph : fm->graph;
  nq_ranges r;
  NQ_TRY(nq_calibrate(g, more, &so, &r, err));
  for (int t = 0; t < r.n && t < c->minmax.n; t++) {
    if (!r.seen[t]) continue;
    if (!c->minmax.seen[t] || r.min[t] < c->minmax.min[t]) c->minmax.min[t] = r.min[t];
    if (!c->minmax.seen[t] || r.max[t] > c->minmax.max[t]) c->minmax.max[t] = r.max[t];
    c->minmax.seen[t] = 1;
  }
  nq_ranges_free(&r);
  return NQ_OK;
}

/* The float graph calibration runs: a copy through the pass pipeline, the
 * int8 rewrites and (when asked) equalization. */
static nq_status prepare(const nq_graph *g, bool optimize, bool equalize, bool split,
                         nq_kept_notes *prep_notes, const nq_sample_source *src, const nq_session_options *so,
                         nq_model **out, int *rewritten, int *pairs, const nq_convert_options *opts,
                         nq_error *err) {
  nq_graph *copy = nq_graph_clone(g, err);
  if (!copy) return err->code;
  nq_status st = optimize ? nq_passes_optimize(copy, err) : NQ_OK;
  int n_split = 0; /* the note says which outputs */
  nq_note_keeper outputs_notes = {prep_notes, NQ_NOTE_SPLIT_OUTPUTS},
                 weights_notes = {prep_notes, NQ_NOTE_SPLIT_WEIGHTS},
                 int16_notes = {prep_notes, NQ_NOTE_INT16};
  if (st == NQ_OK && split) st = nq_split_outputs(copy, nq_keep_note, &outputs_notes, &n_split, err);
  if (st == NQ_OK) st = nq_rewrite_for_int8(copy, rewritten, err);
  if (st == NQ_OK && equalize) st = nq_equalize_graph(copy, 4, pairs, err);
  int act_pairs = 0; /* without samples (counting only): the pairs it could scale */
  if (st == NQ_OK && equalize && src) st = nq_equalize_activations(copy, src, so, &act_pairs, err);
  if (st == NQ_OK && equalize && !src) act_pairs = nq_equalize_activations_count(copy);
  if (equalize) *pairs += act_pairs;
  int n_wsplit = 0; /* after equalization, which would move W_hi off its grid */
  if (st == NQ_OK && opts && opts->split_weights)
    st = nq_split_weights(
        copy, opts->split_weights, (nq_split_grid){opts->per_tensor != 0, opts->per_channel_fc != 0},
        opts->activations_int16 && !opts->int16_layers ? NQ_SPLIT_AUTO_16X8 : NQ_SPLIT_AUTO_INT8, src, so,
        nq_keep_note, &weights_notes, &n_wsplit, err);
  int n_biases = 0; /* 16x8 layers need a bias tensor (int64) */
  if (st == NQ_OK && opts && (opts->activations_int16 || opts->int16_layers))
    st = nq_add_zero_biases(copy, &n_biases, err);
  int n_hswish = 0; /* every node in 16x8: HARD_SWISH in ops that have int16 kernels */
  if (st == NQ_OK && opts && opts->activations_int16 && !opts->int16_layers)
    st = nq_hard_swish_to_16x8_ops(copy, &n_hswish, err);
  if (st == NQ_OK && n_hswish > 0) {
    char msg[200];
    snprintf(
        msg, sizeof msg,
        "16x8: %d HARD_SWISH node%s computed as ADD(x, 3) with RELU6, MUL(x, .), MUL(., 1/6): TFLite has no "
        "int16 HARD_SWISH",
        n_hswish, n_hswish == 1 ? "" : "s");
    nq_keep_note(&int16_notes, msg);
  }
  if (st == NQ_OK)
    st = nq_model_wrap(copy, NULL, out, err);
  else
    nq_graph_free(copy);
  return st;
}

nq_status nq_equalized_pairs(const nq_model *fm, int *pairs, nq_error *err) {
  *pairs = 0;
  if (has_quantized_tensor(fm->graph)) return NQ_OK;
  nq_model *m = NULL;
  int rewritten = 0;
  NQ_TRY(prepare(fm->graph, !fm->graph->optimized, true, false, NULL, NULL, NULL, &m, &rewritten, pairs, NULL,
                 err));
  nq_model_free(m);
  return NQ_OK;
}

static nq_status convert(const nq_model *float_model, const nq_sample_source *src,
                         const nq_convert_options *opts, nq_calib_cache *cache, nq_model **out,
                         nq_convert_stats *rep, nq_error *err) {
  nq_convert_stats scratch_rep;
  if (!rep) rep = &scratch_rep;
  memset(rep, 0, sizeof *rep);
  *out = NULL;
  if (!float_model || !float_model->graph || !src || !opts)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_convert: model, samples or options is NULL");
  /* Every option is checked here, so a bad value is the caller's error
   * (NQ_ERR_INVALID_ARG) with its name, never an internal one later. */
  if (!io_type_ok(opts->input_type))
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "input_type is %d: int8 (%d), uint8 (%d) or float32 (%d) expected", (int)opts->input_type,
                   NQ_INT8, NQ_UINT8, NQ_FLOAT32);
  if (!io_type_ok(opts->output_type))
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "output_type is %d: int8 (%d), uint8 (%d) or float32 (%d) expected",
                   (int)opts->output_type, NQ_INT8, NQ_UINT8, NQ_FLOAT32);
  if (isnan(opts->percentile) || opts->percentile < 0)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "percentile is %g: 0 (the default, 99.99) or a value in (50, 100] expected",
                   opts->percentile);
  if (opts->num_threads < 0 || opts->num_threads > NQ_MAX_THREADS)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "num_threads is %d: 0 (one per core) to %d expected",
                   opts->num_threads, NQ_MAX_THREADS);
  nq_qoptions q = nq_qoptions_default();
  q.per_tensor = opts->per_tensor != 0;
  q.per_channel_fc = opts->per_channel_fc != 0 && !q.per_tensor;
  q.input_type = opts->input_type;
  q.output_type = opts->output_type;
  q.allow_float_fallback = opts->allow_float_fallback != 0;
  q.input_from_bytes = opts->input_from_bytes != 0;
  q.input_mean = opts->input_mean;
  q.input_std = opts->input_std;
  q.warn = opts->warn;
  q.warn_ctx = opts->warn_user;
  nq_calib_options co = {.method = (nq_calib_method)opts->calibration,
                         .percentile = opts->percentile > 0 ? opts->percentile : 99.99};
  if (opts->calibration < 0 || opts->calibration > NQ_CALIB_LAYERWISE ||
      !(co.percentile > 50 && co.percentile <= 100))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "calibration method %d / percentile %g is not valid",
                   opts->calibration, co.percentile);
  NQ_TRY(nq_int16_options_check(opts, err));
  int release_cap = 0;
  if (opts->tflite_version) {
    release_cap = nq_tflite_parse_release(opts->tflite_version);
    if (release_cap < NQ_TFLITE_OLDEST_CAP)
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "TFLite version '%s': expected a release from 2.4 on, as 2.9 or 2.9.0",
                     opts->tflite_version);
  }
  if (cache && cache->ready && cache->equalize != (opts->equalize != 0))
    return nq_fail(err, NQ_ERR_INTERNAL, "calibration cache of the %sequalized graph used for the other",
                   cache->equalize ? "" : "un");
  /* Say what the samples look like and warn when they look wrong (issue 13). */
  nq_note_route data_notes = {opts, NQ_NOTE_DATA};
  if (!cache || !cache->checked)
    NQ_TRY(nq_check_samples(float_model->graph, src, nq_note_fn(opts), nq_warn_fn(opts), &data_notes, err));
  if (cache) cache->checked = 1;
  nq_session_options so;
  session_options(opts, &so);
  nq_kernels use; /* refuse an unavailable kernel set before calibrating */
  NQ_TRY(nq_kernels_resolve((nq_kernels)opts->kernels, &use, err));

  double t0 = now_s();
  /* The pass pipeline (for a float .tflite, which loads as written),
   * equalization and the int8 rewrites change the graph, so they work on a
   * copy of the model. */
  nq_model *eq = NULL;
  nq_kept_notes prep_notes = {0}; /* preparing's notes, when this call prepared the graph */
  const nq_model *fm = float_model;
  bool optimize = !float_model->graph->optimized && !has_quantized_tensor(float_model->graph);
  if (cache && cache->ready) {
    if (cache->prepared) fm = cache->prepared;
    rep->rewritten_for_int8 = cache->rewritten_for_int8;
    rep->equalized_pairs = cache->equalized_pairs;
  } else if (optimize || opts->equalize || opts->split_outputs || opts->split_weights ||
             opts->activations_int16 || opts->int16_layers ||
             nq_rewrite_for_int8_needed(float_model->graph)) {
    nq_status ps =
        prepare(float_model->graph, optimize, opts->equalize != 0, opts->split_outputs != 0, &prep_notes, src,
                &so, &eq, &rep->rewritten_for_int8, &rep->equalized_pairs, opts, err);
    if (ps != NQ_OK) {
      nq_kept_notes_free(&prep_notes);
      return ps;
    }
    fm = eq;
  }
  nq_ranges ranges = {0};
  nq_status st;
  int chosen[NQ_RANGE_METHODS] = {0};
  co.chosen = chosen;
  if (cache && cache->ready) {
    st = ranges_copy(&cache->minmax, &ranges, err);
  } else {
    st = nq_calibrate(fm->graph, src, &so, &ranges, err);
    if (st == NQ_OK && cache) {
      st = ranges_copy(&ranges, &cache->minmax, err);
      if (st != NQ_OK) nq_ranges_free(&ranges);
    }
    if (st == NQ_OK && cache) {
      cache->prepared = eq; /* the cache owns the prepared graph from now on */
      eq = NULL;
      cache->prep_notes = prep_notes; /* and its notes */
      memset(&prep_notes, 0, sizeof prep_notes);
      cache->equalize = opts->equalize != 0;
      cache->rewritten_for_int8 = rep->rewritten_for_int8;
      cache->equalized_pairs = rep->equalized_pairs;
      cache->ready = 1;
    }
  }
  if (st == NQ_OK && cache && co.method != NQ_CALIB_MINMAX) {
    if (!cache->hist.h)
      st = nq_collect_histograms(fm->graph, src, &so, &cache->minmax, false, &cache->hist, err);
    if (st == NQ_OK) st = nq_ranges_from_histograms(&cache->hist, &co, &ranges, err);
    if (st != NQ_OK) nq_ranges_free(&ranges);
  } else if (st == NQ_OK && !cache) {
    st = nq_refine_ranges(fm->graph, src, &so, &co, &ranges, err);
    if (st != NQ_OK) nq_ranges_free(&ranges);
  }
  if (st == NQ_OK && co.method == NQ_CALIB_LAYERWISE && nq_notes_wanted(opts)) {
    char msg[256];
    int len = snprintf(msg, sizeof msg, "layer-wise ranges, tensors per method:");
    for (int m = 0; m < NQ_RANGE_METHODS && len > 0 && (size_t)len < sizeof msg; m++)
      len += snprintf(msg + len, sizeof msg - (size_t)len, " %s %d", nq_range_method_name((nq_range_method)m),
                      chosen[m]);
    nq_say_note(opts, NQ_NOTE_CALIBRATION, msg);
  }
  /* Before snapping, so the clipped ranges are snapped too. */
  if (st == NQ_OK) nq_clip_saturating_ranges(fm->graph, &ranges);
  /* The same model on every machine and kernel path (calib/range_snap.h). */
  if (st == NQ_OK) nq_ranges_snap(&ranges);
  rep->seconds_calibrate = now_s() - t0;
  if (st == NQ_OK) nq_kept_notes_say(cache && cache->ready ? &cache->prep_notes : &prep_notes, opts);
  t0 = now_s();
  nq_graph *qg = NULL;
  nq_float_tail tail = {0};
  if (st == NQ_OK && opts->output_type == NQ_FLOAT32 && !opts->no_float_tail) {
    nq_note_route tail_notes = {opts, NQ_NOTE_FLOAT_TAIL};
    st = nq_float_tail_plan(fm->graph, src, &so, &ranges, nq_note_fn(opts), &tail_notes, &tail, err);
    q.float_nodes = tail.keep;
  }
  unsigned char *int16_nodes = NULL;
  if (st == NQ_OK) st = nq_int16_layers_plan(fm->graph, opts, &ranges, src, &so, &int16_nodes, err);
  q.int16_nodes = int16_nodes;
  if (st == NQ_OK) st = nq_quantize_graph(fm->graph, &ranges, &q, &qg, err);
  if (st == NQ_OK && (st = nq_split_record_copy(fm->graph, qg, err)) != NQ_OK) { /* compare reads it */
    nq_graph_free(qg);
    qg = NULL;
  }
  free(int16_nodes);
  if (ranges.min) nq_ranges_free(&ranges);
  nq_float_tail_free(&tail);
  /* keep the source path: saving refuses to write over the float model */
  if (st == NQ_OK) rep->int16_nodes = nq_int16_node_count(qg);
  if (st == NQ_OK) st = nq_model_wrap(qg, float_model->path, out, err);
  if (st == NQ_OK) {
    /* Plan the int8 model once (every kernel checks its scales) so a model
     * that could not run is refused here, naming the node, instead of being
     * written and failing later. */
    nq_session *check = NULL;
    st = nq_session_create(*out, &so, &check, err);
    nq_session_free(check);
    if (st != NQ_OK && nq_int16_unchecked((*out)->graph, opts, err)) st = NQ_OK;
    if (st != NQ_OK) {
      nq_prefix(err, "the int8 model cannot run, so it was not kept: ");
      nq_model_free(*out);
      *out = NULL;
    }
  }
  if (st == NQ_OK && opts->weight_round) {
    nq_weight_round_report wr;
    st = nq_weight_round(fm->graph, (*out)->graph, src, &so, (nq_weight_round_method)opts->weight_round, &wr,
                         err);
    rep->weight_rounded_layers = wr.layers;
    rep->weight_round_before_db = wr.before_db;
    rep->weight_round_after_db = wr.after_db;
    if (st != NQ_OK) {
      nq_model_free(*out);
      *out = NULL;
    }
  }
  if (st == NQ_OK && opts->bias_correct) {
    st = nq_bias_correct(fm->graph, (*out)->graph, src, &so, opts->progress, opts->progress_user,
                         &rep->bias_corrected_layers, err);
    if (st != NQ_OK) {
      nq_model_free(*out);
      *out = NULL;
    }
  }
  /* What TFLite release the model needs: checked against the cap, and
   * recorded as TensorFlow's converter records it. */
  if (st == NQ_OK && release_cap) st = nq_tflite_check_release((*out)->graph, release_cap, err);
  if (st == NQ_OK) st = nq_tflite_stamp_min_runtime((*out)->graph, err);
  if (st != NQ_OK && *out) {
    nq_model_free(*out);
    *out = NULL;
  }
  rep->seconds_quantize = now_s() - t0;
  nq_model_free(eq);
  nq_kept_notes_free(&prep_notes);
  return st;
}

nq_status nq_convert_source(const nq_model *float_model, const nq_sample_source *src,
                            const nq_convert_options *opts, nq_model **out, nq_convert_stats *stats,
                            nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_convert_source: out is NULL");
  *out = NULL;
  if (!float_model || !float_model->graph || !src || !src->fill)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_convert_source: model, source or fill is NULL");
  if (src->struct_size < sizeof(nq_sample_source))
    return nq_fail(
        err, NQ_ERR_INVALID_ARG,
        "nq_convert_source: sample source struct_size %zu, %zu expected (use nq_sample_source_init)",
        src->struct_size, sizeof(nq_sample_source));
  if (src->n_samples < 1)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_convert_source: %d samples; at least 1 is needed",
                   src->n_samples);
  if (stats && stats->struct_size < sizeof stats->struct_size)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_convert_source: stats struct_size is not set");
  nq_convert_options defaults;
  nq_convert_options_init(&defaults);
  nq_convert_stats full;
  memset(&full, 0, sizeof full);
  nq_status st = opts && opts->recipe_auto
                     ? nq_recipe_convert(float_model, src, opts, out, &full, err)
                     : convert(float_model, src, opts ? opts : &defaults, NULL, out, &full, err);
  /* Fill only what the caller's (possibly older, smaller) struct holds. */
  if (stats) {
    size_t n = stats->struct_size < sizeof full ? stats->struct_size : sizeof full;
    full.struct_size = stats->struct_size;
    memcpy(stats, &full, n);
  }
  return st;
}

nq_status nq_convert_cached(const nq_model *fm, const nq_sample_source *src, const nq_convert_options *opts,
                            nq_calib_cache *cache, nq_model **out, nq_convert_stats *stats, nq_error *err) {
  return convert(fm, src, opts, cache, out, stats, err);
}

nq_status nq_convert(const nq_model *float_model, int n_samples, nq_fill_fn fill, void *user,
                     const nq_convert_options *opts, nq_model **out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_convert: out is NULL");
  *out = NULL;
  if (!float_model || !fill) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_convert: model or fill is NULL");
  nq_sample_source src;
  nq_sample_source_init(&src);
  src.n_samples = n_samples;
  src.fill = fill;
  src.ctx = user;
  /* through nq_convert_source, so recipe_auto is honoured on every door */
  return nq_convert_source(float_model, &src, opts, out, NULL, err);
}

nq_status nq_convert_arrays(const nq_model *float_model, const float *data, int n_samples,
                            const nq_convert_options *opts, nq_model **out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (out) *out = NULL;
  if (!float_model || !float_model->graph || !data || !out)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_convert_arrays: NULL argument");
  nq_array_source a;
  NQ_TRY(nq_array_source_init(&a, float_model->graph, data, n_samples, "nq_convert_arrays", err));
  return nq_convert(float_model, n_samples, nq_array_source_fill, &a, opts, out, err);
}
