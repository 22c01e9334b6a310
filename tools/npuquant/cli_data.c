#include "cli_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum {
  OPT_SAMPLES = CLI_DATA_OPT_BASE,
  OPT_SEED,
  OPT_RANGE,
  OPT_MEAN,
  OPT_STD,
  OPT_SCALE,
  OPT_OFFSET,
  OPT_RESIZE,
  OPT_COLOR,
  OPT_NO_ANTIALIAS,
  OPT_CHANNELS_FIRST,
  OPT_QUIET,
};

const struct option cli_data_longopts[] = {
    {"data", required_argument, NULL, 'd'},
    {"samples", required_argument, NULL, OPT_SAMPLES},
    {"seed", required_argument, NULL, OPT_SEED},
    {"range", required_argument, NULL, OPT_RANGE},
    {"mean", required_argument, NULL, OPT_MEAN},
    {"std", required_argument, NULL, OPT_STD},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"offset", required_argument, NULL, OPT_OFFSET},
    {"resize", required_argument, NULL, OPT_RESIZE},
    {"color", required_argument, NULL, OPT_COLOR},
    {"no-antialias", no_argument, NULL, OPT_NO_ANTIALIAS},
    {"channels-first", no_argument, NULL, OPT_CHANNELS_FIRST},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {0, 0, 0, 0},
};

void cli_data_init(cli_data_opts *o) {
  memset(o, 0, sizeof *o);
  nq_preprocess_default(&o->pp);
}

static int parse_one_float(const char *cmd, const char *opt, const char *s, float *out) {
  char *end;
  float v = strtof(s, &end);
  if (end == s || *end) return cli_usage_error(cmd, "%s expects a number, got '%s'", opt, s), -1;
  *out = v;
  return 1;
}

int cli_data_option(const char *cmd, int c, const char *arg, cli_data_opts *o) {
  nq_error err = {0};
  int n;
  long v;
  switch (c) {
    case 'd':
      if (o->n_paths >= CLI_DATA_MAX_INPUTS)
        return cli_usage_error(cmd, "at most %d -d options", CLI_DATA_MAX_INPUTS), -1;
      o->paths[o->n_paths++] = arg;
      return 1;
    case OPT_SAMPLES:
      if (cli_parse_int(arg, 1, 100000000, &v) != 0)
        return cli_usage_error(cmd, "--samples expects a positive integer, got '%s'", arg), -1;
      o->samples = v;
      return 1;
    case OPT_SEED: {
      char *end;
      o->seed = strtoull(arg, &end, 10);
      if (end == arg || *end) return cli_usage_error(cmd, "--seed expects an integer, got '%s'", arg), -1;
      o->use_seed = 1;
      return 1;
    }
    case OPT_RANGE:
      if (nq_preprocess_set_range(&o->pp, arg, &err) != NQ_OK) return cli_usage_error(cmd, "%s", err.msg), -1;
      o->have_norm = 1;
      return 1;
    case OPT_MEAN:
      if (nq_parse_float_list(arg, "--mean", o->pp.mean, NQ_PP_MAX_CHANNELS, &n, &err) != NQ_OK)
        return cli_usage_error(cmd, "%s", err.msg), -1;
      o->pp.n_mean = n;
      o->pp.norm = NQ_NORM_MEAN_STD;
      o->have_norm = 1;
      return 1;
    case OPT_STD:
      if (nq_parse_float_list(arg, "--std", o->pp.std, NQ_PP_MAX_CHANNELS, &n, &err) != NQ_OK)
        return cli_usage_error(cmd, "%s", err.msg), -1;
      o->pp.n_std = n;
      o->pp.norm = NQ_NORM_MEAN_STD;
      o->have_norm = 1;
      return 1;
    case OPT_SCALE:
      o->pp.norm = NQ_NORM_SCALE_OFFSET;
      o->have_norm = 1;
      return parse_one_float(cmd, "--scale", arg, &o->pp.scale);
    case OPT_OFFSET:
      if (o->pp.norm != NQ_NORM_SCALE_OFFSET) {
        o->pp.norm = NQ_NORM_SCALE_OFFSET;
        o->pp.scale = 1.0f;
      }
      o->have_norm = 1;
      return parse_one_float(cmd, "--offset", arg, &o->pp.offset);
    case OPT_RESIZE:
      if (strcmp(arg, "stretch") == 0)
        o->pp.resize = NQ_RESIZE_STRETCH;
      else if (strcmp(arg, "crop") == 0)
        o->pp.resize = NQ_RESIZE_CROP;
      else
        return cli_usage_error(cmd, "--resize expects stretch or crop, got '%s'", arg), -1;
      return 1;
    case OPT_COLOR:
      if (strcmp(arg, "rgb") == 0)
        o->pp.color = NQ_COLOR_RGB;
      else if (strcmp(arg, "bgr") == 0)
        o->pp.color = NQ_COLOR_BGR;
      else if (strcmp(arg, "gray") == 0 || strcmp(arg, "grey") == 0)
        o->pp.color = NQ_COLOR_GRAY;
      else
        return cli_usage_error(cmd, "--color expects rgb, bgr or gray, got '%s'", arg), -1;
      return 1;
    case OPT_NO_ANTIALIAS:
      o->pp.antialias = 0;
      return 1;
    case OPT_CHANNELS_FIRST:
      o->channels_first = 1;
      return 1;
    case OPT_QUIET:
      o->quiet = 1;
      return 1;
    default:
      return 0;
  }
}

