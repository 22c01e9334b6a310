/*
 * The automatic recipe (nq_convert_options.recipe_auto, `convert`'s default):
 * no fixed recipe wins everywhere (equalization lifts VWW and costs ResNet8,
 * see docs/quantization.md), so the samples decide.
 *
 * The representative samples are split deterministically: the last quarter
 * of every run of 32 (samples 24-31, 56-63, ...; runs of n/2 below 64
 * samples) is held out for validation, the rest calibrate. Each
 * candidate is converted on (at most RECIPE_SEARCH_SAMPLES evenly spread
 * samples of) the calibration part and run beside the float model on (as
 * many of) the validation part; the score is the SQNR of the worst output.
 * The cap keeps the search to a few plain conversions' time on big sample
 * sets; the chosen recipe is then calibrated on everything. With fewer than
 * RECIPE_MIN_SPLIT samples nothing can be held out, so nothing is chosen:
 * TensorFlow's min/max is used (recipe_candidates 0) and no metadata is added.
 * The best candidate (a later one must win beyond chance, and with labels
 * held-out accuracy counts first: api/recipe_score.h) is converted
 * again on all samples and its name and score go into the model's
 * "npuquant_recipe" metadata. Nothing depends on time or threads, so the
 * same inputs give the same bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/model_internal.h"
#include "api/recipe.h"
#include "api/recipe_cost.h"
#include "api/recipe_score.h"
#include "core/status.h"
#include "ir/metadata.h"
#include "quant/split_weights.h"
#include "quant/weight_round.h"
#include "report/column_parts.h"
#include "report/compare.h"

/* Fewer samples than this are not split, and no recipe is chosen. */
#define RECIPE_MIN_SPLIT 8
/* Held-out samples come in blocks of this many (fewer below 64 samples). */
#define RECIPE_BLOCK 8
/* Each candidate is calibrated on at most this many samples and judged on
 * at most this many (bias correction, a layer-by-layer pass per sample, is
 * most of the search's cost). */
#define RECIPE_SEARCH_SAMPLES 64
/* The float model's outputs on the validation samples are kept for the
 * whole search up to this size (a detector's 25200 x 85 boxes on 64
 * samples are 550 MB: beyond it, the float model is rerun per candidate). */
#define RECIPE_REF_BYTES ((size_t)256 << 20)
/* The split-weights escalation first asks on this many calibration samples
 * whether auto would split anything at all. */
#define RECIPE_PROBE_SAMPLES 16

/* The costlier families, tried only when no int8 candidate reaches
 * NQ_RECIPE_GOOD_DB on every output part: each costs the target something
 * (more multiply-accumulates, int16 layers), so they are escalations rather
 * than rivals. */
typedef enum recipe_family {
  FAMILY_INT8 = 0,
  FAMILY_SPLIT_WEIGHTS, /* the best int8 candidate's ranges, --split-weights auto: int8 still */
  FAMILY_INT16_LAYERS,  /* --int16-layers auto: 16x8 where int8 loses most, a tenth of the MACs */
  FAMILY_INT16,         /* every node 16x8 */
  FAMILY_INT16_SPLIT,   /* every node 16x8, --split-weights auto */
} recipe_family;

typedef struct recipe_spec {
  const char *name;
  int calibration; /* NQ_CALIB_*: 0 minmax, 1 percentile, 2 mse */
  double percentile;
  int equalize, bias_correct;
  int weight_round;     /* nq_convert_options.weight_round */
  bool per_tensor_only; /* tried only with per_tensor (where it pays) */
  recipe_family family;
} recipe_spec;

/* Cheapest first (but see adaround): a later candidate must beat an earlier one beyond chance.
 * Bias correction costs a layer-by-layer pass per candidate (5-10x a
 * plain conversion), so it is tried only on the combinations that won
 * somewhere in docs/quantization.md's measurements. */
