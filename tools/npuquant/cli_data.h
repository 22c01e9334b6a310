/*
 * The data-set options that `convert` and `compare` share: where the
 * samples come from (-d once per model input), which of them (--samples,
 * --seed) and how images become tensors (--range, --mean/--std,
 * --scale/--offset, --resize, --color, --no-antialias). cli_data_option()
 * consumes one getopt_long result; cli_data_open() opens one dataset per
 * model input and exposes them as an nq_sample_source.
 */
#ifndef NQ_CLI_DATA_H
#define NQ_CLI_DATA_H

#include <getopt.h>

#include "npuquant.h"

enum { CLI_DATA_MAX_INPUTS = 16 };

typedef struct cli_data_opts {
  const char *paths[CLI_DATA_MAX_INPUTS];
  int n_paths;
  long samples; /* 0 = all (capped by the library) */
  int use_seed;
  unsigned long long seed;
  nq_preprocess pp;
  int have_norm; /* --mean/--std/--scale/--offset/--range given */
  int channels_first;
  int quiet;
} cli_data_opts;

/* Options to append to a command's getopt_long table (terminated by a zero
 * entry); their values are >= CLI_DATA_OPT_BASE. -d is the short option. */
#define CLI_DATA_OPT_BASE 1000
extern const struct option cli_data_longopts[];
/* Help text block describing those options (a literal, so commands can
 * splice it into their own help). */
#define CLI_DATA_HELP                                                                       \
  "Data (the representative samples):\n"                                                    \
  "  -d, --data PATH     a folder of images (JPEG, PNG, BMP; searched recursively,\n"       \
  "                      sorted by path), one image, a .npy file (one sample, or\n"         \
  "                      N stacked samples), a folder of .npy files, or a .npz\n"           \
  "                      (every member, or FILE.npz:KEY for one). Give -d once per\n"       \
  "                      model input, in the model's input order.\n"                        \
  "  --samples N         use N samples (default: all, at most 500)\n"                       \
  "  --seed S            pick the N samples at random with seed S (default: the\n"          \
  "                      first N in path order)\n"                                          \
  "Image preprocessing (must match what the model saw in training; .npy data is\n"          \
  "used as it is):\n"                                                                       \
  "  --range R           0..255 (raw pixels, default), 0..1 or -1..1\n"                     \
  "  --mean M[,M,M]      per-channel mean, with --std: value = (pixel - mean) / std\n"      \
  "  --std S[,S,S]       per-channel standard deviation\n"                                  \
  "  --scale A           value = pixel * A + B (with --offset B)\n"                         \
  "  --offset B\n"                                                                          \
  "  --resize MODE       stretch (default: whole image to the input size) or crop\n"        \
  "                      (shorter side to size, then centre crop)\n"                        \
  "  --color C           rgb (default for 3 channels), bgr, or gray (default for\n"         \
  "                      1 channel)\n"                                                      \
  "  --no-antialias      plain bilinear when shrinking (default: area-weighted)\n"          \
  "  --channels-first    the model input is NCHW ([1, C, H, W]; default: from the model)\n" \
  "  --quiet             no progress line\n"

void cli_data_init(cli_data_opts *o);
/* 1: consumed (ok), 0: not a data option, -1: usage error (printed). */
int cli_data_option(const char *cmd, int c, const char *arg, cli_data_opts *o);

/* Open datasets for model `m` (one per input). Fills `src` whose ctx owns
 * them; free with cli_data_close(). `what` is "calibration" / "evaluation"
 * for the progress line. */
typedef struct cli_data cli_data;
nq_status cli_data_open(const cli_data_opts *o, const char *const *paths, int n_paths, const nq_model *m,
                        const char *what, cli_data **out, nq_sample_source *src, nq_error *err);
void cli_data_close(cli_data *d);
/* The same progress line for a later stage of convert (nq_convert_options
 * progress; ctx is the calibration data's cli_data). */
void cli_data_stage_progress(void *ctx, const char *stage, int done, int total);
/* The preprocessing actually used for input 0 (after defaults). */
const nq_preprocess *cli_data_preprocess(const cli_data *d);
int cli_data_has_images(const cli_data *d);
/* The data set of model input `input` (for the names of its samples). */
const nq_dataset *cli_data_dataset(const cli_data *d, int input);

#endif