struct cli_data {
  int n;
  nq_dataset *ds[CLI_DATA_MAX_INPUTS];
  const char *what;
  int tty;
  size_t count;
};

static nq_status fill(void *ctx, int sample, int input, float *dst, size_t n, nq_error *err) {
  cli_data *d = ctx;
  if (input < 0 || input >= d->n) return nq_fail(err, NQ_ERR_INTERNAL, "no data for input %d", input);
  if (nq_dataset_sample_elems(d->ds[input]) != n)
    return nq_fail(err, NQ_ERR_INTERNAL, "sample size mismatch for input %d", input);
  return nq_dataset_get(d->ds[input], (size_t)sample, dst, err);
}

static const char *name(void *ctx, int sample) {
  cli_data *d = ctx;
  return nq_dataset_name(d->ds[0], (size_t)sample);
}

static void bar(const cli_data *d, const char *what, int done, int total) {
  if (!d->tty) return;
  int width = 30, filled = total ? (int)((long)done * width / total) : width;
  fprintf(stderr, "\r%-12s [%.*s%*s] %d/%d", what, filled, "##############################", width - filled,
          "", done, total);
  if (done == total) fputc('\n', stderr);
  fflush(stderr);
}

static void progress(void *ctx, int done, int total) {
  const cli_data *d = ctx;
  bar(d, d->what, done, total);
}

void cli_data_stage_progress(void *ctx, const char *stage, int done, int total) {
  if (ctx) bar(ctx, stage, done, total);
}

nq_status cli_data_open(const cli_data_opts *o, const char *const *paths, int n_paths, const nq_model *m,
                        const char *what, cli_data **out, nq_sample_source *src, nq_error *err) {
  int n_in = nq_model_num_inputs(m);
  *out = NULL;
  if (n_paths != n_in)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "the model has %d input%s and %d data source%s were given (-d once per input)", n_in,
                   n_in == 1 ? "" : "s", n_paths, n_paths == 1 ? "" : "s");
  if (n_in > CLI_DATA_MAX_INPUTS)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "more than %d inputs", CLI_DATA_MAX_INPUTS);
  cli_data *d = calloc(1, sizeof *d);
  if (!d) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  d->what = what;
  d->tty = !o->quiet && isatty(2);
  nq_status st = NQ_OK;
  for (int i = 0; i < n_in && st == NQ_OK; i++) {
    nq_data_options dopt;
    nq_data_options_init(&dopt);
    dopt.max_samples = (size_t)o->samples;
    dopt.use_seed = o->use_seed;
    dopt.seed = o->seed;
    dopt.channels_first = o->channels_first;
    st = nq_dataset_open_input(paths[i], m, i, &o->pp, &dopt, &d->ds[i], err);
    if (st != NQ_OK) break;
    d->n++;
    size_t c = nq_dataset_count(d->ds[i]);
    if (i == 0)
      d->count = c;
    else if (c != d->count)
      st = nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s gives %zu samples but %s gives %zu: every input needs the same number", paths[i], c,
                   paths[0], d->count);
    const char *notes = nq_dataset_notes(d->ds[i]);
    if (st == NQ_OK && notes && *notes && !o->quiet) fprintf(stderr, "%s", notes);
  }
  if (st == NQ_OK && d->count == 0) st = nq_fail(err, NQ_ERR_INVALID_ARG, "%s: no samples", paths[0]);
  if (st == NQ_OK && d->count > 0x7fffffff) st = nq_fail(err, NQ_ERR_INVALID_ARG, "too many samples");
  if (st != NQ_OK) {
    cli_data_close(d);
    return st;
  }
  nq_sample_source_init(src);
  src->n_samples = (int)d->count;
  src->fill = fill;
  src->name = name;
  src->ctx = d;
  src->progress = progress;
  src->progress_ctx = d;
  *out = d;
  return NQ_OK;
}

void cli_data_close(cli_data *d) {
  if (!d) return;
  for (int i = 0; i < d->n; i++) nq_dataset_free(d->ds[i]);
  free(d);
}

const nq_preprocess *cli_data_preprocess(const cli_data *d) { return nq_dataset_preprocess(d->ds[0]); }
int cli_data_has_images(const cli_data *d) { return nq_dataset_has_images(d->ds[0]); }
const nq_dataset *cli_data_dataset(const cli_data *d, int input) { return d->ds[input]; }