static const recipe_spec CANDIDATES[] = {
    {"minmax", 0, 0, 0, 0, 0, false, FAMILY_INT8},
    {"mse", 2, 0, 0, 0, 0, false, FAMILY_INT8},
    {"minmax+equalize", 0, 0, 1, 0, 0, false, FAMILY_INT8},
    {"mse+equalize", 2, 0, 1, 0, 0, false, FAMILY_INT8},
    /* AdaRound layer by layer (quant/weight_round.h), per tensor only: there
     * it is what pays (LiteRT.js, docs/quantization.md: VWW 26.6 -> 31.1 dB,
     * ResNet8 16.7 -> 18.8), so it comes before bias correction, which then
     * has to beat it beyond chance; equalized first, as equalization exists
     * for per-tensor weights (on VWW's 56 held-out samples the other order
     * chose mse+adaround: 29.3 dB). Per channel it is not tried. */
    {"mse+equalize+adaround", 2, 0, 1, 0, 2, true, FAMILY_INT8},
    {"mse+adaround", 2, 0, 0, 0, 2, true, FAMILY_INT8},
    {"mse+bias-correct", 2, 0, 0, 1, 0, false, FAMILY_INT8},
    {"mse+equalize+bias-correct", 2, 0, 1, 1, 0, false, FAMILY_INT8},
    {"minmax+equalize+bias-correct", 0, 0, 1, 1, 0, false, FAMILY_INT8},
    /* escalations, cheapest for the target first; 16x8 only with
     * recipe_int16 (a target that runs it) and with min/max ranges, what
     * TFLite's 16x8 converter uses */
    {"split-weights", 0, 0, 0, 0, 0, false, FAMILY_SPLIT_WEIGHTS},
    {"minmax+int16-layers", 0, 0, 0, 0, 0, false, FAMILY_INT16_LAYERS},
    {"minmax+16x8", 0, 0, 0, 0, 0, false, FAMILY_INT16},
    {"minmax+16x8+split-weights", 0, 0, 0, 0, 0, false, FAMILY_INT16_SPLIT},
};
#define N_CANDIDATES ((int)(sizeof CANDIDATES / sizeof CANDIDATES[0]))

/* A subset of a sample source, by index. */
typedef struct subset {
  const nq_sample_source *parent;
  int *idx;
  int n;
} subset;

static nq_status subset_fill(void *ctx, int sample, int input, float *dst, size_t n, nq_error *err) {
  const subset *s = ctx;
  if (sample < 0 || sample >= s->n)
    return nq_fail(err, NQ_ERR_INTERNAL, "recipe: sample %d of a %d-sample subset", sample, s->n);
  return s->parent->fill(s->parent->ctx, s->idx[sample], input, dst, n, err);
}

static const char *subset_name(void *ctx, int sample) {
  const subset *s = ctx;
  if (!s->parent->name || sample < 0 || sample >= s->n) return NULL;
  return s->parent->name(s->parent->ctx, s->idx[sample]);
}

static void subset_source(subset *s, nq_sample_source *out) {
  nq_sample_source_init(out);
  out->n_samples = s->n;
  out->fill = subset_fill;
  out->name = subset_name;
  out->ctx = s;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Session options for judging: as the target runs the int8 model (single
 * rounding), the default kernels. */
static void judge_options(int threads, nq_session_options *so) {
  memset(so, 0, sizeof *so);
  so->num_threads = threads;
  so->single_rounding = NQ_DEFAULT_SINGLE_ROUNDING;
}

/* The search's bookkeeping in GMAC: what is cached decides what the next
 * candidate still costs. */
typedef struct budget {
  double limit, spent; /* limit < 0: none */
  nq_model_cost model;
  int n, n_cal, n_val;
  bool minmax_done[2], hist_done[2], ref_done, ref_kept;
} budget;

/* AdaRound's passes: float and int8 per weighted layer on at most
 * NQ_WEIGHT_ROUND_SAMPLES of n samples (its rounding itself, on the
 * collected moments, does not grow with the samples). */
static double adaround_cost(const budget *b, int n) {
  int used = n < NQ_WEIGHT_ROUND_SAMPLES ? n : NQ_WEIGHT_ROUND_SAMPLES;
  return 2.0 * b->model.bias_layers * used * b->model.gmac;
}

/* The family chooses its layers by a measurement pass over the samples
 * (--split-weights auto, --int16-layers auto). */
static bool measures_layers(recipe_family f) {
  return f == FAMILY_SPLIT_WEIGHTS || f == FAMILY_INT16_SPLIT || f == FAMILY_INT16_LAYERS;
}

/* A candidate's own search: the statistics its graph does not have yet, the
 * int8 model on the validation samples (the float reference only once), and
 * for bias correction two passes per layer per calibration sample. */
static double search_cost(const budget *b, const recipe_spec *c) {
  double p = b->model.gmac, cost = 0;
  int v = c->equalize != 0;
  bool own = c->family != FAMILY_INT8; /* statistics of its own graph */
  if (own || !b->minmax_done[v]) cost += b->n_cal * p;
  if (c->calibration != 0 && (own || !b->hist_done[v])) cost += b->n_cal * p;
  if (measures_layers(c->family)) cost += b->n_cal * p; /* the measurement pass choosing the layers */
  cost += b->n_val * p * (b->ref_done && b->ref_kept ? 1 : 2);
  if (c->bias_correct) cost += 2.0 * b->model.bias_layers * b->n_cal * p;
  if (c->weight_round == NQ_WEIGHT_ROUND_ADAROUND) cost += adaround_cost(b, b->n_cal);
  return cost;
}

/* What choosing it adds to the final conversion on all n samples beyond
 * the min/max pass every recipe makes: the histogram pass, and bias
 * correction's per-layer passes (on hundreds of samples, the largest term). */
static double final_extra(const budget *b, const recipe_spec *c) {
  double p = b->model.gmac, cost = 0;
  if (c->calibration != 0) cost += b->n * p;
  if (measures_layers(c->family)) cost += b->n * p;
  if (c->bias_correct) cost += 2.0 * b->model.bias_layers * b->n * p;
  if (c->weight_round == NQ_WEIGHT_ROUND_ADAROUND) cost += adaround_cost(b, b->n);
  return cost;
}

static void budget_spend(budget *b, const recipe_spec *c) {
  b->spent += search_cost(b, c);
  b->ref_done = true;
  if (c->family != FAMILY_INT8) return;
  int v = c->equalize != 0;
  b->minmax_done[v] = true;
  if (c->calibration != 0) b->hist_done[v] = true;
  b->ref_done = true;
}

/* Whole GMAC for big figures, three digits for a tiny model's. */
static const char *gmac_text(double v, char buf[32]) {
  snprintf(buf, 32, v >= 100 ? "%.0f" : "%.3g", v);
  return buf;
}

/* base: the caller's options (their split_weights, int16 fields kept for
 * the int8 family). */
static void apply(const recipe_spec *c, const nq_convert_options *base, nq_convert_options *o) {
  o->recipe_auto = 0;
  o->calibration = c->calibration;
  o->percentile = c->percentile;
  o->equalize = c->equalize;
  o->bias_correct = c->bias_correct;
  o->weight_round = c->weight_round;
  o->split_weights = base->split_weights;
  o->activations_int16 = base->activations_int16;
  o->int16_layers = base->int16_layers;
  if (c->family == FAMILY_SPLIT_WEIGHTS || c->family == FAMILY_INT16_SPLIT) o->split_weights = "auto";
  if (c->family == FAMILY_INT16 || c->family == FAMILY_INT16_SPLIT) o->activations_int16 = 1;
  if (c->family == FAMILY_INT16_LAYERS) o->int16_layers = "auto";
}

static bool is_int16(recipe_family f) {
  return f == FAMILY_INT16_LAYERS || f == FAMILY_INT16 || f == FAMILY_INT16_SPLIT;
}

/* Whether escalation candidate c is tried, and if not why. */
typedef enum escalation {
  ESCALATE = 0,
  HOLD_GOOD_ENOUGH, /* the best so far reaches NQ_RECIPE_GOOD_DB */
  HOLD_GIVEN,       /* the caller chose the split itself */
  HOLD_NO_16X8,     /* the target does not run 16x8 (recipe_int16 off) */
} escalation;

static escalation escalate(const recipe_spec *c, const nq_convert_options *opts, double best_db) {
  if (c->family == FAMILY_INT8) return ESCALATE;
  if (best_db >= NQ_RECIPE_GOOD_DB) return HOLD_GOOD_ENOUGH;
  if (c->family == FAMILY_SPLIT_WEIGHTS && opts->split_weights) return HOLD_GIVEN;
  if (is_int16(c->family) && !opts->recipe_int16) return HOLD_NO_16X8;
  return ESCALATE;
}

/* Would --split-weights auto split any layer of the graph the int8
 * candidate `cache` prepared? Measured on (up to RECIPE_PROBE_SAMPLES of)
 * the calibration samples before the candidate's own conversion, which would
 * otherwise calibrate and judge a model equal to the one it started from
 * (YOLOv5n at int8: every layer's weights above 30 dB, 80 s for nothing). */
static nq_status split_probe(const nq_model *fm, const nq_calib_cache *cache, const nq_sample_source *cal,
                             const nq_convert_options *opts, int *n_split, nq_error *err) {
  *n_split = 0;
  const nq_graph *g = cache->ready && cache->prepared ? cache->prepared->graph : fm->graph;
  nq_graph *copy = nq_graph_clone(g, err);
  if (!copy) return err ? err->code : NQ_ERR_NOMEM;
  nq_session_options so;
  judge_options(opts->num_threads, &so);
  nq_status st = nq_split_weights(
      copy, "auto",
      (nq_split_grid){.per_tensor = opts->per_tensor != 0, .per_channel_fc = opts->per_channel_fc != 0},
      NQ_SPLIT_AUTO_INT8, cal, &so, NULL, NULL, n_split, err);
  nq_graph_free(copy);
  return st;
}

/* Split weights on the best int8 candidate's ranges (not its bias
 * correction or AdaRound, which would edit the split layers). */
static recipe_spec split_spec(const recipe_spec *c, const recipe_spec *best, char name[64]) {
  recipe_spec r = *c;
  r.calibration = best->calibration;
  r.percentile = best->percentile;
  r.equalize = best->equalize;
  snprintf(name, 64, "%s%s+split-weights", best->calibration == 2 ? "mse" : "minmax",
           best->equalize ? "+equalize" : "");
  r.name = name;
  return r;
}

nq_status nq_recipe_convert(const nq_model *fm, const nq_sample_source *src, const nq_convert_options *opts,
                            nq_model **out, nq_convert_stats *stats, nq_error *err) {
  double t_start = now_s();
  *out = NULL;
  int n = src->n_samples;
  NQ_TRY(nq_recipe_labels_check(fm, opts->labels, opts->n_labels, n, err));
  if (n < RECIPE_MIN_SPLIT) {
    /* no warning: the report says so (stats.recipe_candidates == 0), and
     * a handful of samples is a choice the caller made */
    nq_convert_options o = *opts;
    apply(&CANDIDATES[0], opts, &o);
    nq_convert_stats full = {.struct_size = sizeof full};
    nq_status st = nq_convert_source(fm, src, &o, out, &full, err);
    full.recipe_chosen = 0;
    snprintf(full.recipe, sizeof full.recipe, "%s", CANDIDATES[0].name);
    full.recipe_sqnr_db = NAN;
    full.seconds_recipe = now_s() - t_start;
    *stats = full;
    return st;
  }
  /* part[i]: 1 when sample i is held out. The last quarter of every run of
   * 4 * block samples is held out, in blocks rather than single samples:
   * representative data often comes in runs of near-duplicates (views of
   * one photo, frames of a video, files named in sequence), and a
   * candidate judged on a neighbour of its own calibration samples looks
   * better than it is (bias correction most). */
  int block = n >= 8 * RECIPE_BLOCK ? RECIPE_BLOCK : n / 8;
  int *idx = malloc(sizeof *idx * (size_t)n * 2);
  if (!idx) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the recipe's sample split");
  int *all_cal = idx + n, n_cal = 0, n_val = 0;
  int *all_val = NULL;
  for (int i = 0; i < n; i++)
    if (i % (4 * block) < 3 * block) all_cal[n_cal++] = i;
  all_val = all_cal + n_cal;
  for (int i = 0; i < n; i++)
    if (i % (4 * block) >= 3 * block) all_val[n_val++] = i;
  subset cal = {src, idx, 0}, val = {src, NULL, 0};
  int use_cal = n_cal < RECIPE_SEARCH_SAMPLES ? n_cal : RECIPE_SEARCH_SAMPLES;
  int use_val = n_val < RECIPE_SEARCH_SAMPLES ? n_val : RECIPE_SEARCH_SAMPLES;
  /* k of m spread evenly over a part of p samples: k * p / m */
  for (int k = 0; k < use_cal; k++) idx[cal.n++] = all_cal[(long long)k * n_cal / use_cal];
  val.idx = idx + cal.n;
  for (int k = 0; k < use_val; k++) val.idx[val.n++] = all_val[(long long)k * n_val / use_val];
  nq_sample_source cal_src, val_src;
  subset_source(&cal, &cal_src);
  subset_source(&val, &val_src);
  int32_t *val_labels = NULL;
  if (opts->labels) {
    val_labels = malloc(sizeof *val_labels * (size_t)val.n);
    if (!val_labels) {
      free(idx);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the recipe's labels");
    }
    for (int k = 0; k < val.n; k++) val_labels[k] = opts->labels[val.idx[k]];
  }

  nq_convert_options o = *opts;
  o.progress = NULL; /* one line per candidate instead of a bar per stage */
  /* The data line, the data checks and the quantizer's warnings come once,
   * from the final conversion, not once per candidate (the checks reread
   * every sample, so this also saves a pass per candidate). */
  o.note = NULL;
  o.topic_note = NULL;
  o.warn = NULL;
  /* [0]: the graph as it is, [1]: equalized (calibration statistics shared
   * by the candidates on each). */
  nq_calib_cache caches[2];
  memset(caches, 0, sizeof caches);
  budget bud = {.limit = opts->recipe_budget == 0 ? NQ_RECIPE_BUDGET_GMAC : opts->recipe_budget,
                .n = n,
                .n_cal = cal.n,
                .n_val = val.n};
  nq_model_cost_of(fm->graph, &bud.model);
  size_t out_floats = 0;
  for (int j = 0; j < fm->graph->n_outputs; j++)
    out_floats += nq_tensor_elems(&fm->graph->tensors[fm->graph->outputs[j]]);
  bud.ref_kept = out_floats <= RECIPE_REF_BYTES / sizeof(float) / (size_t)(val.n ? val.n : 1);
  nq_ref_outputs ref = {0};
  bool ref_tried = false;
  int best = -1, skipped = 0;
  nq_recipe_score best_score = {.sqnr_db = NAN, .correct = -1};
  nq_status st = NQ_OK;
  int eq_pairs = -1; /* conv -> conv pairs equalization rescales; -1: not counted yet */
  bool tried[N_CANDIDATES] = {false};
  nq_recipe_candidate results[N_CANDIDATES];
  int not_applicable = 0;
  bool int16_withheld = false;
  char split_name[64];
  recipe_spec chosen_spec = CANDIDATES[0];
  nq_output_map columns;
  st = nq_output_column_parts(fm->graph, &columns, err);
  for (int c = 0; c < N_CANDIDATES && st == NQ_OK; c++) {
    if (CANDIDATES[c].per_tensor_only && !opts->per_tensor) {
      not_applicable++;
      continue;
    }
    escalation hold = escalate(&CANDIDATES[c], opts, best_score.sqnr_db);
    if (hold != ESCALATE) {
      int16_withheld |= hold == HOLD_NO_16X8;
      not_applicable++;
      continue;
    }
    recipe_spec spec = CANDIDATES[c];
    if (spec.family == FAMILY_SPLIT_WEIGHTS) {
      spec = split_spec(&spec, &CANDIDATES[best < 0 ? 0 : best], split_name);
      subset few = {src, cal.idx, cal.n < RECIPE_PROBE_SAMPLES ? cal.n : RECIPE_PROBE_SAMPLES};
      nq_sample_source few_src;
      subset_source(&few, &few_src);
      int n_split = 0;
      st = split_probe(fm, &caches[spec.equalize != 0], &few_src, opts, &n_split, err);
      if (st != NQ_OK) break;
      if (n_split == 0) {
        not_applicable++;
        if (nq_notes_wanted(opts)) {
          char msg[300];
          snprintf(msg, sizeof msg,
                   "recipe candidate %s not run: no layer's int8 weights lose enough (weight-only SQNR under "
                   "%.0f dB) for --split-weights auto to split it",
                   spec.name, NQ_SPLIT_AUTO_INT8.min_db);
          nq_say_note(opts, NQ_NOTE_RECIPE, msg);
        }
        continue;
      }
    }
    if (CANDIDATES[c].equalize && eq_pairs < 0 && nq_equalized_pairs(fm, &eq_pairs, err) != NQ_OK) {
      eq_pairs = 1; /* unknown: the candidate runs and reports its own error */
      if (err) memset(err, 0, sizeof *err);
    }
    int twin = -1; /* with nothing to equalize, X+equalize is X: same ranges, same model */
    for (int t = 0; CANDIDATES[c].equalize && eq_pairs == 0 && t < c; t++)
      if (tried[t] && !CANDIDATES[t].equalize && CANDIDATES[t].calibration == CANDIDATES[c].calibration &&
          CANDIDATES[t].percentile == CANDIDATES[c].percentile &&
          CANDIDATES[t].bias_correct == CANDIDATES[c].bias_correct &&
          CANDIDATES[t].weight_round == CANDIDATES[c].weight_round)
        twin = t;
    if (twin >= 0) {
      /* reported with its twin's figures (never chosen: a tie goes to the
       * earlier), so the table and the metadata are what running it gave */
      if (nq_notes_wanted(opts)) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "recipe candidate %s not run: equalization rescales no layer pair of this model, so it "
                 "is %s (its figures)",
                 CANDIDATES[c].name, CANDIDATES[twin].name);
        nq_say_note(opts, NQ_NOTE_RECIPE, msg);
      }
      nq_recipe_candidate rc = results[twin];
      rc.name = CANDIDATES[c].name;
      rc.index = c;
      rc.equalize = CANDIDATES[c].equalize;
      rc.seconds = 0;
      if (opts->recipe_candidate) opts->recipe_candidate(opts->recipe_user, &rc);
      continue;
    }
    double need = search_cost(&bud, &spec), extra = final_extra(&bud, &spec);
    if (c > 0 && bud.limit >= 0 && bud.spent + need + extra > bud.limit) {
      skipped++;
      if (nq_notes_wanted(opts)) {
        char msg[400], a[32], b[32], e[32], p[32], sp[32], li[32];
        snprintf(msg, sizeof msg,
                 "recipe candidate %s skipped: it would cost about %s GMAC (search %s + final %s; "
                 "%s GMAC per sample, %d layers) and %s of the %s GMAC budget are spent "
                 "(--recipe-budget)",
                 spec.name, gmac_text(need + extra, a), gmac_text(need, b), gmac_text(extra, e),
                 gmac_text(bud.model.gmac, p), bud.model.bias_layers, gmac_text(bud.spent, sp),
                 gmac_text(bud.limit, li));
        nq_say_note(opts, NQ_NOTE_RECIPE, msg);
      }
      continue;
    }
    budget_spend(&bud, &spec);
    tried[c] = true;
    double t0 = now_s();
    apply(&spec, opts, &o);
    nq_model *qm = NULL;
    nq_convert_stats cs = {.struct_size = sizeof cs};
    /* an escalation prepares another graph (split layers, 16x8 rewrites):
     * its statistics are its own */
    nq_calib_cache own;
    memset(&own, 0, sizeof own);
    nq_calib_cache *cache = spec.family == FAMILY_INT8 ? &caches[spec.equalize != 0] : &own;
    st = nq_convert_cached(fm, &cal_src, &o, cache, &qm, &cs, err);
    nq_calib_cache_free(&own);
    nq_recipe_candidate rc = {.name = spec.name,
                              .index = c,
                              .calibration = spec.calibration,
                              .percentile = spec.percentile,
                              .equalize = spec.equalize,
                              .bias_correct = spec.bias_correct,
                              .samples = val.n};
    if (st == NQ_OK && !ref_tried) {
      /* the float model's validation outputs, once for every candidate */
      nq_session_options so;
      judge_options(opts->num_threads, &so);
      st = nq_ref_outputs_compute(fm->graph, &val_src, &so, RECIPE_REF_BYTES, &ref, err);
      ref_tried = true;
    }
    nq_recipe_score score = {.sqnr_db = NAN, .correct = -1};
    if (st == NQ_OK)
      st = nq_recipe_score_measure(fm, &ref, qm, &val_src, val_labels, opts->num_threads, &columns, &score,
                                   err);
    rc.sqnr_db = score.sqnr_db;
    rc.top1_agree = score.top1_agree;
    rc.correct = score.correct;
    nq_model_free(qm);
    if (st != NQ_OK && c == 0) {
      /* TensorFlow's recipe itself fails: so would every other */
      nq_prefix(err, "recipe candidate %s: ", CANDIDATES[c].name);
      break;
    }
    if (st != NQ_OK) {
      /* an extra method that cannot handle this model (e.g. an op bias
       * correction cannot run) only drops out of the race */
      if (opts->warn) {
        char msg[1200];
        snprintf(msg, sizeof msg, "recipe candidate %s skipped: %s", spec.name,
                 err ? err->msg : nq_status_name(st));
        opts->warn(opts->warn_user, msg);
      }
      st = NQ_OK;
      if (err) memset(err, 0, sizeof *err);
      rc.sqnr_db = NAN;
      score.sqnr_db = NAN;
    }
    rc.seconds = now_s() - t0;
    results[c] = rc;
    if (opts->recipe_candidate) opts->recipe_candidate(opts->recipe_user, &rc);
    /* NaN (a broken candidate) never wins */
    if (st == NQ_OK && nq_recipe_score_better(&score, &best_score)) {
      nq_recipe_score_free(&best_score);
      best_score = score;
      best = c;
      chosen_spec = spec;
    } else {
      nq_recipe_score_free(&score);
    }
  }
  double best_sqnr = best_score.sqnr_db;
  char worst_name[160];
  snprintf(worst_name, sizeof worst_name, "%s", best_score.worst_name);
  int best_correct = best_score.correct;
  nq_recipe_score_free(&best_score);
  free(val_labels);
  nq_ref_outputs_free(&ref);
  nq_output_map_free(&columns);
  if (st == NQ_OK && nq_notes_wanted(opts) && int16_withheld && !(best_sqnr >= NQ_RECIPE_GOOD_DB)) {
    char msg[640];
    snprintf(
        msg, sizeof msg,
        "recipe: the chosen candidate's worst output (part), '%s', reached %.2f dB, under %.0f dB; 16x8 "
        "(int16 activations) was not "
        "tried, as the target does not run it (recipe_int16 off; `convert --npu ethos-u` or `--npu none` "
        "allow it)",
        worst_name, best_sqnr, NQ_RECIPE_GOOD_DB);
    nq_say_note(opts, NQ_NOTE_RECIPE, msg);
  }
  if (st != NQ_OK) {
    nq_calib_cache_free(&caches[0]);
    nq_calib_cache_free(&caches[1]);
    free(idx);
    return st;
  }
  if (best < 0) best = 0; /* every candidate measured NaN: TensorFlow's recipe */
  /* an escalation is converted afresh: the caches hold the int8 graphs */
  nq_calib_cache none;
  memset(&none, 0, sizeof none);
  nq_calib_cache *fin = chosen_spec.family == FAMILY_INT8 ? &caches[chosen_spec.equalize != 0] : &none;
  double t_more = 0;
  apply(&chosen_spec, opts, &o);
  o.progress = opts->progress;
  o.progress_user = opts->progress_user;
  o.note = opts->note;
  o.topic_note = opts->topic_note;
  o.warn = opts->warn;
  if (fin->ready) {
    /* The search saw the calibration subset: only the other samples still
     * need the min/max pass (the histograms, over the wider ranges, are
     * collected again on all samples). */
    int *rest = malloc(sizeof *rest * (size_t)n);
    subset more = {src, rest, 0};
    if (!rest) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory for the recipe's sample split");
    for (int i = 0, j = 0; rest && i < n; i++) {
      if (j < cal.n && cal.idx[j] == i)
        j++;
      else
        rest[more.n++] = i;
    }
    nq_sample_source more_src;
    subset_source(&more, &more_src);
    t_more = now_s();
    if (st == NQ_OK && more.n > 0) st = nq_calib_cache_extend(fin, fm, &more_src, &o, err);
    t_more = now_s() - t_more;
    fin->checked = 0; /* the final conversion says what the data look like */
    free(rest);
  }
  free(idx);
  nq_convert_stats full = {.struct_size = sizeof full};
  if (st == NQ_OK) st = nq_convert_cached(fm, src, &o, fin->ready ? fin : NULL, out, &full, err);
  full.seconds_calibrate += t_more; /* the final min/max pass ran before nq_convert_cached */
  nq_calib_cache_free(&caches[0]);
  nq_calib_cache_free(&caches[1]);
  if (st == NQ_OK) {
    char text[320], by_labels[64] = "";
    if (best_correct >= 0)
      snprintf(by_labels, sizeof by_labels, "top-1 accuracy %d of %d, then ", best_correct, val.n);
    snprintf(text, sizeof text,
             "recipe %s: chosen automatically among %d candidates by validation %sSQNR %.2f dB "
             "(calibrated on %d, judged on %d held-out of %d samples), then calibrated on all %d",
             chosen_spec.name, N_CANDIDATES - skipped - not_applicable, by_labels, best_sqnr, cal.n, val.n, n,
             n);
    st = nq_graph_set_metadata_text((*out)->graph, "npuquant_recipe", text, err);
    if (st != NQ_OK) {
      nq_model_free(*out);
      *out = NULL;
    }
  }
  full.recipe_candidates = N_CANDIDATES - skipped - not_applicable;
  full.recipe_chosen = best;
  snprintf(full.recipe, sizeof full.recipe, "%s", chosen_spec.name);
  full.recipe_sqnr_db = best_sqnr;
  full.seconds_recipe = now_s() - t_start;
  *stats = full;
  return st;
}
